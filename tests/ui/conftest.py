"""GUI test fixtures: offscreen Qt, a built main window with canned detection, and a check
that no worker thread outlives its test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def no_thread_leak(request):
    """Fail a test that leaves a worker QThread running."""
    yield
    import time

    from PySide6.QtWidgets import QApplication

    from ui import workers

    deadline = time.monotonic() + 5
    while workers.running_tasks() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    names = [t.name for t in workers.running_tasks()]
    if names:
        workers.shutdown()
        pytest.fail(f"worker threads left running: {names}")


CPU_INFO = {"brand_raw": "Test CPU 2-core", "vendor_id_raw": "AuthenticAMD", "flags": ["avx2", "fma"]}


@pytest.fixture
def fast_detect(monkeypatch):
    """Detection without the ~1 s py-cpuinfo call: a canned brand string."""
    from advisor.detect import complete_cpu, detect_machine
    from ui import jobs

    def detect_job(progress, cancel, catalog, complete):
        m = detect_machine(catalog, fast=True)
        return complete_cpu(m, catalog, cpu_info=CPU_INFO) if complete else m

    monkeypatch.setattr(jobs, "detect_job", detect_job)
    # An earlier test in the same process may have run the real py-cpuinfo, whose cached
    # answer the fast pass would use: make the fast pass see no cache, as at a fresh start.
    import advisor.detect

    monkeypatch.setattr(advisor.detect, "cpuinfo_is_cached", lambda: False)


def built_window(qtbot):
    """A shown main window, built, with detection and the probe history loaded (start-up as a
    user sees it); tests that prepare files first call this themselves."""
    from ui.main_window import MainWindow
    from ui.settings import Settings

    w = MainWindow(Settings())
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.ready, timeout=20000):
        w.build()
    qtbot.waitUntil(lambda: w._detected and not w.tasks, timeout=20000)
    return w


@pytest.fixture
def window(qtbot, fast_detect):
    """The main window, built, with detection and the probe history loaded and results drawn."""
    w = built_window(qtbot)
    w.state.flush()
    yield w
    from ui import workers

    workers.shutdown()
