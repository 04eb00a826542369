"""Shared fixtures. Tests never touch the user's real config or data folders, never need a
display (Qt runs offscreen) and never need a GPU (NVML is replayed from captures)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Each test gets empty config/data folders so nothing reads or writes the user's."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("HWADVISOR_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("HWADVISOR_DATA_DIR", str(base / "data"))
    monkeypatch.delenv("HWADVISOR_NVML_REPLAY", raising=False)


def pytest_collection_modifyitems(items):
    """Tests that use Qt fixtures are marked `gui` automatically (qutebrowser's convention)."""
    for item in items:
        if {"qtbot", "qapp"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)
