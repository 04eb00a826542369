"""Where the app keeps the user's things. Environment overrides make tests hermetic."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "hwadvisor"


def config_dir() -> Path:
    """User configuration (catalog overlay, settings). `HWADVISOR_CONFIG_DIR` overrides."""
    if env := os.environ.get("HWADVISOR_CONFIG_DIR"):
        return Path(env)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / APP
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / APP


def data_dir() -> Path:
    """User data (probe history database, logs). `HWADVISOR_DATA_DIR` overrides."""
    if env := os.environ.get("HWADVISOR_DATA_DIR"):
        return Path(env)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / APP
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP


def log_path() -> Path:
    return data_dir() / "hwadvisor.log"
