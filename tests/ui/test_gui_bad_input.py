"""The bad-input corpus and injected faults through the GUI: every bad file gives its one
message (the same line the CLI prints), the window keeps its last valid workload and keeps
working, and no user file is damaged."""

from __future__ import annotations

import errno
import os
import shutil

import pytest
from PySide6.QtCore import QTimer

from tests.robustness.corpus import CORPUS, cases, matches, render
from tests.ui.conftest import built_window


def _still_works(window, qtbot) -> None:
    """The window still computes: a valid preset gives results."""
    window.presets  # noqa: B018 - built
    before = window.state.results
    window._on_preset(1)
    assert window.state.results is not before and len(window.state.results.estimates) > 0
    window._on_preset(0)


def test_every_bad_workload_file_is_one_message_and_the_workload_stays(window, qtbot):
    wrong = []
    workload = window.state.workload
    for name, template in cases("workloads"):
        path = CORPUS / "workloads" / name
        window.last_message = ""
        assert window.open_path(str(path)) is False
        if window.last_message != render(template, path):
            wrong.append((name, window.last_message))
        assert window.state.workload is workload
    assert wrong == []
    assert window.settings.recent_files == []  # nothing bad was remembered
    _still_works(window, qtbot)


def test_every_bad_probe_import_is_one_message_and_nothing_is_stored(window, qtbot):
    wrong = []
    for name, template in cases("imports"):
        path = CORPUS / "imports" / name
        window.last_message = ""
        task = window.import_probe(str(path))
        with qtbot.waitSignal(task.done, timeout=10000):
            pass
        if window.last_message != render(template, path):
            wrong.append((name, window.last_message))
    assert wrong == []
    from advisor.history import History

    with History() as h:
        assert [r.source for r in h.runs() if r.source.startswith("import:")] == []
    _still_works(window, qtbot)


@pytest.mark.parametrize(("name", "template"), cases("settings"))
def test_every_bad_settings_file_starts_the_window_with_defaults(qtbot, name, template):
    """The same Settings object the app starts with; the window's shell takes its values."""
    from ui.main_window import MainWindow
    from ui.settings import Settings, settings_path

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "settings" / name, path)
    s = Settings()
    assert matches(template, s.notice, path)
    assert s.theme in ("system", "light", "dark") and 0 <= s.electricity_usd_per_kwh <= 10
    w = MainWindow(s)
    qtbot.addWidget(w)
    w.show()
    if template:  # the damaged original is kept beside the fresh file
        [aside] = path.parent.glob("gui.ini.corrupt-*")
        assert aside.read_bytes() == (CORPUS / "settings" / name).read_bytes()


@pytest.mark.parametrize("name", ["truncated.ini", "binary_garbage.ini"])
def test_bad_settings_notice_is_shown_by_the_built_window(qtbot, fast_detect, name):
    from ui.settings import settings_path

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "settings" / name, path)
    w = built_window(qtbot)
    template = dict(cases("settings"))[name]
    if template:
        assert matches(template, w.last_message, path)
    assert w.state.results is not None
    w.close()


@pytest.mark.parametrize(("name", "template"), cases("overlays"))
def test_every_bad_user_overlay_is_skipped_with_its_message(name, template):
    """A broken `catalog_overlay.csv` in the config folder (what the window loads) never stops
    the app: the built-in catalog is used and the problem is one warning."""
    from advisor.paths import config_dir
    from hardware_db import load_catalog

    user = config_dir() / "catalog_overlay.csv"
    user.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "overlays" / name, user)
    cat = load_catalog()
    assert cat.warnings == ["catalog overlay skipped: " + render(template, user)]
    assert len(cat) == len(load_catalog(user_overlay=False))


def test_the_window_shows_a_broken_user_overlay(qtbot, fast_detect):
    from advisor.paths import config_dir

    user = config_dir() / "catalog_overlay.csv"
    user.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "overlays" / "number_as_text.csv", user)
    w = built_window(qtbot)
    assert w.last_message == f"catalog overlay skipped: {user}:2: memory_gb: not a number: 'eighty'"
    assert len(w.state.results.estimates) > 100


# ---------------------------------------------------------------- faults in the GUI

