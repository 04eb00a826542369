"""Slow work off the GUI thread: QObject workers in QThreads (napari's pattern).

    task = run_task(fn, *args, parent=self)   # fn(progress, cancel, *args) -> result
    task.progress.connect(...); task.finished.connect(...); task.failed.connect(...)
    task.cancel()                              # cooperative: fn watches `cancel` (an Event)

`fn` runs in a worker thread; `progress(fraction, message)` may be called from any thread.
Every signal of a `Task` is delivered on the GUI thread. `running_tasks()` lists the live
ones; `shutdown()` cancels and joins them all (on quit, and in the tests' leak check).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)

_LIVE: set[Task] = set()


class _Worker(QObject):
    """Lives in the worker thread; runs `fn` once."""

    started = Signal()
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # one-line message, details

    def __init__(self, fn: Callable, args: tuple, cancel: threading.Event):
        super().__init__()
        self._fn, self._args, self._cancel = fn, args, cancel

    @Slot()
    def run(self) -> None:
        self.started.emit()
        try:
            result = self._fn(self.progress.emit, self._cancel, *self._args)
        except Exception as e:  # reported to the GUI, never lost
            import traceback

            from advisor.errors import BadInput

            msg = str(e) if isinstance(e, BadInput) else f"{type(e).__name__}: {e}"
            log.warning("task failed: %s", msg)
            self.failed.emit(msg.splitlines()[0] if msg else type(e).__name__, traceback.format_exc())
        else:
            self.finished.emit(result)


class Task(QObject):
    """A handle on one background job, living on the GUI thread."""

    started = Signal()
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)
    done = Signal()  # after finished or failed, once the thread has stopped

    def __init__(self, fn: Callable, args: tuple = (), name: str = "task", parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.cancel_event = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName(f"hwadvisor-{name}")
        self._worker = _Worker(fn, args, self.cancel_event)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        # Bound methods of an object on the GUI thread: Qt queues these calls to the GUI thread.
        self._worker.started.connect(self._on_started)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._on_thread_finished)
        self.result = None
        self.error: str | None = None

    def start(self) -> Task:
        _LIVE.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 5000) -> bool:
        return self._thread.wait(ms)

    @Slot()
    def _on_started(self) -> None:
        self.started.emit()

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.emit(fraction, message)

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.result = result
        self._thread.quit()
        self.finished.emit(result)

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        self.error = message
        self._thread.quit()
        self.failed.emit(message, details)

    @Slot()
    def _on_thread_finished(self) -> None:
        _LIVE.discard(self)
        self._worker.deleteLater()
        self.done.emit()


def run_task(fn: Callable, *args, name: str = "task", parent: QObject | None = None) -> Task:
    """Start `fn(progress, cancel, *args)` in a new QThread and return its `Task`."""
    return Task(fn, args, name, parent).start()


def running_tasks() -> list[Task]:
    return [t for t in _LIVE if t.is_running()]


def shutdown(timeout_ms: int = 3000) -> list[str]:
    """Cancel every live task and wait for its thread; returns the names that did not stop."""
    stuck = []
    for task in list(_LIVE):
        task.cancel()
    for task in list(_LIVE):
        task._thread.quit()
        if not task.wait(timeout_ms):
            stuck.append(task.name)
    return stuck
