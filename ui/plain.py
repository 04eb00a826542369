"""Text from files shown as text, never as markup (DESIGN.md, "Files from other people").

Qt renders a label, a tool tip or a message box as HTML when its text merely looks like HTML
(Qt guesses so), so a device named `<img src="/dev/zero">` in someone's overlay would
make Qt read /dev/zero. Three rules, one helper each:

- labels and message boxes that show names, descriptions or errors: `plain_label` (PlainText);
- a place that renders rich text on purpose (a headline with bold parts): every piece of file
  text goes through `escape`;
- tool tips, always rendered as rich text when they look like it: `tip`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt


def escape(text: object) -> str:
    """`text` with <, >, & and quotes as HTML entities: shown as typed inside rich text."""
    return html.escape(str(text), quote=True)


def tip(text: object) -> str:
    """A tool tip that shows `text` as typed (line breaks kept): rich text with it escaped."""
    return "<qt>" + escape(text).replace("\n", "<br>") + "</qt>"


def plain_label(label):
    """`label` (a QLabel or QMessageBox) set to show its text as plain text; returns it."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
