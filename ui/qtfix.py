"""A guard against a reference-counting bug in PySide6 6.12.0 on Python < 3.12.

There, every `SignalInstance.emit()` returns `True` without taking a reference, so each emit
removes one reference from the `True` singleton; after some thousands of emits (any pyqtgraph
redraw emits dozens) the interpreter aborts with "bool_dealloc: deallocating True or False",
usually at exit (some calls leak `None` the same way). Python 3.12+ makes these immortal, so the bug is harmless there.

`guard()` measures the leak once (ten emits) and, only when it is present, raises the
singletons' reference counts by a large constant so they can never reach zero. It changes no
behaviour otherwise. Remove this module once PySide6 is pinned to a fixed release.
"""

from __future__ import annotations

import ctypes
import sys

_BUMP = 1 << 40
_done = False


def emit_leaks_true() -> bool:
    """True when emitting a Qt signal drops a reference to `True` (the PySide6 6.12.0 bug)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig = Signal()

    p = _Probe()
    before = sys.getrefcount(True)
    for _ in range(10):
        p.sig.emit()
    return sys.getrefcount(True) < before - 5


def guard() -> bool:
    """Apply the guard when the bug is present; returns whether it was applied."""
    global _done
    if _done or sys.version_info >= (3, 12):
        return False
    if not emit_leaks_true():
        _done = True
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _BUMP
    _done = True
    return True
