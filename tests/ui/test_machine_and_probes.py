"""This machine: detection shown, probes with progress and cancel while the GUI keeps
turning, history; plus the worker, settings and start-up plumbing."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from advisor.probes import Probe


def _slow_probe(seconds: float):
    def func(ctx):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            ctx.check()
            ctx.progress(1 - (end - time.perf_counter()) / seconds, "sleeping")
            time.sleep(0.02)
        return {"matmul_fp32_gflops": 100.0, "memory_bandwidth_gbps": 20.0}
    return [Probe("test.slow", func, seconds)]


def test_detection_is_shown(window):
    m = window.state.machine
    assert m is not None and m.complete
    assert "Test CPU 2-core" in window.machine.cpu.text()
    assert window.machine.status.text().startswith("Detected in")


def test_probe_cancel_keeps_the_event_loop_turning(window, qtbot):
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    window.start_probe(True, probes=_slow_probe(20.0))
    task = window.probe_task
    assert window.machine.cancel_btn.isEnabled()
    qtbot.waitUntil(lambda: window.machine.progress.value() > 0, timeout=10000)
    # the event loop keeps turning while the 20 s probe runs (a blocked GUI thread runs no timer)
    qtbot.waitUntil(lambda: len(ticks) > 10, timeout=10000)
    timer.stop()
    assert window.probe_task is task
    with qtbot.waitSignal(task.done, timeout=15000):  # ends cancelled, not after the probe's 20 s
        window.cancel_probe()
    assert window.probe_task is None
    assert window.machine.progress.format() == "cancelled"
    assert window.machine.quick_btn.isEnabled()


def test_probe_result_calibrates_and_is_stored(window, qtbot):
    with qtbot.waitSignal(window.state.probe_changed, timeout=15000):
        window.start_probe(True, probes=_slow_probe(0.3))
    qtbot.waitUntil(lambda: window.probe_task is None, timeout=5000)
    assert window.state.probe_report["cpu"]["memory_bandwidth_gbps"] == 20.0
    assert window.machine.runs.rowCount() >= 1
    assert "20.0 GB/s" in window.machine.runs.item(0, 5).text()
    r = window.state.results
    local = next(iter(r.local))
    if r.estimates.table.ids[local] == "this-machine-cpu":
        assert r.estimates.table.bandwidth_gbps[local] == 20.0
        assert r.estimates.calibrated[local]
    assert window.state.results.charts["roofline"]["measured"]["bandwidth_gbps"] == 20.0


def test_a_gui_probe_states_and_stores_its_range(window, qtbot):
    """The GUI's probe job annotates the run as the CLI does (in its worker), then stores it."""
    from advisor.history import History
    from advisor.probes.repeatability import RUN_TO_RUN_PRIOR

    def func(ctx):
        return {"memory_bandwidth_gbps": 21.0,
                "measurements": {"memory_bandwidth_gbps": {"median": 21.0, "spread": 0.02, "reps": 6}}}

    window.start_probe(True, probes=[Probe("test.bw", func, 0.2)])
    qtbot.waitUntil(lambda: window.probe_task is None, timeout=10000)
    with History() as h:
        m = h.runs()[0].report["cpu"]["measurements"]["memory_bandwidth_gbps"]
    assert m["stated_spread"] == RUN_TO_RUN_PRIOR["bandwidth"]
    assert m["run_to_run_basis"] == "prior for bandwidth figures (0 earlier runs here)"


def test_import_bad_probe_file_shows_message(window, qtbot, tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text("{not json")
    task = window.import_probe(str(bad))
    with qtbot.waitSignal(task.done, timeout=5000):
        pass
    assert "p.json" in window.last_message


def test_worker_reports_failure_and_leak_check(qtbot):
    from ui import workers

    def boom(progress, cancel):
        raise ValueError("nope")

    task = workers.run_task(boom, name="boom")
    with qtbot.waitSignal(task.failed, timeout=3000) as sig:
        pass
    assert sig.args[0] == "ValueError: nope"
    with qtbot.waitSignal(task.done, timeout=3000):
        pass
    assert not workers.running_tasks()


def test_corrupt_settings_reset_with_notice(tmp_path, monkeypatch, qapp):
    from ui.settings import Settings, settings_path

    monkeypatch.setenv("HWADVISOR_CONFIG_DIR", str(tmp_path))
    path = settings_path()
    path.write_bytes(b"\x00\xff\xfe[[[garbage\n=\n[General\n")
    s = Settings()
    assert "reset to defaults" in s.notice
    assert s.theme == "system" and s.electricity_usd_per_kwh == 0.12  # system: follow the OS
    s.theme = "dark"
    s.sync()
    assert Settings().theme == "dark" and not Settings().notice
    assert list(tmp_path.glob("gui.ini.corrupt-*"))


def test_settings_persist_geometry_and_theme(window, qtbot):
    window.act_theme.trigger()
    assert window.settings.theme == "dark"
    window.close()
    from ui.settings import Settings

    s = Settings()
    assert s.theme == "dark" and s.geometry is not None


def test_screenshot_and_startup_probe_cli(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    png = tmp_path / "s.png"
    r = subprocess.run([sys.executable, str(root / "main.py"), "--screenshot", str(png)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    assert png.stat().st_size > 20000
    from ui.startup import startup_to_window_s

    assert 0 < startup_to_window_s(runs=1) < 5
