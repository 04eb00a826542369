"""Windows file behaviour on any OS (faked platform and injected errors): an output file held
open by another program is retried, then reported in one line; the probe history turns OS
errors into its own error and a run it cannot store is kept as a file, not lost."""

from __future__ import annotations

import errno
import json
import sys

import pytest

from advisor import atomic
from advisor.errors import BadInput
from advisor.history import History, HistoryError, keep_unsaved_run
from tests.advisor.test_history import _report


def _in_use_error():
    return PermissionError(errno.EACCES, "The process cannot access the file because it is being used by another process")


@pytest.fixture
def flaky_replace(monkeypatch):
    """os.replace that fails `fails` times with Windows' 'in use' error, then works."""
    real = atomic.os.replace
    state = {"fails": 0, "calls": 0}

    def replace(src, dst):
        state["calls"] += 1
        if state["calls"] <= state["fails"]:
            raise _in_use_error()
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    return state


def test_a_target_open_in_another_program_is_retried_until_it_is_free(monkeypatch, tmp_path, flaky_replace):
    monkeypatch.setattr(sys, "platform", "win32")
    waits = []
    monkeypatch.setattr(atomic.time, "sleep", waits.append)
    flaky_replace["fails"] = 2
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    atomic.write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new" and waits == list(atomic.REPLACE_RETRY_DELAYS_S[:2])
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]  # no temporary file left


def test_a_target_that_stays_open_is_one_clear_line_and_the_old_file_is_untouched(monkeypatch, tmp_path, flaky_replace):
    monkeypatch.setattr(sys, "platform", "win32")
    waits = []
    monkeypatch.setattr(atomic.time, "sleep", waits.append)
    flaky_replace["fails"] = 99
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(BadInput, match=r"table.csv: cannot write: .*is it open in another program\? close it"):
        atomic.write_text_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["table.csv"]
    assert waits == list(atomic.REPLACE_RETRY_DELAYS_S)  # tried for ~2 s, then gave up
    assert flaky_replace["calls"] == len(atomic.REPLACE_RETRY_DELAYS_S) + 1


def test_off_windows_a_permission_error_is_not_retried(monkeypatch, tmp_path, flaky_replace):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(atomic.time, "sleep", lambda s: pytest.fail("slept on a real permission error"))
    flaky_replace["fails"] = 1
    with pytest.raises(BadInput, match="cannot write") as e:
        atomic.write_text_atomic(tmp_path / "x.txt", "new")
    assert "open in another program" not in str(e.value)


# ---- the probe history ------------------------------------------------------------------------

def test_a_damaged_history_that_cannot_be_moved_aside_is_a_history_error(monkeypatch, tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not a database at all" * 100)

    def locked(self):
        raise _in_use_error()

    monkeypatch.setattr(History, "_set_aside", locked)
    with pytest.raises(HistoryError, match="cannot be moved aside .*close other programs"):
        History(path)
    assert path.read_bytes().startswith(b"not a database")


def test_an_os_error_while_opening_is_a_history_error(monkeypatch, tmp_path):
    def fail(self):
        raise _in_use_error()

    monkeypatch.setattr(History, "_connect", fail)
    with pytest.raises(HistoryError, match="cannot open the probe history"):
        History(tmp_path / "h.sqlite3")


def test_a_run_the_history_cannot_store_is_kept_and_imports_later(tmp_path):
    report = _report(fp32=float("nan"))
    kept = keep_unsaved_run(report, tmp_path / "unsaved")
    assert kept.parent == tmp_path / "unsaved" and kept.name.startswith("probe-")
    data = json.loads(kept.read_text())
    assert data["cpu"]["matmul_fp32_gflops"] is None  # NaN written as null, as probe --json does
    second = keep_unsaved_run(report, tmp_path / "unsaved")
    assert second != kept  # two runs in the same second: two files
    with History(tmp_path / "h.sqlite3") as h:
        run_id = h.import_file(kept)
        assert [r.id for r in h.runs()] == [run_id]


def test_keeping_a_run_where_nothing_can_be_written_returns_none(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert keep_unsaved_run(_report(), blocker / "sub") is None
