"""The app as a desktop citizen: icon, .desktop and AppStream files, the OS colour scheme,
accessible names on every input, the presets menu, the report child started by module."""

from __future__ import annotations

import configparser
import sys
import tomllib
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)

from tests.conftest import ROOT
from ui.icon import APP_ID, RESOURCES, SIZES, SVG, app_icon, png_path, render

INPUTS = (QLineEdit, QAbstractSpinBox, QComboBox, QAbstractButton, QAbstractSlider, QAbstractItemView, QTextEdit,
          QPlainTextEdit)


def _inputs(root: QWidget) -> list[QWidget]:
    """Every widget of `root` a user types into, picks from, clicks or reads by keyboard; not
    Qt's own parts (scroll bars, headers, combo pop-ups, a line edit's clear button)."""
    out = []
    popups = {c.view() for c in root.findChildren(QComboBox)}  # a combo box's list: named by the combo box
    for w in root.findChildren(QWidget):
        if w.objectName().startswith("qt_") or isinstance(w, (QScrollBar, QHeaderView)) or w in popups:
            continue
        if isinstance(w.parent(), QLineEdit):
            continue
        if isinstance(w, INPUTS) or (isinstance(w, QGroupBox) and w.isCheckable()):
            out.append(w)
    return out


def test_every_input_of_the_main_window_has_an_accessible_name(window):
    window.tabs.setCurrentIndex(1)  # the charts' tabs too
    inputs = _inputs(window)
    assert len(inputs) >= 45  # the workload form alone has ~40 fields
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in inputs if not w.accessibleName().strip()]
    assert unnamed == [], f"inputs without an accessible name: {unnamed}"
    fields = [w for w in inputs if w.objectName().startswith("field:")]
    assert len(fields) >= 30 and all(w.accessibleDescription().strip() for w in fields)
    assert all("<" not in w.accessibleName() + w.accessibleDescription() for w in fields)  # plain text, no markup
    params = window.findChild(QLineEdit, "field:model.params_b")
    assert params.accessibleName().startswith("Parameters") or "param" in params.accessibleName().lower()


def test_presets_menu_lists_every_preset_and_loads_one(window):
    from advisor.presets import preset_names

    actions = [a for a in window.preset_menu.actions() if not a.isSeparator()]
    assert [a.objectName() for a in actions] == [f"preset:{n}" for n in preset_names()]
    actions[-1].trigger()
    window.state.flush()
    assert window.state.results.workload.name == window.presets[-1].name
    assert window.form.presets.currentIndex() == len(actions) - 1


