"""Files from other people: bounded reads of regular files, and outputs that are never inputs.

Workloads, catalog overlays and probe reports are shared between people, so a path handed to
the app may name anything: a FIFO (a read that never returns), a device (/dev/zero: a read
that never ends), a 2 GB file. `read_user_file` reads only regular files and only up to a
limit, and says what is wrong in one line. `check_output` refuses an output path that is one
of the command's inputs or not a regular file (a device node would be replaced as root).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from advisor.errors import BadInput


def special_kind(mode: int) -> str:
    """What a non-regular file is, for messages ("a pipe", "a device", "a socket"); "" for a
    regular file, a folder or a symbolic link (each handled by its caller)."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
        return ""
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file"


def _size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB" if n >= 1000 else f"{n} bytes"


def read_user_file(path: str | os.PathLike, limit: int, *, what: str = "file", name: str | None = None) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    The file is opened non-blocking (a FIFO without a writer would block a plain open) and
    checked with fstat on the open descriptor (no race with a rename) before any byte is read;
    the read stops one byte past `limit` (a file that grows while read, or lies about its size,
    is still bounded).

    Args:
        path: the file to read.
        limit: the most bytes accepted.
        what: what the file should be, for the messages ("workload file", "probe report").
        name: how the file is named in messages about what it is (default: `path` as given);
            "file not found" and "permission denied" always name `path` as given.

    Raises:
        BadInput: one line `<name>: <problem>` for a missing, unreadable, non-regular or
            oversized file.
    """
    src = str(path) if name is None else name
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found") from None
    except PermissionError:
        raise BadInput(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise BadInput(f"{src}: is a folder, not a {what}") from None
    except OSError as e:
        if e.errno == errno.ENXIO:  # a FIFO or socket with nobody at the other end
            raise BadInput(f"{src}: not a regular file (a pipe or socket), not a {what}") from None
        raise BadInput(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise BadInput(f"{src}: is a folder, not a {what}")
        if not stat.S_ISREG(st.st_mode):
            raise BadInput(f"{src}: not a regular file ({special_kind(st.st_mode)}), not a {what}")
        if st.st_size > limit:
            raise BadInput(f"{src}: file is {_size_text(st.st_size)}, too large for a {what} "
                           f"(at most {_size_text(limit)})")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise BadInput(f"{src}: file is over {_size_text(limit)}, too large for a {what}")
        return b"".join(chunks)
    except OSError as e:
        raise BadInput(f"{src}: cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_output(path: str | os.PathLike, inputs: Iterable[tuple[str, str | os.PathLike | None]] = (),
                 *, option: str = "--out") -> Path:
    """Refuse an output path that is one of `inputs`, or a device node, FIFO or socket.

    Args:
        path: where the command will write (atomically, replacing the file).
        inputs: (option name, path) of what the command reads; None paths are skipped.
        option: the output's option name, for the message.

    Raises:
        BadInput: `<option> <path>: ...` naming the input it would overwrite, or the kind of
            file it is (a device, a pipe).
    """
    target = Path(path)
    if str(path).strip() == "":
        raise BadInput(f"{option}: empty file name")
    for name, other in inputs:
        if other is not None and str(other) != "" and _same_file(target, Path(other)):
            raise BadInput(f"{option} {target}: is the {name} file; writing would replace an input")
    try:
        st = os.lstat(target)
    except OSError:
        return target  # nothing there yet (or unreadable: the write says why)
    kind = special_kind(st.st_mode)  # a link is replaced, never written through; a folder: the writer says so
    if kind:
        raise BadInput(f"{option} {target}: is {kind}, not a regular file; choose a file to write")
    return target
