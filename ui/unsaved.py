"""A window's unsaved workload edits, kept across a close (nothing the user made is lost).

Each window keeps its own file in `<config dir>/unsaved/`, guarded by a QLockFile that it
holds while it runs: two windows never write, restore or delete each other's edits. A window
that starts claims the newest file whose lock is free (its window was closed, or its process
died) and restores it; at close it writes its edits there, or removes its own file when there
is nothing unsaved. The workload's own path is stored JSON-quoted on the first line, so a path
with a line break in it comes back exactly.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QLockFile

log = logging.getLogger(__name__)

FOLDER = "unsaved"
HEADER = "# unsaved edits of: "
NEW = "a new workload"


def _folder() -> Path:
    from advisor.paths import config_dir

    return config_dir() / FOLDER


def _lock(path: Path) -> QLockFile:
    lock = QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)  # stale only when its process is gone, however long a window stays open
    return lock


class UnsavedEdits:
    """The unsaved-edits file of one window."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder if folder is not None else _folder()
        self.path: Path | None = None
        self._lock: QLockFile | None = None

    def claim(self) -> tuple[Path | None, str] | None:
        """Take over the newest unsaved file no running window holds: (its workload's path, or
        None for a new workload; the TOML text), or None when there is none."""
        legacy = self.folder.parent / "unsaved_workload.toml"  # one shared file, before per-window files
        try:
            if legacy.is_file():
                self.folder.mkdir(parents=True, exist_ok=True)
                legacy.replace(self.folder / "edits-legacy.toml")
            candidates = sorted(self.folder.glob("*.toml"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return None
        for path in candidates:
            lock = _lock(path)
            if not lock.tryLock(0):
                continue  # another window's edits
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                log.warning("unsaved edits %s not readable: %s", path, e)
                lock.unlock()
                continue
            self.path, self._lock = path, lock
            first, _, body = text.partition("\n")
            return _origin(first), body
        return None

    def keep(self, origin: Path | None, toml_text: str) -> None:
        """Write this window's edits (atomically). Raises BadInput/OSError when it cannot."""
        from advisor.atomic import write_text_atomic

        if self.path is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"edits-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{id(self):x}.toml"
            lock = _lock(path)
            if not lock.tryLock(0):
                raise OSError(f"{path}: locked by another window")
            self.path, self._lock = path, lock
        write_text_atomic(self.path, HEADER + json.dumps(str(origin) if origin else NEW, ensure_ascii=True)
                          + "\n" + toml_text)

    def drop(self) -> None:
        """Remove this window's file (its edits were saved, or there are none)."""
        if self.path is not None:
            try:
                self.path.unlink(missing_ok=True)
            except OSError as e:
                log.warning("unsaved edits %s not removed: %s", self.path, e)
            self.path = None

    def set_aside(self) -> None:
        """A file that cannot be restored is kept beside, renamed, for the user to look at."""
        if self.path is not None:
            try:
                self.path.replace(self.path.with_suffix(".bad"))
            except OSError:
                pass
            self.path = None

    def release(self) -> None:
        """Let another window claim the file (at close)."""
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


def _origin(first_line: str) -> Path | None:
    """The workload path on a file's first line (JSON-quoted; older files wrote it raw)."""
    value = first_line.removeprefix(HEADER).strip()
    try:
        value = json.loads(value)
    except json.JSONDecodeError:
        pass
    return Path(value) if isinstance(value, str) and value and value != NEW else None