def test_the_report_child_is_started_as_a_module_not_a_file(monkeypatch):
    from ui.main_window import child_command

    assert child_command() == [sys.executable, "-m", "advisor"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert child_command() == [sys.executable]


# ---- the OS colour scheme -----------------------------------------------------------------

class _Hints:
    def __init__(self, scheme):
        self.scheme = scheme

    def colorScheme(self):  # noqa: N802 - Qt's name
        return self.scheme


class _App:
    def __init__(self, scheme):
        self.hints = _Hints(scheme)

    def styleHints(self):  # noqa: N802 - Qt's name
        return self.hints


@pytest.mark.parametrize(("scheme", "choice", "want"), [
    (Qt.ColorScheme.Dark, "system", "dark"), (Qt.ColorScheme.Light, "system", "light"),
    (Qt.ColorScheme.Unknown, "system", "light"), (Qt.ColorScheme.Dark, "light", "light"),
    (Qt.ColorScheme.Light, "dark", "dark")])
def test_the_theme_follows_the_os_unless_the_user_chose_one(scheme, choice, want):
    from ui import theme

    assert theme.resolve(choice, _App(scheme)).name == want


def test_the_window_follows_a_change_of_os_scheme_until_the_user_overrides_it(window, monkeypatch):
    from ui import theme

    assert window.settings.theme == "system" and window.act_theme_system.isChecked()
    monkeypatch.setattr(theme, "system_scheme", lambda app=None: "dark")
    window._on_system_scheme()  # what QStyleHints.colorSchemeChanged calls
    assert window.theme.dark and window.act_theme.isChecked()
    window.act_theme.trigger()  # the user picks light: an override, kept
    assert window.settings.theme == "light" and not window.act_theme_system.isChecked()
    window._on_system_scheme()
    assert not window.theme.dark
    window.act_theme_system.trigger()  # back to following the OS (dark here)
    assert window.settings.theme == "system" and window.theme.dark


# ---- icon, .desktop, AppStream ------------------------------------------------------------

def test_the_app_and_its_windows_get_the_icon_and_desktop_id(qapp):
    from ui.app import configure_app

    configure_app(qapp)
    assert not qapp.windowIcon().isNull() and qapp.desktopFileName() == APP_ID
    sizes = {s.width() for s in app_icon().availableSizes()}
    assert set(SIZES) <= sizes


@pytest.mark.parametrize("size", SIZES)
def test_each_png_is_the_svg_drawn_at_its_size(qapp, size):
    """`python -m ui.icon` makes them; a PNG older than an SVG edit fails here."""
    from PySide6.QtGui import QImage

    png = QImage(str(png_path(size))).convertToFormat(QImage.Format_ARGB32_Premultiplied)
    assert (png.width(), png.height()) == (size, size)
    fresh = render(size)
    a, b = bytes(png.constBits()), bytes(fresh.constBits())
    diff = sum(abs(x - y) for x, y in zip(a, b)) / len(a)
    assert diff < 2.0, f"hwadvisor-{size}.png differs from the SVG (mean {diff:.1f}/255): run python -m ui.icon"


def test_desktop_entry_and_appstream_name_the_same_app_icon_and_command():
    from advisor import __version__

    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(RESOURCES / f"{APP_ID}.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert d["Type"] == "Application" and d["Icon"] == APP_ID and d["Terminal"] == "false"
    assert d["Exec"].split()[0] in meta["project"]["gui-scripts"]
    xml = ET.parse(RESOURCES / f"{APP_ID}.metainfo.xml").getroot()
    assert xml.findtext("id") == APP_ID
    assert xml.findtext("launchable") == f"{APP_ID}.desktop"
    assert xml.findtext("project_license") == meta["project"]["license"]
    assert xml.find("releases/release").get("version") == __version__
    assert SVG.read_text().lstrip().startswith("<?xml")


# ---- one instance per profile ---------------------------------------------------------------

def test_a_second_window_on_the_same_profile_is_refused_with_who_holds_it(qapp, tmp_path):
    import os

    from ui.app import acquire_instance_lock

    first, message = acquire_instance_lock(tmp_path)
    assert first is not None and message == ""
    second, message = acquire_instance_lock(tmp_path)
    assert second is None and f"process {os.getpid()}" in message and "HWADVISOR_CONFIG_DIR" in message
    other, message = acquire_instance_lock(tmp_path / "other-profile")  # another profile: allowed
    assert other is not None and message == ""
    first.unlock()
    again, message = acquire_instance_lock(tmp_path)
    assert again is not None and message == ""
    again.unlock()
    other.unlock()


def test_a_lock_left_by_a_crashed_process_is_taken_over(qapp, tmp_path):
    import subprocess

    from PySide6.QtCore import QSysInfo

    from ui.app import LOCK_FILE, acquire_instance_lock

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has exited
    (tmp_path / LOCK_FILE).write_text(f"{pid}\nHardware Advisor\n{QSysInfo.machineHostName()}\n")
    lock, message = acquire_instance_lock(tmp_path)
    assert lock is not None and message == ""
    lock.unlock()


def test_run_app_says_why_it_opens_no_second_window(qapp, monkeypatch, capsys):
    from advisor.paths import config_dir
    from ui import app

    held, _ = app.acquire_instance_lock(config_dir())
    monkeypatch.setattr(app, "install_excepthook", lambda *_: pytest.fail("a window was started"))
    assert app.run_app() == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Hardware Advisor is already running with this profile")
    held.unlock()
    from advisor import logfile

    logfile.uninstall()