def _fail(monkeypatch, target, attr, code):
    def boom(*a, **k):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(target, attr, boom)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_save_fails_with_a_message_and_the_old_file_stays(window, qtbot, tmp_path, monkeypatch, code):
    path = tmp_path / "mine.toml"
    old = b"# my carefully written workload\n" * 10
    path.write_bytes(old)
    _fail(monkeypatch, os, "replace", code)
    assert window.save_to(str(path)) is False
    monkeypatch.undo()
    assert window.last_message == f"{path}: cannot write: {os.strerror(code)}"
    assert path.read_bytes() == old and sorted(tmp_path.iterdir()) == [path]
    assert window.current_path is None  # still the preset: nothing claims it was saved
    assert window.save_to(str(path)) is True  # and once there is room again, it saves
    _still_works(window, qtbot)


def test_csv_export_fails_with_a_message_and_the_old_file_stays(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "table.csv"
    path.write_bytes(b"old,table\n")
    _fail(monkeypatch, os, "fsync", errno.ENOSPC)
    task = window.export_csv(str(path))
    with qtbot.waitSignal(task.done, timeout=10000):
        pass
    monkeypatch.undo()
    assert window.last_message == f"{path}: cannot write: {os.strerror(errno.ENOSPC)}"
    assert path.read_bytes() == b"old,table\n" and sorted(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_chart_export_fails_with_a_message_and_the_old_file_stays(window, qtbot, tmp_path, monkeypatch, suffix):
    path = tmp_path / f"chart{suffix}"
    path.write_bytes(b"my old chart")
    _fail(monkeypatch, os, "replace", errno.ENOSPC)
    assert window.export_chart(str(path)) is False
    monkeypatch.undo()
    assert window.last_message == f"{path}: cannot write: {os.strerror(errno.ENOSPC)}"
    assert path.read_bytes() == b"my old chart" and sorted(tmp_path.iterdir()) == [path]
    assert window.export_chart(str(path)) is True
    assert path.read_bytes() != b"my old chart" and sorted(tmp_path.iterdir()) == [path]


def test_pdf_export_fails_with_a_message_and_the_old_file_stays(window, qtbot, tmp_path):
    """The report is written by a `main.py report` child process: an unwritable target (here a
    folder where the file should go) comes back as its one-line message; disk-full during the
    atomic write is covered in test_report.py, where write_report runs in process."""
    assert window.report_available, "ui.report is part of every build"
    target = tmp_path / "report.pdf"
    target.mkdir()
    proc = window.export_pdf(str(target))
    with qtbot.waitSignal(proc.finished, timeout=60000):
        pass
    assert window.last_message == f"{target}: cannot write the report: it is a folder"
    assert sorted(tmp_path.iterdir()) == [target] and not list(target.iterdir())


def test_pdf_export_runs_without_blocking_and_can_be_cancelled(window, qtbot, tmp_path):
    assert window.report_available, "ui.report is part of every build"
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 my old report")
    proc = window.export_pdf(str(path))
    assert window.act_cancel.isEnabled()
    window.cancel_running()
    with qtbot.waitSignal(proc.finished, timeout=30000):
        pass
    assert window.last_message == "Report cancelled"
    assert path.read_bytes() == b"%PDF-1.4 my old report"
    proc = window.export_pdf(str(path))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    with qtbot.waitSignal(proc.finished, timeout=60000):
        pass
    timer.stop()
    assert window.last_message == f"Saved {path}"
    assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size > 10000
    assert len(ticks) > 10  # the event loop kept turning while the report was written


def test_history_locked_or_corrupt_at_start_is_a_message_not_a_crash(qtbot, fast_detect, monkeypatch):
    import sqlite3

    import advisor.history as history_mod
    from advisor.paths import data_dir
    monkeypatch.setattr(history_mod, "BUSY_TIMEOUT_MS", 100)
    path = data_dir() / history_mod.FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    history_mod.History(path).close()
    before = path.read_bytes()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        w = built_window(qtbot)
        assert "locked" in w.statusBar().currentMessage()
        assert w.state.results is not None
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert path.read_bytes() == before
    w.close()


def test_gpu_lost_between_detections_keeps_the_window_working(window, qtbot, monkeypatch):
    from advisor.detect import nvml
    from tests.conftest import FIXTURES

    monkeypatch.setenv("HWADVISOR_NVML_REPLAY", str(FIXTURES / "nvml" / "h100_sxm.json"))
    nvml.shutdown()
    nvml.init()
    monkeypatch.setattr(nvml._backend, "call", lambda *a: (_ for _ in ()).throw(nvml._make_error("NVMLError_GpuIsLost", "x")))
    window._start_detection()
    qtbot.waitUntil(lambda: not window.tasks, timeout=20000)
    nvml.shutdown()
    _still_works(window, qtbot)
