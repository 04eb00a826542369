"""Atomic file writes: nothing the user made is ever left half-written.

Write to a temporary file in the same directory, fsync, then `os.replace` (atomic on POSIX and
Windows). If anything fails, the temporary file is removed and the old file is untouched.
A symbolic link at the target is replaced by the new file (never written through: the link may
point at someone else's file); a device node, FIFO or socket there is refused. Temporary files
carry the writer's process id, so one left by a killed process is removed by the next write to
the same file.

On Windows a file another program holds open (a PDF in a viewer, a CSV in a spreadsheet, a
virus scanner's quick look) cannot be replaced for a moment: `os.replace` raises PermissionError.
The replace is retried for about two seconds before it is reported as one clear line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from advisor.errors import BadInput

REPLACE_RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4, 0.5, 0.75)  # ~2 s in all


def replace_with_retry(src: Path, dst: Path, *, delays=REPLACE_RETRY_DELAYS_S) -> None:
    """`os.replace(src, dst)`, retried while Windows says the target is in use.

    Only Windows' sharing violations (PermissionError / EACCES from a file held open by another
    process) are retried; anything else, and the last failure, is raised as it is.
    """
    for delay in (*delays, None):
        try:
            os.replace(src, dst)
            return
        except PermissionError as e:
            if delay is None or not _in_use(e):
                raise
            time.sleep(delay)


def _in_use(e: OSError) -> bool:
    """A transient 'file in use' (Windows), not a real permission problem (POSIX)."""
    # winerror 5: access denied, 32: sharing violation, 33: lock violation.
    return sys.platform == "win32" and (getattr(e, "winerror", None) in (5, 32, 33) or e.errno == errno.EACCES)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it replaces `path` atomically.

    Raises BadInput (one line naming the file) when the directory is missing or not writable.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise BadInput(f"{target}: cannot write: folder {directory} does not exist")
    _refuse_special(target)
    remove_stale_temps(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{_temp_prefix(target)}{os.getpid()}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise BadInput(f"{target}: cannot write: {e.strerror or e}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file 0600; give it the mode the file has now, or the usual mode a
    # new file gets (0666 less the umask), so a save never changes who may read the file.
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        os.chmod(tmp_path, mode)
    except OSError:
        pass
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        replace_with_retry(tmp_path, target)
    except OSError as e:
        tmp_path.unlink(missing_ok=True)
        hint = " (is it open in another program? close it and try again)" if _in_use(e) else ""
        raise BadInput(f"{target}: cannot write: {e.strerror or e}{hint}") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def _refuse_special(target: Path) -> None:
    """A device node, FIFO or socket at `target` is not a file to replace (as root, os.replace
    would swap /dev/sda for a PDF)."""
    try:
        st = os.lstat(target)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{target}: cannot write: it is a folder")
    from advisor.files import special_kind

    if kind := special_kind(st.st_mode):
        raise BadInput(f"{target}: cannot write: it is {kind}, not a regular file")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process (or unknown): leave its file alone
    return True


def remove_stale_temps(target: str | os.PathLike) -> list[Path]:
    """Remove temporary files of earlier writes to `target` whose writer is gone (killed
    mid-write). Returns the removed paths; never raises."""
    target = Path(target)
    directory = target.parent if str(target.parent) else Path(".")
    prefix = _temp_prefix(target)
    removed = []
    try:
        candidates = [p for p in directory.iterdir() if p.name.startswith(prefix) and ".tmp" in p.name[len(prefix):]]
    except OSError:
        return removed
    for p in candidates:
        pid_text = p.name[len(prefix):].split(".", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    return removed


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))
