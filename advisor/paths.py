"""Where the app keeps the user's things: the platform's own folders (platformdirs), with
environment overrides that make tests hermetic and let one person keep several profiles.

| folder | Linux (XDG)                 | macOS                                  | Windows                          |
| config | ~/.config/hwadvisor         | ~/Library/Application Support/hwadvisor | %APPDATA%\\hwadvisor (roaming)    |
| data   | ~/.local/share/hwadvisor    | ~/Library/Application Support/hwadvisor | %LOCALAPPDATA%\\hwadvisor         |
| logs   | ~/.local/state/hwadvisor/log | ~/Library/Logs/hwadvisor               | %LOCALAPPDATA%\\hwadvisor\\Logs    |

The config folder is the profile: settings, catalog overlay, unsaved edits, the one-instance lock.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "hwadvisor"
LOG_FILE = "hwadvisor.log"


def _platformdirs():
    import platformdirs  # imported when first asked: the headless commands that never need it skip it

    return platformdirs


def config_dir() -> Path:
    """User configuration (settings, catalog overlay). `HWADVISOR_CONFIG_DIR` overrides."""
    if env := os.environ.get("HWADVISOR_CONFIG_DIR"):
        return Path(env)
    # roaming: a Windows user's settings follow them between machines, as they did before.
    return _platformdirs().user_config_path(APP, appauthor=False, roaming=True)


def data_dir() -> Path:
    """User data (probe history database). `HWADVISOR_DATA_DIR` overrides."""
    if env := os.environ.get("HWADVISOR_DATA_DIR"):
        return Path(env)
    return _platformdirs().user_data_path(APP, appauthor=False)


def log_dir() -> Path:
    """The log folder. `HWADVISOR_LOG_DIR` overrides; with only `HWADVISOR_DATA_DIR` set, the
    logs go under it (so a test or a second profile never writes the user's real log)."""
    if env := os.environ.get("HWADVISOR_LOG_DIR"):
        return Path(env)
    if os.environ.get("HWADVISOR_DATA_DIR"):
        return data_dir() / "logs"
    return _platformdirs().user_log_path(APP, appauthor=False)


def log_path() -> Path:
    """The current log file (rotated: see `advisor.logfile`)."""
    return log_dir() / LOG_FILE
