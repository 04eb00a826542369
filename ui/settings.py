"""The GUI's settings (window geometry, last workload, electricity price, theme, recent files).

Stored with QSettings in INI format at `<config dir>/gui.ini` (`HWADVISOR_CONFIG_DIR` moves
it, so tests never touch the user's file). A file Qt cannot parse, or values of the wrong
type, never stop the app: the file is renamed aside, defaults are used and `notice` says so.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

FILE_NAME = "gui.ini"
MAX_RECENT = 8
DEFAULTS = {"theme": "system", "electricity_usd_per_kwh": 0.12, "last_workload": "", "recent_files": []}


def settings_path() -> Path:
    from advisor.paths import config_dir

    return config_dir() / FILE_NAME


class Settings:
    """Typed access to the GUI settings; every getter falls back to its default."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else settings_path()
        self.notice = ""  # one sentence for the user when the file had to be reset
        self._qs = self._open()

    def _open(self) -> QSettings:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.notice = f"Settings folder {self.path.parent} is not writable ({e.strerror}); settings will not be kept."
        qs = QSettings(str(self.path), QSettings.IniFormat)
        if qs.status() != QSettings.NoError or not self._values_ok(qs):
            qs = self._reset(qs)
        return qs

    @staticmethod
    def _values_ok(qs: QSettings) -> bool:
        theme = qs.value("theme", DEFAULTS["theme"])
        if not isinstance(theme, str):
            return False
        price = qs.value("electricity_usd_per_kwh", 0.12)
        try:
            float(price)
        except (TypeError, ValueError):
            return False
        geom = qs.value("geometry")
        return geom is None or isinstance(geom, QByteArray)

    def _reset(self, qs: QSettings) -> QSettings:
        del qs
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            self.path.rename(aside)
            self.notice = f"The settings file was damaged and has been reset to defaults (old copy: {aside.name})."
        except OSError:
            self.notice = "The settings file was damaged and has been reset to defaults."
        log.warning(self.notice)
        return QSettings(str(self.path), QSettings.IniFormat)

    # ---- typed values -----------------------------------------------------------------
    @property
    def theme(self) -> str:
        v = self._qs.value("theme", DEFAULTS["theme"])
        return v if v in ("system", "light", "dark") else DEFAULTS["theme"]  # system: follow the OS

    @theme.setter
    def theme(self, name: str) -> None:
        self._qs.setValue("theme", name)

    @property
    def electricity_usd_per_kwh(self) -> float:
        try:
            v = float(self._qs.value("electricity_usd_per_kwh", DEFAULTS["electricity_usd_per_kwh"]))
        except (TypeError, ValueError):
            return DEFAULTS["electricity_usd_per_kwh"]
        return v if math.isfinite(v) and 0 <= v <= 10 else DEFAULTS["electricity_usd_per_kwh"]

    @electricity_usd_per_kwh.setter
    def electricity_usd_per_kwh(self, value: float) -> None:
        self._qs.setValue("electricity_usd_per_kwh", float(value))

    @property
    def last_workload(self) -> str:
        v = self._qs.value("last_workload", "")
        return v if isinstance(v, str) else ""

    @last_workload.setter
    def last_workload(self, path: str) -> None:
        self._qs.setValue("last_workload", str(path))

    @property
    def geometry(self) -> QByteArray | None:
        v = self._qs.value("geometry")
        return v if isinstance(v, QByteArray) else None

    @geometry.setter
    def geometry(self, data: QByteArray) -> None:
        self._qs.setValue("geometry", data)

    @property
    def recent_files(self) -> list[str]:
        v = self._qs.value("recent_files", [])
        if isinstance(v, str):
            v = [v]
        return [p for p in v if isinstance(p, str) and p][:MAX_RECENT] if isinstance(v, list) else []

    def add_recent(self, path: str) -> None:
        files = [str(path)] + [p for p in self.recent_files if p != str(path)]
        self._qs.setValue("recent_files", files[:MAX_RECENT])

    @property
    def compare(self) -> list[str]:
        """Device ids in the Compare view when the app last closed."""
        v = self._qs.value("compare", [])
        if isinstance(v, str):
            v = [v]
        return [d for d in v if isinstance(d, str) and d][:8] if isinstance(v, list) else []

    @compare.setter
    def compare(self, ids: list[str]) -> None:
        self._qs.setValue("compare", [str(d) for d in ids])

    def sync(self) -> None:
        self._qs.sync()
