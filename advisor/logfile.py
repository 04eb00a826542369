"""The log file: warnings, errors and crash details of the app and the command line, in the
platform's log folder (`advisor.paths.log_dir`), rotated so it never grows without limit.

Several processes may write it (the window and its report child): each appends whole records;
rotation is best effort (on Windows a file another process holds open is not renamed). A log
that cannot be written is never a reason to fail, nor to print a traceback on the terminal.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

MAX_BYTES = 1_000_000  # ~10,000 lines: months of warnings, a few hundred tracebacks
BACKUPS = 3  # hwadvisor.log.1 .. .3: at most ~4 MB in all
FORMAT = "%(asctime)s pid %(process)d %(levelname)s %(name)s: %(message)s"



class _Handler(logging.handlers.RotatingFileHandler):
    """Rotating file handler that notes a failed write instead of printing a traceback
    (logging's default), which would break the command line's no-traceback contract."""

    failed = False

    def handleError(self, record) -> None:  # noqa: N802 - logging's name
        self.failed = True


_handler: _Handler | None = None


def install(level: int = logging.WARNING) -> Path | None:
    """Send records of `level` and above, from every logger, to the rotating log file.

    Idempotent. Returns the file's path, or None when the folder cannot be made (the app
    then runs without a log file; nothing else changes).
    """
    global _handler
    from advisor.paths import log_path

    path = log_path()
    if _handler is not None and Path(_handler.baseFilename) == path.resolve():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    uninstall()
    handler = _Handler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                   encoding="utf-8", delay=True)  # no file until a record
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    _handler = handler
    return path


def uninstall() -> None:
    """Detach and close the file handler (tests; a changed log folder)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def log_exception(message: str, exc_info) -> str:
    """Write `message` with the traceback of `exc_info` to the log; returns where it went, for
    the one line the user sees ('details in ...'), or '(log not writable)'."""
    path = install()
    if path is None:
        return "(log not writable)"
    # Straight to the file handler: the console handlers must not print the traceback.
    record = logging.LogRecord("hwadvisor", logging.ERROR, __file__, 0, message, None, exc_info)
    _handler.failed = False
    _handler.handle(record)
    _handler.flush()
    return "(log not writable)" if _handler.failed else str(path)
