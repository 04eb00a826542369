"""The report's sections, in page order: one builder per module.

A builder is `build(d, b: Blocks) -> list[block]`: it reads the gathered data `d`
(`ui.report.data`) and makes its blocks with `b` (`ui.report.blocks.Blocks`: html, flow,
chart, group, page_break). Text from files goes through `ui.report.text.esc`.

To add a section: write `ui/report/sections/<name>.py` with a `build`, and put it in
`SECTIONS` where it belongs on paper.
"""

from __future__ import annotations

from ui.report.sections import (
    assumptions,
    candidates,
    charts,
    lifecycle,
    machine,
    prices,
    recommendation,
    sources,
    title,
    what_to_buy,
    words,
)

SECTIONS = [
    title.build,
    words.build,
    recommendation.build,
    candidates.build,
    what_to_buy.build,
    lifecycle.build,
    charts.build,
    machine.build,
    assumptions.build,
    prices.build,
    sources.build,
]
