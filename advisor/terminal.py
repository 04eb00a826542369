"""Text from files, made safe to print on a terminal.

Names in overlays, workloads and imported probe reports are someone else's text. Printed raw,
an escape sequence in them can set the terminal's title, write to its clipboard (OSC 52), hide
text or move the cursor over earlier lines. Every command's stdout and stderr go through
`TerminalStream`, which drops control characters (C0 but newline and tab, DEL, C1, and the
bidirectional overrides that reorder what is shown) and, where the terminal's encoding cannot
show a character (PYTHONIOENCODING=latin-1 and a Japanese name, a lone surrogate), prints a
replacement instead of failing the command.
"""

from __future__ import annotations

import re
from typing import TextIO

# C0 controls except \t and \n, DEL, C1 controls, and the Unicode bidi embeddings/overrides/
# isolates ("Trojan source": text that shows in another order than it reads).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A whole escape sequence (CSI ... final byte, OSC ... BEL/ST, other ESC x), so that its
# printable parameters do not stay behind as litter once the ESC is gone.
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
                     r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?")


def plain(text: str) -> str:
    """`text` without escape sequences and control characters (newline and tab stay)."""
    return _CONTROL.sub("", _ESCAPE.sub("", text))


def one_line(text: str) -> str:
    """`text` as one printable line: control characters and line breaks shown as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class TerminalStream:
    """A text stream that writes `plain(text)` to `stream`, never failing on encoding.

    `write_control` passes our own control sequences (a progress line's carriage return).
    """

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> int:
        self._write(plain(text))
        return len(text)

    def write_control(self, text: str) -> int:
        self._write(text)
        return len(text)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
        except UnicodeEncodeError:
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            self.stream.write(text.encode(encoding, "replace").decode(encoding, "replace"))

    def __getattr__(self, name):  # flush, isatty, fileno, encoding, buffer ...
        return getattr(self.stream, name)
