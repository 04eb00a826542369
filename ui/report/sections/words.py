"""The workload in plain words (one paragraph per part)."""

from __future__ import annotations

from ui.report.text import esc, workload_words


def build(d, b) -> list:
    return [b.html("<h2>The workload in plain words</h2>"
                   + "".join(f"<p>{esc(s)}</p>" for s in workload_words(d.workload)))]
