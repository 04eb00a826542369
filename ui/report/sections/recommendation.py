"""Recommendation: the headline and the best device per phase, with the reasons."""

from __future__ import annotations

import numpy as np

from ui.report.text import esc, headline


def build(d, b) -> list:
    return [b.html(recommendation_html(d))]


def recommendation_html(d) -> str:
    rk = d.ranking
    best = rk.best()
    parts = [f"<h2>Recommendation</h2><p style='font-size:10.5pt'>{headline(d)}</p>"]
    if best is None:
        parts.append("<p>Every device is excluded; the candidates table lists the devices you asked for and why "
                     "they do not qualify.</p>")
        return "".join(parts)
    from advisor.recommend import classify, rank, reasons

    def block(title: str, rk_phase, i: int) -> str:
        pos = int(np.flatnonzero(rk_phase.order == i)[0]) if i in rk_phase.order else None
        cls, why = classify(d.table.rows[i])
        items = "".join(f"<li>{esc(w)}</li>" for w in reasons(rk_phase, i, pos))
        return (f"<h3>{esc(title)}: {esc(d.table.names[i])}</h3><p class='muted'>{esc(cls)}: {esc(why)}</p>"
                f"<ul>{items}</ul>")

    label = {"inference": "Best for serving", "training": "Best for training",
             "both": "Best over the lifecycle (training + serving)"}[rk.phase]
    parts.append(block(label, rk, best))
    for phase, i in d.best_for_phase.items():
        parts.append(block(f"Best for {phase} alone", rank(d.estimates, phase), i))
    return "".join(parts)


