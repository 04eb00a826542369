"""Start the desktop app: QApplication, theme, settings, crash dialog, main window.

The window is shown before anything heavy is imported (numpy, the catalog, pyqtgraph): the
views are built on the following turns of the event loop (`MainWindow.build`).
"""

from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_S = 60.0


def _needs_offscreen(screenshot: bool) -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if screenshot:
        return True
    return sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def install_excepthook(window_getter) -> None:
    """Uncaught exceptions (in slots, timers) show a dialog with the details instead of
    killing the app, and go to the log."""
    from advisor.paths import log_path

    def hook(exc_type, exc, tb):
        import traceback

        details = "".join(traceback.format_exception(exc_type, exc, tb))
        try:
            path = log_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                f.write(details + "\n")
        except OSError:
            path = None
        sys.stderr.write(details)
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None or QApplication.platformName() == "offscreen":
            return
        box = QMessageBox(QMessageBox.Critical, "Something went wrong",
                          f"{exc_type.__name__}: {exc}\n\nThe app keeps running; the details are below"
                          + (f" and in {path}." if path else "."), QMessageBox.Ok, window_getter())
        box.setTextFormat(Qt.TextFormat.PlainText)  # the error may quote a file's text
        box.setDetailedText(details)
        box.open()

    sys.excepthook = hook


def _process_age_s() -> float:
    """Seconds since this process was created (the OS's start time, not the interpreter's).

    Linux: /proc/uptime minus the process's start tick (both relative to boot, 10 ms
    resolution; psutil's create_time adds the boot time, which has whole-second resolution).
    """
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return time.time() - psutil.Process().create_time()
    except Exception:
        return time.perf_counter()  # interpreter start as a fallback


def run_app(screenshot: str | None = None, *, view: str | None = None, startup_probe: bool = False) -> int:
    """Open the main window (and run the event loop).

    screenshot: save a PNG of the main window (offscreen, default preset computed and detection
        done) and exit 0. `view` picks the tab to show: recommendations, tradeoffs[:chart],
        compare, machine.
    startup_probe: print the seconds from process creation to the window shown, then exit.
    """
    if not screenshot and not startup_probe and _needs_offscreen(False):
        # An offscreen window nobody can see would look like a hang: say what to do instead.
        from advisor.errors import BadInput

        raise BadInput("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): "
                       "run the headless commands (see --help) or --screenshot FILE.png")
    if _needs_offscreen(bool(screenshot) or startup_probe and not os.environ.get("DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Hardware Advisor")
    app.setOrganizationName("hwadvisor")
    app.setApplicationDisplayName("Hardware Advisor")

    from ui import theme as themes
    from ui.main_window import MainWindow
    from ui.settings import Settings

    settings = Settings()
    themes.apply(app, themes.get(settings.theme))
    window = MainWindow(settings, app)
    install_excepthook(lambda: window)
    window.show()
    if screenshot:
        window.resize(1280, 800)  # the README/docs size, whatever the offscreen screen says
    if startup_probe:
        app.processEvents()
        print(f"{_process_age_s():.3f}", flush=True)
        window.close()
        return 0
    QTimer.singleShot(0, window.build)
    if screenshot:
        return _screenshot(app, window, screenshot, view)
    rc = app.exec()
    from ui import workers

    workers.shutdown()
    return rc


def _screenshot(app, window, path: str, view: str | None) -> int:
    """Wait for the views, the first results and complete detection; save; exit."""
    from PySide6.QtCore import QTimer

    deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
    ready = {"charts": False}
    window.ready.connect(lambda: ready.__setitem__("charts", True))

    def done() -> bool:
        return ready["charts"] and window._detected and window.state is not None and window.state.results is not None \
            and not window.tasks

    result = {"rc": 1}

    def poll():
        if done() or time.monotonic() > deadline:
            if not done():
                log.warning("screenshot taken before everything was ready")
            show_view(window, view)
            QTimer.singleShot(150, shoot)
        else:
            QTimer.singleShot(50, poll)

    def shoot():
        app.processEvents()
        from advisor.atomic import atomic_path
        from advisor.errors import BadInput

        # Atomic, like every write: a symlink at `path` is replaced, never written through.
        try:
            with atomic_path(path) as tmp:
                staged = tmp.with_name(tmp.name + ".png")  # Qt picks the format from the suffix
                try:
                    if not window.grab().save(str(staged)):
                        raise OSError(5, "the window could not be rendered as PNG")
                    os.replace(staged, tmp)
                finally:
                    staged.unlink(missing_ok=True)
            result["rc"] = 0
        except BadInput as e:
            result["rc"] = 2
            print(f"error: {e}", file=sys.stderr)
        window.close()
        app.quit()

    QTimer.singleShot(0, poll)
    app.exec()
    from ui import workers

    workers.shutdown()
    return result["rc"]


def show_view(window, view: str | None) -> None:
    """Bring a view to the front: recommendations | tradeoffs[:<chart key>] | compare | machine."""
    from ui.main_window import TAB_COMPARE, TAB_MACHINE, TAB_RECOMMEND, TAB_TRADEOFFS

    if not view:
        return
    name, _, sub = view.partition(":")
    tabs = {"recommendations": TAB_RECOMMEND, "tradeoffs": TAB_TRADEOFFS, "compare": TAB_COMPARE,
            "machine": TAB_MACHINE}
    if name in tabs:
        window.tabs.setCurrentIndex(tabs[name])
    if name == "tradeoffs" and sub and window.tradeoffs is not None:
        keys = list(window.tradeoffs.tab)
        if sub in keys:
            window.tradeoffs.tabs.setCurrentIndex(keys.index(sub))
    if name == "compare" and window.state is not None and not window.state.compare and window.state.results:
        order = [str(window.state.results.estimates.table.ids[i]) for i in window.state.results.ranking.order[:3]]
        local = [str(window.state.results.estimates.table.ids[i]) for i in window.state.results.local]
        window.state.set_compare(order + local[:1])
