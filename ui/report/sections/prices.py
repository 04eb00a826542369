"""Prices used, with the dates they were seen."""

from __future__ import annotations

import math

import numpy as np

from ui.charts import fmt_money
from ui.report.text import cell, esc, table


def build(d, b) -> list:
    return [b.html(prices_html(d))] if d.shown else []


def prices_html(d) -> str:
    rows = []
    for i in d.shown:
        r = d.table.rows[i]
        cloud = r.get("cloud_usd_per_hour", math.nan)
        launch = r.get("launch_price_usd", math.nan)
        year = r.get("release_year", math.nan)
        rows.append(f"<tr><td>{esc(d.table.names[i])}</td>"  # names carry the [overlay] mark
                    + cell(fmt_money(cloud) + "/h" if np.isfinite(cloud) else "none", "", "num")
                    + cell(esc(r.get("cloud_price_seen") or "–"), "", "num")
                    + cell(fmt_money(launch) if np.isfinite(launch) else "none", "", "num")
                    + cell(f"{year:.0f}" if isinstance(year, float) and np.isfinite(year) else "–", "", "num")
                    + "</tr>")
    return ("<h3>Prices used, with their dates</h3><p class='muted'>Cloud prices are on-demand per device-hour as "
            "seen in the month shown; launch prices are list prices at release.</p>"
            + table([("Device", False), ("Cloud price", True), ("Price seen", True), ("Launch price", True),
                      ("Released", True)], rows))


