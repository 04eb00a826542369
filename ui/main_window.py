"""The main window: the workload form on the left, the views in tabs on the right.

It is shown as a light shell first (Qt only), then `build()` adds the views, the catalog and
the charts on the next turns of the event loop, so the window appears fast and heavy imports
(numpy, pyqtgraph) happen behind it.
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QWidget,
)

from ui.settings import Settings

log = logging.getLogger(__name__)

TAB_RECOMMEND, TAB_TRADEOFFS, TAB_COMPARE, TAB_MACHINE, TAB_PLANS = range(5)
TAB_TITLES = ("Recommendations", "Trade-offs", "Compare", "This machine", "Plans")
WORKLOAD_FILTER = "Workload files (*.toml *.json);;All files (*)"


def child_command() -> list[str]:
    """How to start this app again as a child process: `python -m advisor` (by module, not by
    file path, so it works from a wheel, a zip or an installer); a frozen build is its own
    executable and takes the sub-command directly."""
    import sys

    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "advisor"]


def documents_dir() -> Path:
    """The user's documents folder (Qt knows each OS's), else the home folder."""
    from PySide6.QtCore import QStandardPaths

    docs = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def default_paper() -> str:
    """Letter where the locale measures in US units (the US and a few others), else A4."""
    from PySide6.QtCore import QLocale

    return "Letter" if QLocale().measurementSystem() == QLocale.ImperialUSSystem else "A4"


def _placeholder(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setAlignment(Qt.AlignCenter)
    lab.setProperty("role", "muted")
    return lab


class MainWindow(QMainWindow):
    ready = Signal()  # the views exist and the first results are drawn
    detection_done = Signal()  # complete detection (CPU brand) is in, or failed

    def __init__(self, settings: Settings, app=None):
        super().__init__()
        self.settings = settings
        self.app = app or QApplication.instance()
        self.state = None
        self.current_path: Path | None = None
        self.last_message = ""  # the last message shown to the user (tests read it)
        self._report_process = None  # the `main.py report` child while a PDF is written
        self.unsaved_box = None  # the open 'save your edits?' question, if any
        self.probe_task = None
        self.tasks: list = []
        self._built = False
        self._detected = False
        from ui.unsaved import UnsavedEdits

        self.unsaved = UnsavedEdits()
        self.setWindowTitle("Hardware Advisor — training vs inference")
        self.setObjectName("main-window")
        self.resize(1280, 800)
        self.setMinimumSize(960, 600)
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("main-tabs")
        self.tabs.setDocumentMode(True)
        for title in TAB_TITLES:
            self.tabs.addTab(_placeholder("Loading…"), title)
        self.setCentralWidget(self.tabs)
        self.dock = QDockWidget("Workload", self)
        self.dock.setObjectName("workload-dock")
        self.dock.setFeatures(QDockWidget.DockWidgetMovable)
        self.dock.setWidget(_placeholder("Loading…"))
        self.dock.setMinimumWidth(360)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.dock)
        self.resizeDocks([self.dock], [380], Qt.Horizontal)
        self.compute_label = QLabel()
        self.compute_label.setProperty("role", "muted")
        self.statusBar().addPermanentWidget(self.compute_label)
        self.statusBar().showMessage("Starting…")
        self._make_actions()

    # ---- actions ------------------------------------------------------------------------
    def _action(self, text, slot, shortcut=None, tip="", menu=None, toolbar=False, name=None) -> QAction:
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setToolTip(tip + (f" ({QKeySequence(shortcut).toString(QKeySequence.NativeText)})" if shortcut else ""))
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        a.setObjectName(name or text)
        if menu is not None:
            menu.addAction(a)
        if toolbar:
            self.toolbar.addAction(a)
            button = self.toolbar.widgetForAction(a)  # what a screen reader lands on in the tool bar
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.setAccessibleDescription(tip)
        self.addAction(a)
        return a

    def _make_actions(self) -> None:
        mb = self.menuBar()
        self.toolbar = QToolBar("Main")
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        f = mb.addMenu("&File")
        self.act_open = self._action("&Open workload…", self.open_dialog, "Ctrl+O", "Open a workload file", f, True, "open")
        self.act_save = self._action("&Save", self.save, "Ctrl+S", "Save the workload", f, True, "save")
        self.act_save_as = self._action("Save &as…", self.save_as_dialog, "Ctrl+Shift+S", "Save the workload as", f,
                                        name="save-as")
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.preset_menu = f.addMenu("&New from preset")  # filled by build(): the presets shipped in the package
        self.preset_menu.setObjectName("preset-menu")
        f.addSeparator()
        self.toolbar.addSeparator()
        self.act_pdf = self._action("Export &PDF report…", self.export_pdf_dialog, "Ctrl+P",
                                    "Write a PDF report of this workload", f, True, "export-pdf")
        self.act_csv = self._action("Export table as &CSV…", self.export_csv_dialog, "Ctrl+E",
                                    "Save the recommendations table (filtered, sorted) as CSV", f, True, "export-csv")
        self.act_chart = self._action("Export &chart as PNG/SVG…", self.export_chart_dialog, "Ctrl+Shift+E",
                                      "Save the chart on screen as PNG or SVG", f, True, "export-chart")
        f.addSeparator()
        self._action("&Quit", self.quit_requested, "Ctrl+Q", "Quit", f, name="quit")
        v = mb.addMenu("&View")
        for k, title in enumerate(TAB_TITLES):
            self._action(title, lambda _=False, k=k: self.tabs.setCurrentIndex(k), f"Ctrl+{k + 1}",
                         f"Show {title}", v, name=f"tab-{k}")
        self._action("Next tab", lambda: self._step_tab(1), "Ctrl+Tab", "Show the next tab", v, name="next-tab")
        self._action("Previous tab", lambda: self._step_tab(-1), "Ctrl+Shift+Tab", "Show the previous tab", v,
                     name="previous-tab")
        v.addSeparator()
        self.act_theme_system = self._action("Follow the &system colours", self.follow_system_theme, None,
                                             "Light or dark as the operating system is set", v, name="theme-system")
        self.act_theme_system.setCheckable(True)
        self.act_theme_system.setChecked(self.settings.theme == "system")
        self.act_theme = self._action("&Dark theme", self.toggle_theme, "Ctrl+T",
                                      "Switch light/dark (stops following the system)", v, name="theme")
        self.act_theme.setCheckable(True)
        from ui import theme as themes

        self.act_theme.setChecked(themes.resolve(self.settings.theme, self.app).dark)
        # The OS switching light/dark while the app runs: followed unless the user chose one.
        self.app.styleHints().colorSchemeChanged.connect(self._on_system_scheme)
        m = mb.addMenu("&Machine")
        self.toolbar.addSeparator()
        self.act_quick = self._action("&Quick probe", lambda: self.start_probe(True), "Ctrl+R",
                                      "Measure this machine (~10 s)", m, True, "quick-probe")
        self._action("&Full probe", lambda: self.start_probe(False), "Ctrl+Shift+R", "Measure this machine (~1 min)",
                     m, name="full-probe")
        self.act_cancel = self._action("&Cancel", self.cancel_running, "Esc", "Stop the running probe or report", m, True,
                                       "cancel-probe")
        self.act_cancel.setEnabled(False)
        self._action("&Import probe file…", self.import_dialog, None, "Import another machine's probe --json", m,
                     name="import-probe")
        self._action("Add selected device to &comparison", self.compare_selected, "Ctrl+D",
                     "Add the selected device to the side-by-side comparison", m, name="compare-selected")
        h = mb.addMenu("&Help")
        self._action("&Keyboard shortcuts", self.show_shortcuts, "F1", "List the keyboard shortcuts", h, name="shortcuts")
        self._action("&About", self.show_about, None, "About", h, name="about")
        for a in (self.act_save, self.act_save_as, self.act_pdf, self.act_csv, self.act_chart, self.act_quick):
            a.setEnabled(False)

    def _step_tab(self, step: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    # ---- build (after the window is shown) -------------------------------------------
    def build(self) -> None:
        """Stage 1: catalog, state, form, table, compare, machine view; first compute."""
        from hardware_db import load_catalog
        from ui import theme as themes
        from ui.presets import list_presets
        from ui.state import AppState
        from ui.views.compare import CompareView
        from ui.views.machine import MachineView
        from ui.views.plans import PlansView
        from ui.views.recommendations import RecommendationsView
        from ui.views.workload import WorkloadView

        self.theme = themes.resolve(self.settings.theme, self.app)
        self.state = AppState(self, catalog=load_catalog())
        self.form = WorkloadView()
        self.recommend = RecommendationsView()
        self.compare = CompareView()
        self.machine = MachineView()
        self.plans = PlansView()
        self.dock.setWidget(self.form)
        self._replace_tab(TAB_RECOMMEND, self.recommend)
        self._replace_tab(TAB_COMPARE, self.compare)
        self._replace_tab(TAB_MACHINE, self.machine)
        self._replace_tab(TAB_PLANS, self.plans)
        self.tabs.setCurrentIndex(TAB_RECOMMEND)
        self.tradeoffs = None
        st = self.state
        self.form.edited.connect(self._on_form_edited)
        self.form.preset_chosen.connect(self._on_preset)
        st.input_error.connect(self.form.show_error)
        st.input_error.connect(self._on_input_error)
        st.workload_changed.connect(self.form.set_workload)
        st.results_changed.connect(self._on_results)
        st.machine_changed.connect(self.plans.set_machine)
        st.compare_changed.connect(self.recommend.model.set_compare)
        st.compare_changed.connect(self.compare.set_devices)
        st.selection_changed.connect(self.recommend.select_device)
        self.recommend.device_selected.connect(st.select)
        self.recommend.compare_toggled.connect(self._toggle_compare)
        self.compare.remove_requested.connect(st.toggle_compare)
        self.compare.clear_requested.connect(lambda: st.set_compare([]))
        self.machine.probe_requested.connect(self.start_probe)
        self.machine.compare_machine_requested.connect(self._compare_machine)
        self.machine.apply_requested.connect(self.apply_import)
        self.machine.cancel_requested.connect(self.cancel_probe)
        self.machine.import_requested.connect(self.import_dialog)
        self.presets = list_presets()
        self.form.set_presets([(p.name, p.description) for p in self.presets])
        self._fill_preset_menu()
        self.apply_theme(self.theme)
        for a in (self.act_save, self.act_save_as, self.act_csv, self.act_chart, self.act_quick):
            a.setEnabled(True)
        self._setup_pdf_action()
        self._load_initial_workload()
        known = set(map(str, self.state.catalog_ids())) if hasattr(self.state, "catalog_ids") else None
        st.set_compare([d for d in self.settings.compare if known is None or d in known])
        self._start_detection()
        self._built = True
        if self.settings.notice:
            self.notify("Settings reset", self.settings.notice, "warning")
        for warning in self.state.catalog.warnings:  # a broken catalog_overlay.csv, skipped
            self.notify("Catalog overlay", warning, "warning")
        QTimer.singleShot(0, self.build_charts)

    def build_charts(self) -> None:
        """Stage 2: the pyqtgraph views (the slowest import)."""
        from ui.views.tradeoffs import TradeoffsView

        self.tradeoffs = TradeoffsView()
        self._replace_tab(TAB_TRADEOFFS, self.tradeoffs)
        self.tradeoffs.set_theme(self.theme)
        self.tradeoffs.device_clicked.connect(self._on_chart_click)
        self.state.selection_changed.connect(self.tradeoffs.select_device)
        if self.state.results is not None:
            self.tradeoffs.set_results(self.state.results)
        self.statusBar().showMessage("Ready", 3000)
        self.ready.emit()

    def _replace_tab(self, index: int, widget: QWidget) -> None:
        current = self.tabs.currentIndex()
        old = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, TAB_TITLES[index])
        if old is not None:
            old.deleteLater()
        self.tabs.setCurrentIndex(current)

    def _setup_pdf_action(self) -> None:
        self.report_available = importlib.util.find_spec("ui.report") is not None
        self.act_pdf.setEnabled(self.report_available)
        if not self.report_available:
            self.act_pdf.setToolTip("PDF reports are not available yet in this build (ui.report is missing).")

    def _load_initial_workload(self) -> None:
        if self._restore_unsaved():
            return
        last = self.settings.last_workload
        if last and Path(last).is_file() and self.open_path(last, quiet=True):
            return
        self._apply_preset(0)

    # Edits not yet saved are kept across a close (nothing the user made is lost): each window
    # has its own locked file in the config folder (ui/unsaved.py), restored, still marked
    # unsaved, at the next start.
    def _keep_unsaved(self) -> None:
        from advisor.errors import BadInput
        from advisor.workload import dumps_toml

        try:
            if getattr(self, "_dirty", False) and self.state is not None and self.state.workload is not None:
                origin = self.current_path.resolve() if self.current_path else None
                self.unsaved.keep(origin, dumps_toml(self.state.workload))
            else:
                self.unsaved.drop()
        except (BadInput, OSError) as e:  # a config folder that is a file, a full disk
            log.warning("unsaved edits not kept: %s", e)
        finally:
            self.unsaved.release()

    def _restore_unsaved(self) -> bool:
        from advisor.errors import BadInput
        from advisor.workload import parse_text

        claimed = self.unsaved.claim()
        if claimed is None:
            return False
        origin, text = claimed
        try:
            wl = parse_text(text, self.unsaved.path.name, "toml")
        except BadInput as e:
            self.notify("Unsaved edits not restored", f"{self.unsaved.path}: {e}", "warning")
            self.unsaved.set_aside()
            return False
        self.current_path = origin
        self.form.presets.setCurrentIndex(self.form.presets.findText(wl.name))
        self.state.set_workload(wl, immediate=True)
        self._dirty = True
        self._update_title()
        self.statusBar().showMessage("Restored the unsaved edits of your last session (save to keep them).", 8000)
        return True

    # ---- workload in and out ----------------------------------------------------------
    def _apply_preset(self, index: int) -> None:
        from advisor.workload import workload_from_dict

        preset = self.presets[index]
        data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in preset.data.items()}
        econ = data.setdefault("economics", {})
        econ.setdefault("electricity_usd_per_kwh", self.settings.electricity_usd_per_kwh)
        self.current_path = None
        self.form.presets.setCurrentIndex(index)
        self.state.set_workload(workload_from_dict(data, preset.name), immediate=True)
        self._update_title()

    def _on_preset(self, index: int) -> None:
        if not 0 <= index < len(self.presets):
            return
        if getattr(self, "_dirty", False):
            # Show what is still loaded until the user has answered (the edits are kept).
            self.form.presets.blockSignals(True)
            self.form.presets.setCurrentIndex(self.form.presets.findText(self.state.workload.name))
            self.form.presets.blockSignals(False)

        def switch():
            self._dirty = False
            self._apply_preset(index)

        self.may_discard_edits(f"switch to the preset “{self.presets[index].name}”", switch)

    # ---- unsaved edits: asked about before they are replaced -------------------------
    def may_discard_edits(self, doing: str, then) -> None:
        """Run `then()` once the current workload may be replaced: at once when it has no
        unsaved edits; else after the user answers 'Save your edits before <doing>?' with Save
        (and the save succeeds) or Discard. Cancel keeps everything as it is.

        The question is a window-modal box that does not block (no nested event loop): the
        answer continues the action. One question at a time."""
        if not getattr(self, "_dirty", False) or self.state is None or self.state.workload is None:
            then()
            return
        if self.unsaved_box is not None:
            self.unsaved_box.raise_()
            return
        name = (self.state.workload.name or "") or "this workload"
        box = QMessageBox(QMessageBox.Warning, "Unsaved edits",
                          f"“{name}” has edits that are not saved. Save them before you {doing}?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self)
        box.setTextFormat(Qt.PlainText)  # the workload's name comes from a file
        box.setObjectName("unsaved-question")
        box.setDefaultButton(QMessageBox.Save)
        box.setAttribute(Qt.WA_DeleteOnClose)
        self.unsaved_box = box

        def answered(button):
            self.unsaved_box = None
            role = box.standardButton(button)
            if role == QMessageBox.Save:
                if self.save():
                    then()
            elif role == QMessageBox.Discard:
                self._dirty = False
                self._update_title()
                then()

        box.buttonClicked.connect(answered)
        box.rejected.connect(lambda: setattr(self, "unsaved_box", None))
        box.open()

    def quit_requested(self) -> None:
        """Ctrl+Q: asks about unsaved edits first, then closes."""
        self.may_discard_edits("quit", self._close_now)

    def _close_now(self) -> None:
        self._asked_at_close = True
        self.close()

    def _on_form_edited(self, data: dict) -> None:
        if self.state.submit_form(data):
            self._dirty = True
            price = data.get("economics", {}).get("electricity_usd_per_kwh")
            if isinstance(price, (int, float)):
                self.settings.electricity_usd_per_kwh = price
            self._update_title()

    def _on_input_error(self, path: str, message: str) -> None:
        if message:
            self.statusBar().showMessage(f"Not applied: {message} (showing the last valid estimate)")
        else:
            self.statusBar().clearMessage()

    def open_dialog(self) -> None:
        self.may_discard_edits("open another workload", self._open_dialog_now)

    def _open_dialog_now(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open workload", str(self._dialog_dir()), WORKLOAD_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str, quiet: bool = False) -> bool:
        from advisor.errors import BadInput
        from advisor.workload import load_workload

        try:
            wl = load_workload(path)
        except BadInput as e:
            if not quiet:
                self.notify("Cannot open workload", str(e), "warning")
            return False
        self.current_path = Path(path)
        self._dirty = False
        self.settings.last_workload = str(Path(path).resolve())
        self.settings.add_recent(str(Path(path).resolve()))
        self.form.presets.setCurrentIndex(self.form.presets.findText(wl.name))  # -1: not a preset
        self.state.set_workload(wl, immediate=True)
        self._update_title()
        self.statusBar().showMessage(f"Opened {path}", 4000)
        return True

    def save(self) -> bool:
        if self.current_path is None:
            return self.save_as_dialog()
        return self.save_to(self.current_path)

    def save_as_dialog(self) -> bool:
        start = str(self._dialog_dir() / f"{(self.state.workload.name or 'workload').replace(' ', '_').lower()}.toml")
        path, _ = QFileDialog.getSaveFileName(self, "Save workload", start, WORKLOAD_FILTER)
        return self.save_to(path) if path else False

    def save_to(self, path) -> bool:
        from advisor.workload import save_workload

        if self.state.last_error:
            self.notify("Not saved", f"Fix the highlighted field first: {self.state.last_error}", "warning")
            return False
        from advisor.errors import BadInput

        try:
            save_workload(self.state.workload, path)
        except BadInput as e:  # disk full, permission denied: the old file is untouched
            self.notify("Not saved", str(e), "warning")
            return False
        except OSError as e:
            self.notify("Not saved", f"{path}: {e.strerror or e}", "warning")
            return False
        self.current_path = Path(path)
        self._dirty = False
        self.settings.last_workload = str(Path(path).resolve())
        self.settings.add_recent(str(Path(path).resolve()))
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _dialog_dir(self) -> Path:
        """Where Open and Save start: the current file's folder, else the user's documents
        folder (never the package's own preset folder: a save there is lost on upgrade)."""
        if self.current_path is not None and self.current_path.parent.is_dir():
            return self.current_path.parent
        return documents_dir()

    def _fill_preset_menu(self) -> None:
        """File > New from preset: the same presets as the form's picker, through the same signal."""
        self.preset_menu.clear()
        for i, preset in enumerate(self.presets):
            a = self.preset_menu.addAction(preset.name)
            a.setToolTip(preset.description)
            a.setStatusTip(preset.description)
            a.setObjectName(f"preset:{preset.path.stem if preset.path else i}")
            a.triggered.connect(lambda _=False, i=i: self.form.preset_chosen.emit(i))
        self.preset_menu.setToolTipsVisible(True)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files
        for path in files:
            a = self.recent_menu.addAction(path)
            a.triggered.connect(lambda _=False, p=path: self.may_discard_edits("open another workload",
                                                                                lambda: self.open_path(p)))
        if not files:
            a = self.recent_menu.addAction("No recent files")
            a.setEnabled(False)

    def _update_title(self) -> None:
        wl = self.state.workload if self.state else None
        name = (wl.name if wl is not None else "") or "untitled"
        where = f" — {self.current_path.name}" if self.current_path else ""
        dirty = " •" if getattr(self, "_dirty", False) else ""
        self.setWindowTitle(f"{name}{where}{dirty} · Hardware Advisor")

    # ---- results ----------------------------------------------------------------------
    def _on_results(self, results) -> None:
        import time

        from ui.views.recommendations import device_count_text

        t0 = time.perf_counter()
        self.recommend.set_results(results)
        self.compare.set_results(results)
        self.plans.set_context(results.workload, self.state.catalog, results.calibrations)
        if self.tradeoffs is not None:
            self.tradeoffs.set_results(results)
        draw_ms = (time.perf_counter() - t0) * 1000
        self.last_redraw_ms = draw_ms
        self.compute_label.setText(f"model {results.compute_ms:.0f} ms · redraw {draw_ms:.0f} ms · "
                                   f"{device_count_text(results)}")

    def _on_chart_click(self, device_id: str) -> None:
        self.state.select(device_id)
        name = self.state.results.estimates.table.names[list(self.state.results.estimates.table.ids).index(device_id)]
        self.statusBar().showMessage(f"Selected {name} (Ctrl+D adds it to the comparison)", 5000)

    def _toggle_compare(self, device_id: str) -> None:
        if not self.state.toggle_compare(device_id):
            self.statusBar().showMessage("Up to four devices can be compared; untick one first.", 5000)
        elif len(self.state.compare) >= 2:
            self.statusBar().showMessage(f"{len(self.state.compare)} devices in the comparison (Ctrl+3 shows it)", 4000)

    def compare_selected(self) -> None:
        if self.state and self.state.selected:
            self._toggle_compare(self.state.selected)

    # ---- detection and probes ---------------------------------------------------------
    def _run(self, fn, *args, name: str, on_done=None, on_fail=None, on_progress=None):
        from ui.workers import run_task

        task = run_task(fn, *args, name=name, parent=self)
        if on_done:
            task.finished.connect(on_done)
        if on_fail:
            task.failed.connect(on_fail)
        if on_progress:
            task.progress.connect(on_progress)
        self.tasks.append(task)
        task.done.connect(lambda t=task: self.tasks.remove(t) if t in self.tasks else None)
        return task

    def _start_detection(self) -> None:
        from ui import jobs

        cat = self.state.catalog
        self._run(jobs.detect_job, cat, False, name="detect", on_done=self._on_detected,
                  on_fail=self._on_detect_failed)
        self._run(jobs.history_job, cat, name="history", on_done=self._on_history)

    def _on_detected(self, machine) -> None:
        from ui import jobs

        self.state.set_machine(machine)
        self.machine.set_machine(machine)
        self.machine.set_probe_report(self.state.probe_report, machine)
        if not machine.complete:
            self._run(jobs.detect_job, self.state.catalog, True, name="detect-cpu", on_done=self._on_detected,
                      on_fail=self._on_detect_failed)
        else:
            self._detected = True
            self.detection_done.emit()

    def _on_detect_failed(self, message: str, details: str) -> None:
        self.machine.set_detect_failed(message)
        self._detected = True
        self.detection_done.emit()

    def _on_history(self, hist: dict) -> None:
        if not hist.get("available", True):
            self.machine.set_probes_unavailable(hist["warnings"][0])
            self.act_quick.setEnabled(False)
        for w in hist.get("warnings", []):
            self.statusBar().showMessage(w, 8000)
        self._set_machines(hist)
        self.state.set_probe(hist.get("report"), hist.get("calibrations"), hist.get("runs"))
        self.machine.set_probe_report(hist.get("report"), self.state.machine)

    def _set_machines(self, hist: dict) -> None:
        """The history's machines: side by side in the Machine view, and as Compare columns."""
        if "side_by_side" in hist:
            self.machine.set_side_by_side(hist["side_by_side"])
        self.machine.set_history(hist.get("runs", []))
        if getattr(self, "compare", None) is not None:
            self.compare.set_machines(hist.get("machine_options", {}))

    def start_probe(self, quick: bool = True, probes=None) -> None:
        from ui import jobs

        if self.probe_task is not None or self.state is None:
            return
        self.tabs.setCurrentIndex(TAB_MACHINE)
        self.machine.set_probing(True, quick)
        self.act_cancel.setEnabled(True)
        self.act_quick.setEnabled(False)
        self.probe_task = self._run(jobs.probe_job, quick, self.state.catalog, probes, name="probe",
                                    on_done=self._on_probe_done, on_fail=self._on_probe_failed,
                                    on_progress=self.machine.set_probe_progress)
        self.probe_task.done.connect(self._on_probe_thread_done)

    def cancel_running(self) -> None:
        """Esc: stop whatever long job runs (a probe, a report)."""
        self.cancel_probe()
        self.cancel_report()

    def cancel_probe(self) -> None:
        if self.probe_task is not None:
            self.probe_task.cancel()
            self.machine.probe_status.setText("Cancelling…")

    def _on_probe_done(self, result) -> None:
        report, hist = result
        if report.get("cancelled"):
            self.machine.set_probe_done(report, "Probe cancelled; nothing was saved.")
            return
        self._set_machines(hist)
        # The state (and every estimate) uses the combination of recent runs, not just this one.
        combined = hist.get("report") or report
        self.state.set_probe(combined, hist.get("calibrations"), hist.get("runs"))
        self.machine.set_probe_report(combined, self.state.machine)
        self.machine.set_probe_done(report, self.machine.probe_status.text())
        self.statusBar().showMessage("Probe done: this machine's rows are now calibrated.", 6000)

    def _on_probe_failed(self, message: str, details: str) -> None:
        self.machine.set_probe_done(None, f"Probe failed: {message}")

    def _on_probe_thread_done(self) -> None:
        self.probe_task = None
        self.act_cancel.setEnabled(False)
        self.act_quick.setEnabled(True)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a probe report", str(documents_dir()),
                                              "Probe reports (*.json);;All files (*)")
        if path:
            self.import_probe(path)

    def import_probe(self, path: str):
        from ui import jobs

        return self._run(jobs.import_job, path, self.state.catalog, name="import",
                         on_done=lambda hist: (self._on_history(hist),
                                               self.statusBar().showMessage(
                                                   f"Imported {path}: shown and compared; it calibrates a catalog row "
                                                   "only once you apply it", 8000)),
                         on_fail=lambda msg, _d: self.notify("Cannot import", msg, "warning"))

    def _compare_machine(self, machine_id: str) -> None:
        if self.state is None:
            return
        if machine_id not in self.state.compare and not self.state.toggle_compare(machine_id):
            self.notify("Compare is full", "Remove a column from Compare first (double-click its header).", "info")
            return
        self.tabs.setCurrentIndex(TAB_COMPARE)

    def apply_import(self, run_id: int, device_id: str, undo: bool = False):
        """Let an imported run calibrate a catalog row (or stop it); every estimate follows at once."""
        from ui import jobs

        verb = "no longer calibrates" if undo else "now calibrates"
        return self._run(jobs.apply_job, run_id, device_id, self.state.catalog, undo, name="apply",
                         on_done=lambda hist: (self._on_history(hist),
                                               self.statusBar().showMessage(f"Run {run_id} {verb} {device_id}", 6000)),
                         on_fail=lambda msg, _d: self.notify("Cannot apply", msg, "warning"))

    # ---- export -----------------------------------------------------------------------
    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export table as CSV", str(documents_dir() / "recommendations.csv"),
                                              "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str):
        from ui import jobs

        header, rows = self.recommend.table_rows()
        return self._run(jobs.csv_job, path, header, rows, name="csv",
                         on_done=lambda p: self.statusBar().showMessage(f"Saved {p}", 5000),
                         on_fail=lambda msg, _d: self.notify("CSV not saved", msg, "warning"))

    def export_chart_dialog(self) -> None:
        if self.tradeoffs is None:
            return
        self.tabs.setCurrentIndex(TAB_TRADEOFFS)
        key = self.tradeoffs.current_key()
        path, _ = QFileDialog.getSaveFileName(self, "Export chart", str(documents_dir() / f"{key}.png"),
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.export_chart(path)

    def export_chart(self, path: str) -> bool:
        """The chart tab on screen as PNG or SVG (rendering must stay on the GUI thread)."""
        import pyqtgraph.exporters as ex

        from advisor.atomic import atomic_path

        canvas = self.tradeoffs.current_canvas()
        item = canvas.ci
        svg = str(path).lower().endswith(".svg")
        try:
            # Atomic like every other write: an existing file is replaced only by a complete one.
            with atomic_path(path) as tmp:
                staged = tmp.with_name(tmp.name + (".svg" if svg else ".png"))  # format follows the suffix
                try:
                    if svg:
                        self._export_svg(canvas, str(staged))
                    else:
                        exp = ex.ImageExporter(item)
                        exp.parameters()["width"] = max(1200, int(canvas.width() * 1.5))
                        exp.export(str(staged))
                    if not staged.is_file() or staged.stat().st_size == 0:
                        raise OSError(errno.EIO, "the chart could not be rendered")
                    os.replace(staged, tmp)
                finally:
                    staged.unlink(missing_ok=True)
        except Exception as e:
            from advisor.errors import BadInput

            self.notify("Chart not saved", str(e) if isinstance(e, BadInput) else f"{path}: {e}", "warning")
            return False
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    @staticmethod
    def _export_svg(canvas, path: str) -> None:
        """Vector SVG of a chart canvas, via QSvgGenerator (pyqtgraph's SVG exporter fails on
        some of our items)."""
        from PySide6.QtCore import QRect, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setFileName(path)
        gen.setSize(QSize(canvas.width(), canvas.height()))
        gen.setViewBox(QRect(0, 0, canvas.width(), canvas.height()))
        gen.setTitle("Hardware Advisor chart")
        painter = QPainter(gen)
        try:
            canvas.render(painter)
        finally:
            painter.end()

    def export_pdf_dialog(self) -> None:
        if not self.report_available:
            return
        filters = {"PDF, A4 paper (*.pdf)": "A4", "PDF, US Letter paper (*.pdf)": "Letter"}
        default = next(k for k, v in filters.items() if v == default_paper())
        path, chosen = QFileDialog.getSaveFileName(self, "Export PDF report", str(documents_dir() / "report.pdf"),
                                                   ";;".join(filters), default)
        if path:
            self.export_pdf(path, page_size=filters.get(chosen, default_paper()))

    def export_pdf(self, path: str, page_size: str = "A4"):
        """Write the PDF in a child process running `hwadvisor report`: the very command a script
        would run (so both give the same report), and the window never waits on it. Returns
        the QProcess (tests wait on its `finished`)."""
        import tempfile

        from PySide6.QtCore import QProcess, QProcessEnvironment

        from advisor.workload import dumps_toml

        st = self.state
        if self._report_process is not None:
            self.notify("Report in progress", "A report is already being written.", "info")
            return self._report_process
        folder = tempfile.mkdtemp(prefix="hwadvisor-report-")
        wl_file = Path(folder) / "workload.toml"
        wl_file.write_text(dumps_toml(st.workload), encoding="utf-8")
        args = [*child_command(), "report", "--workload", str(wl_file), "--out", path, "--page-size", page_size]
        for dev in sorted(st.compare):
            args += ["--device", dev]
        env = QProcessEnvironment.systemEnvironment()
        env.insert("QT_QPA_PLATFORM", "offscreen")  # the child draws, it never shows a window
        # `-m advisor` must find the package this window runs from, even from a checkout that
        # was never installed and a working folder elsewhere.
        import advisor

        root = str(Path(advisor.__file__).resolve().parent.parent)
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH", "")) if p))
        proc = QProcess(self)
        proc.setProcessEnvironment(env)
        proc.setProgram(args[0])
        proc.setArguments(args[1:])
        self._report_process = proc
        self.act_cancel.setEnabled(True)
        self.statusBar().showMessage(f"Writing {path}… (Esc cancels)")

        def finished(code, status):
            import shutil

            self._report_process = None
            self.act_cancel.setEnabled(self.probe_task is not None)
            shutil.rmtree(folder, ignore_errors=True)
            err = bytes(proc.readAllStandardError()).decode("utf-8", "replace").strip().splitlines()
            if status == QProcess.ExitStatus.NormalExit and code == 0:
                self.statusBar().showMessage(f"Saved {path}", 5000)
                self.last_message = f"Saved {path}"
            elif proc.property("cancelled"):
                self.statusBar().showMessage("Report cancelled; nothing was written", 5000)
                self.last_message = "Report cancelled"
            else:
                line = err[-1].removeprefix("error: ") if err else f"the report process stopped (code {code})"
                self.notify("Report not written", line, "warning")
            proc.deleteLater()

        proc.finished.connect(finished)
        proc.start()
        return proc

    def cancel_report(self) -> None:
        """Stop a report being written; its atomic write leaves no partial file."""
        proc = self._report_process
        if proc is not None:
            proc.setProperty("cancelled", True)
            proc.kill()

    # ---- theme, messages, close -----------------------------------------------------------
    def toggle_theme(self) -> None:
        """A fixed light or dark theme: the user's override of the OS scheme, kept across starts."""
        from ui import theme as themes

        name = "dark" if self.act_theme.isChecked() else "light"
        self.settings.theme = name
        self.act_theme_system.setChecked(False)
        self.apply_theme(themes.get(name))

    def follow_system_theme(self) -> None:
        """Follow the OS colour scheme again (ticked), or keep the current look fixed (unticked)."""
        from ui import theme as themes

        if self.act_theme_system.isChecked():
            self.settings.theme = "system"
            theme = themes.resolve("system", self.app)
            self.act_theme.setChecked(theme.dark)
            self.apply_theme(theme)
        else:
            self.settings.theme = self.theme.name

    def _on_system_scheme(self, *_):
        from ui import theme as themes

        if self.settings.theme == "system":
            theme = themes.resolve("system", self.app)
            self.act_theme.setChecked(theme.dark)
            if theme is not getattr(self, "theme", None):
                self.apply_theme(theme)

    def apply_theme(self, theme) -> None:
        from ui import theme as themes

        self.theme = theme
        themes.apply(self.app, theme)
        if self._built or self.state is not None:
            self.recommend.set_theme(theme)
            self.compare.set_theme(theme)
            if self.tradeoffs is not None:
                self.tradeoffs.set_theme(theme)

    def notify(self, title: str, text: str, level: str = "info", *, status: str | None = None) -> None:
        """Tell the user something without blocking (window-modal box, status bar). Plain text
        always: messages quote file names and values from files. `status`: a one-line form
        for the status bar (default: the text, its lines joined)."""
        self.last_message = text
        self.statusBar().showMessage(status if status is not None else " ".join(text.split("\n")), 8000)
        if QApplication.platformName() == "offscreen":
            log.warning("%s: %s", title, text)
            return
        icon = {"warning": QMessageBox.Warning, "error": QMessageBox.Critical}.get(level, QMessageBox.Information)
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setTextFormat(Qt.PlainText)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def shortcut_list(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action with a shortcut, in menu order."""
        return [(a.shortcut().toString(QKeySequence.NativeText), a.text().replace("&", "").rstrip("…"))
                for a in self.actions() if not a.shortcut().isEmpty()]

    def show_shortcuts(self) -> None:
        """F1: the shortcuts as plain text (one line each in the box; one line in the status bar)."""
        items = self.shortcut_list()
        self.notify("Keyboard shortcuts", "\n".join(f"{keys}\t{what}" for keys, what in items),
                    status=" · ".join(f"{keys} {what}" for keys, what in items))

    def show_about(self) -> None:
        from advisor import __version__

        self.notify("About", f"Hardware Advisor {__version__}: which hardware fits a training or inference "
                             "workload, what it costs, how much energy it uses and how fast it answers.")

    def closeEvent(self, event) -> None:
        from ui import workers

        # The window's close button (a spontaneous event) asks like Ctrl+Q; a close from code
        # (a session ending, tests) keeps the edits for the next start without asking.
        asked, self._asked_at_close = getattr(self, "_asked_at_close", False), False
        if event.spontaneous() and not asked and getattr(self, "_dirty", False):
            event.ignore()
            self.may_discard_edits("quit", self._close_now)
            return
        # Each step on its own: a config folder that cannot be written (XDG_CONFIG_HOME names a
        # file) must not stop the report child or the worker threads from being stopped.
        try:
            self.settings.compare = list(self.state.compare) if self.state is not None else []
            self.settings.geometry = self.saveGeometry()
            self.settings.sync()
        except Exception as e:
            log.warning("settings not saved: %s", e)
        try:
            self._keep_unsaved()
        finally:
            self.cancel_report()
            if self._report_process is not None:
                self._report_process.waitForFinished(2000)
            workers.shutdown()
            super().closeEvent(event)

    def geometry_bytes(self) -> QByteArray:
        return self.saveGeometry()
