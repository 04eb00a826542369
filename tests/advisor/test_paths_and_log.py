"""Platform folders (platformdirs, per OS, with the overrides) and the rotating log file."""

from __future__ import annotations

import logging
import sys
import types
from pathlib import Path

import pytest

from advisor import logfile, paths


def _fake_platformdirs(cls):
    """A platformdirs module that answers as `cls` (MacOS, Windows, Unix) does on its OS."""
    return types.SimpleNamespace(
        user_config_path=lambda app, appauthor=None, roaming=False: cls(app, appauthor, roaming=roaming).user_config_path,
        user_data_path=lambda app, appauthor=None, roaming=False: cls(app, appauthor, roaming=roaming).user_data_path,
        user_log_path=lambda app, appauthor=None: cls(app, appauthor).user_log_path)


@pytest.fixture
def no_overrides(monkeypatch):
    for var in ("HWADVISOR_CONFIG_DIR", "HWADVISOR_DATA_DIR", "HWADVISOR_LOG_DIR"):
        monkeypatch.delenv(var, raising=False)


def test_linux_folders_follow_xdg(no_overrides, monkeypatch, tmp_path):
    from platformdirs.unix import Unix

    monkeypatch.setattr(paths, "_platformdirs", lambda: _fake_platformdirs(Unix))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    assert paths.config_dir() == tmp_path / "c" / "hwadvisor"
    assert paths.data_dir() == tmp_path / "d" / "hwadvisor"
    assert paths.log_path() == tmp_path / "s" / "hwadvisor" / "log" / "hwadvisor.log"


def test_macos_folders_are_the_library_ones(no_overrides, monkeypatch, tmp_path):
    from platformdirs.macos import MacOS

    monkeypatch.setattr(paths, "_platformdirs", lambda: _fake_platformdirs(MacOS))
    monkeypatch.setenv("HOME", str(tmp_path))
    support = tmp_path / "Library" / "Application Support" / "hwadvisor"
    assert paths.config_dir() == support  # where earlier versions kept it: nothing is lost on upgrade
    assert paths.data_dir() == support
    assert paths.log_dir() == tmp_path / "Library" / "Logs" / "hwadvisor"


def test_windows_folders_roam_the_config_and_keep_data_local(no_overrides, monkeypatch, tmp_path):
    import platformdirs.windows as win

    # Off Windows, platformdirs reads the known folders from these variables.
    monkeypatch.setattr(win, "get_win_folder", lambda csidl: {
        "CSIDL_APPDATA": str(tmp_path / "Roaming"), "CSIDL_LOCAL_APPDATA": str(tmp_path / "Local")}[csidl])
    monkeypatch.setattr(paths, "_platformdirs", lambda: _fake_platformdirs(win.Windows))
    assert paths.config_dir() == tmp_path / "Roaming" / "hwadvisor"  # %APPDATA%, as before
    assert paths.data_dir() == tmp_path / "Local" / "hwadvisor"  # %LOCALAPPDATA%, as before
    assert paths.log_dir() == tmp_path / "Local" / "hwadvisor" / "Logs"


def test_overrides_win_and_a_moved_data_folder_takes_the_logs_along(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "_platformdirs", lambda: pytest.fail("platformdirs asked despite an override"))
    monkeypatch.setenv("HWADVISOR_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("HWADVISOR_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("HWADVISOR_LOG_DIR", raising=False)
    assert (paths.config_dir(), paths.data_dir()) == (tmp_path / "c", tmp_path / "d")
    assert paths.log_path() == tmp_path / "d" / "logs" / "hwadvisor.log"
    monkeypatch.setenv("HWADVISOR_LOG_DIR", str(tmp_path / "l"))
    assert paths.log_path() == tmp_path / "l" / "hwadvisor.log"


def test_the_real_platformdirs_is_used_on_this_os(no_overrides):
    import platformdirs

    assert paths.config_dir() == platformdirs.user_config_path("hwadvisor", appauthor=False, roaming=True)
    assert paths.data_dir() == platformdirs.user_data_path("hwadvisor", appauthor=False)


# ---- the rotating log ------------------------------------------------------------------------

@pytest.fixture
def log_to(monkeypatch, tmp_path):
    monkeypatch.setenv("HWADVISOR_LOG_DIR", str(tmp_path / "logs"))
    yield tmp_path / "logs"
    logfile.uninstall()


def test_the_log_rotates_and_never_grows_past_its_backups(log_to, monkeypatch):
    monkeypatch.setattr(logfile, "MAX_BYTES", 2_000)
    path = logfile.install()
    assert path == log_to / "hwadvisor.log" and not path.exists()  # no file until something is logged
    log = logging.getLogger("advisor.test")
    for i in range(400):
        log.warning("warning number %d with some words to fill the line", i)
    files = sorted(p.name for p in log_to.iterdir())
    assert files == ["hwadvisor.log", "hwadvisor.log.1", "hwadvisor.log.2", "hwadvisor.log.3"]
    assert all((log_to / f).stat().st_size <= 2_000 + 200 for f in files)
    assert "warning number 399" in path.read_text()
    log.info("not kept: below WARNING")
    assert "not kept" not in path.read_text()


def test_log_exception_writes_the_traceback_to_the_file_only(log_to, capsys):
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        where = logfile.log_exception("internal error in the command line", sys.exc_info())
    assert where == str(log_to / "hwadvisor.log")
    text = Path(where).read_text()
    assert "Traceback" in text and "ZeroDivisionError: boom" in text
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err


def test_an_unwritable_log_is_said_in_one_phrase_not_a_traceback(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("HWADVISOR_LOG_DIR", str(blocker / "logs"))  # a folder under a file
    try:
        raise RuntimeError("x")
    except RuntimeError:
        assert logfile.log_exception("m", sys.exc_info()) == "(log not writable)"
    logfile.uninstall()
    assert "Traceback" not in "".join(capsys.readouterr())


def test_an_internal_cli_error_points_at_the_log(monkeypatch, capsys, tmp_path):
    import main
    from advisor.cli import recommend

    monkeypatch.setenv("HWADVISOR_LOG_DIR", str(tmp_path / "logs"))

    def broken(args):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(recommend, "run", broken)
    code = main.main(["recommend", "--preset", "finetune_7b"])
    out, err = capsys.readouterr()
    logfile.uninstall()
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert str(tmp_path / "logs" / "hwadvisor.log") in err
    assert "KeyError: 'a bug of ours'" in (tmp_path / "logs" / "hwadvisor.log").read_text()
