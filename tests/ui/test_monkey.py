"""Monkey test: a few thousand random actions through the real widgets of the main window,
from a fixed seed, as a long session would do them: preset switches, field edits with random
(often absurd) values, sections toggled, sorting, filtering, selecting rows, chart tabs and
chart clicks, comparisons, probes started and cancelled, exports, saves and opens in temp
folders, bad files opened and imported, theme switches.

It asserts no unhandled exception (sys.excepthook and pytest-qt's capture of exceptions in
slots), no Qt warning (qt_log_level_fail), no worker thread or probe thread left, memory that
stops growing, and the window still computing correct results at the end. The seed and the
action count can be changed with HWADVISOR_MONKEY_SEED / HWADVISOR_MONKEY_ACTIONS.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit

from advisor.probes.runner import Probe
from tests.robustness.corpus import CORPUS

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("HWADVISOR_MONKEY_SEED", "20240601"))
ACTIONS = int(os.environ.get("HWADVISOR_MONKEY_ACTIONS", "2000"))
MAX_RSS_GROWTH_MB = 120  # from the end of the warm-up to the end of the run

VALUES = ["1", "7", "0", "-1", "0.5", "1e308", "1e-300", "nan", "inf", "-inf", "", " ", "abc", "७", "１２",
          "9" * 400, "1_000", "1e6", "2.5e12", "3", "64", "100000", "1.0000001", "0x10", "∞", "😀", "\x00", "12 ",
          "4096", "32", "8", "0.12", "1.2", "99999999999999999999999"]


def _quick_probe(seconds: float):
    def func(ctx):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            ctx.check()
            ctx.progress(1 - (end - time.perf_counter()) / seconds, "monkey")
            time.sleep(0.01)
        return {"matmul_fp32_gflops": 100.0, "memory_bandwidth_gbps": 20.0}

    return [Probe("monkey.probe", func, seconds)]


def _raising_probe():
    def func(ctx):
        raise RuntimeError("monkey wrench")

    return [Probe("monkey.raise", func, 0.1)]


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class Monkey:
    def __init__(self, window, qtbot, rng: random.Random, tmp: Path):
        self.w, self.qtbot, self.rng, self.tmp = window, qtbot, rng, tmp
        self.done = Counter()
        self.seconds = Counter()
        self.line_edits = [r for r in window.form.rows.values() if isinstance(r.editor, QLineEdit)]
        self.combos = [r for r in window.form.rows.values() if isinstance(r.editor, QComboBox)]
        self.checks = [r for r in window.form.rows.values() if isinstance(r.editor, QCheckBox)]
        self.good_import = tmp / "good_probe.json"
        self.good_import.write_text('{"cpu": {"matmul_fp32_gflops": 99.0}, "machine": {"hostname": "other"}, '
                                    '"timestamp": "2024-01-01T00:00:00+00:00"}')
        self.bad_files = [p for p in sorted((CORPUS / "workloads").iterdir()) if p.name != "EXPECTED.toml"]
        self.bad_imports = sorted((CORPUS / "imports").glob("*.json"))
        self.actions = [
            (12, self.preset), (30, self.edit_field), (6, self.edit_choice), (3, self.toggle_check),
            (3, self.toggle_section), (8, self.sort), (8, self.filter), (8, self.select_row), (6, self.chart_tab),
            (8, self.chart_click), (3, self.compare), (4, self.main_tab), (2, self.start_probe), (3, self.cancel_probe),
            (1, self.export_csv), (1, self.export_chart), (2, self.save), (2, self.open_good), (3, self.open_bad),
            (1, self.import_probe), (0.25, self.theme), (6, self.wait),
        ]
        self.weights = [w for w, _ in self.actions]

    def step(self) -> None:
        (_, action), = self.rng.choices(self.actions, weights=self.weights)
        t0 = time.perf_counter()
        action()
        QApplication.processEvents()
        self.done[action.__name__] += 1
        self.seconds[action.__name__] += time.perf_counter() - t0

    # ---- the actions ----------------------------------------------------------------------
    def preset(self):
        k = self.rng.randrange(self.w.form.presets.count())
        self.w.form.presets.setCurrentIndex(k)
        self.w.form.presets.activated.emit(k)
        box = self.w.unsaved_box  # unsaved edits: the window asks first; answer as a user would
        if box is not None:
            from PySide6.QtWidgets import QMessageBox

            box.button(self.rng.choice([QMessageBox.Discard, QMessageBox.Discard, QMessageBox.Cancel])).click()

    def edit_field(self):
        row = self.rng.choice(self.line_edits)
        text = self.rng.choice(VALUES)
        if self.rng.random() < 0.3:
            text = f"{self.rng.uniform(-10, 1e6):.{self.rng.randrange(0, 6)}f}"
        row.editor.setText(text)
        row.editor.textEdited.emit(text)

    def edit_choice(self):
        row = self.rng.choice(self.combos)
        row.editor.setCurrentIndex(self.rng.randrange(row.editor.count()))

    def toggle_check(self):
        self.rng.choice(self.checks).editor.click()

    def toggle_section(self):
        box = self.w.form.groups[self.rng.choice(["inference", "training"])]
        box.setChecked(not box.isChecked())

    def sort(self):
        t = self.w.recommend.table
        t.sortByColumn(self.rng.randrange(t.model().columnCount()), self.rng.choice([Qt.AscendingOrder, Qt.DescendingOrder]))

    def filter(self):
        r = self.w.recommend
        choice = self.rng.randrange(6)
        if choice == 0:
            r.search.setText(self.rng.choice(["", "h100", "rtx", "a", "zzz", "ä", "4090 ti", "(", "*", "\\"]))
        elif choice == 1:
            combo = self.rng.choice([r.kind, r.vendor, r.segment, r.price])
            combo.setCurrentIndex(self.rng.randrange(combo.count()))
        elif choice == 2:
            r.fits_only.click()
        elif choice == 3:
            r.pareto_only.click()
        else:  # reset, so the table is not empty for long
            r.search.setText("")
            for combo in (r.kind, r.vendor, r.segment, r.price):
                combo.setCurrentIndex(0)
            r.fits_only.setChecked(False)
            r.pareto_only.setChecked(False)

    def select_row(self):
        t = self.w.recommend.table
        n = t.model().rowCount()
        if n:
            t.selectRow(self.rng.randrange(n))

    def chart_tab(self):
        tabs = self.w.tradeoffs.tabs
        self.w.tabs.setCurrentIndex(1)
        tabs.setCurrentIndex(self.rng.randrange(tabs.count()))

    def chart_click(self):
        import pyqtgraph as pg

        canvas = self.w.tradeoffs.current_canvas()
        items = [i for i in canvas.ci.items if isinstance(i, pg.ScatterPlotItem)]
        items += [i for p in self._plots(canvas) for i in p.items if isinstance(i, pg.ScatterPlotItem)]
        items = [i for i in items if len(i.points())]
        if items:
            item = self.rng.choice(items)
            pts = item.points()
            item.sigClicked.emit(item, [pts[self.rng.randrange(len(pts))]], None)

    @staticmethod
    def _plots(canvas):
        import pyqtgraph as pg

        return [i for i in canvas.ci.items if isinstance(i, pg.PlotItem)]

    def compare(self):
        ids = list(self.w.state.results.estimates.table.ids)
        self.w._toggle_compare(self.rng.choice(ids))

    def main_tab(self):
        self.w.tabs.setCurrentIndex(self.rng.randrange(self.w.tabs.count()))

    def start_probe(self):
        probes = _raising_probe() if self.rng.random() < 0.2 else _quick_probe(self.rng.uniform(0.05, 0.4))
        self.w.start_probe(True, probes=probes)

    def cancel_probe(self):
        if self.rng.random() < 0.5:
            self.w.act_cancel.trigger()
        else:
            self.w.machine.cancel_btn.click()

    def export_csv(self):
        self.w.export_csv(str(self.tmp / f"table{self.rng.randrange(3)}.csv"))

    def export_chart(self):
        self.w.tabs.setCurrentIndex(1)
        self.w.export_chart(str(self.tmp / f"chart{self.rng.randrange(2)}.{self.rng.choice(['png', 'svg'])}"))

    def save(self):
        self.w.save_to(str(self.tmp / f"saved{self.rng.randrange(3)}.{self.rng.choice(['toml', 'json'])}"))

    def open_good(self):
        saved = sorted(self.tmp.glob("saved*"))
        if saved:
            assert self.w.open_path(str(self.rng.choice(saved)))

    def open_bad(self):
        assert not self.w.open_path(str(self.rng.choice(self.bad_files)))

    def import_probe(self):
        self.w.import_probe(str(self.rng.choice([self.good_import, *self.bad_imports[:5]])))

    def theme(self):
        self.w.act_theme.trigger()

    def wait(self):
        self.qtbot.wait(self.rng.choice([0, 5, 35]))  # lets the debounced recompute run


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # the offscreen platform's limits
def test_monkey(window, qtbot, tmp_path, monkeypatch):
    unhandled = []
    def hook(*exc):
        import traceback

        sys.__stderr__.write("".join(traceback.format_exception(*exc)))
        unhandled.append(exc)

    monkeypatch.setattr(sys, "excepthook", hook)
    monkeypatch.setattr(threading, "excepthook", lambda args: unhandled.append(args))
    rng = random.Random(SEED)
    # "Save your edits?" is a modal question that nobody answers offscreen (the run would wait
    # forever): the monkey answers it, keeping or dropping the edits at random. ("save" would
    # open a modal file dialog in turn.)
    monkeypatch.setattr(window, "ask_unsaved", lambda doing: rng.choice(("discard", "cancel")))
    monkey = Monkey(window, qtbot, rng, tmp_path)
    threads_before = {t.ident for t in threading.enumerate()}
    t0 = time.perf_counter()
    rss_after_warmup = None
    warmup = ACTIONS // 4
    for k in range(ACTIONS):
        monkey.step()
        assert not unhandled, f"action {k}: {unhandled[0]}"
        if k == warmup:
            gc.collect()
            rss_after_warmup = _rss_mb()
    # Drain: no probe left, no worker left, every pending recompute done.
    window.cancel_probe()
    qtbot.waitUntil(lambda: not window.tasks and window.probe_task is None, timeout=15000)
    window.state.flush()
    QApplication.processEvents()
    gc.collect()
    rss_end = _rss_mb()
    elapsed = time.perf_counter() - t0
    sys.__stderr__.write(f"\nmonkey: {ACTIONS} actions in {elapsed:.1f} s, seed {SEED}, "
                         f"RSS {rss_after_warmup:.0f} -> {rss_end:.0f} MB\n"
                         + "".join(f"  {n:<15} {c:>5} x {monkey.seconds[n] / c * 1000:6.1f} ms\n"
                                   for n, c in sorted(monkey.done.items())))

    assert not unhandled
    assert sum(monkey.done.values()) == ACTIONS
    if ACTIONS >= 1000:
        assert len(monkey.done) == len(monkey.actions)  # every kind of action was exercised
    assert rss_end - rss_after_warmup < MAX_RSS_GROWTH_MB, (rss_after_warmup, rss_end)
    from ui import workers

    assert workers.running_tasks() == []
    deadline = time.monotonic() + 5  # probe threads end at their next check after a cancel
    while time.monotonic() < deadline and [t for t in threading.enumerate() if t.name.startswith("probe-")]:
        time.sleep(0.05)
    # Python threads only: a QThread that ran Python code leaves a _DummyThread entry for ever;
    # the QThreads themselves are checked through workers.running_tasks() above.
    leaked = [t.name for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()
              and not isinstance(t, threading._DummyThread)]
    assert leaked == []
    # Nothing was lost: the window still computes, and a valid preset gives the model's answer.
    from advisor.model.estimate import estimate_table

    window.state.last_error = ""
    window._on_preset(0)
    r = window.state.results
    expected = estimate_table(r.workload, r.estimates.table, calibrations=window.state.calibrations())
    best = r.ranking.best()
    assert r.estimates.record(best) == expected.record(best)
    # The files it wrote are whole: every saved workload loads.
    from advisor.workload import load_workload

    for saved in tmp_path.glob("saved*"):
        load_workload(saved)
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file of an atomic write left behind
