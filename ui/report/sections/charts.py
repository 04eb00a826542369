"""Trade-off charts: the GUI's charts, each with a heading and a caption, kept on one page."""

from __future__ import annotations

import math

import numpy as np

from ui.charts import fmt_money, fmt_ms, plural
from ui.report.text import esc


def build(d, b) -> list:
    out, first = [], True
    for key, heading, draws in chart_specs(d):
        if key == "lifecycle":  # drawn by the lifecycle section
            continue
        h = round(b.width * (0.8 if len(draws) > 1 else 0.5))
        if key in ("energy", "memory"):
            n = len(d.charts[key]["ids"])
            floor = 250 if key == "memory" else b.width * 0.28  # the memory legend has up to 7 entries
            h = round(min(b.width * 0.5, max(floor, 80 + 21 * n)) * len(draws))
            if key == "memory":
                h += 90  # a band above the bars for its legend (up to 7 entries), rows kept apart
        head = ("<h2>Trade-off charts</h2><p class='muted'>Drawn by the app's own chart code from the same "
                "figures as the tables.</p>" if first else "") + f"<h3>{esc(heading)}</h3>"
        first = False
        out.append(b.group([b.html(head), b.chart(draws, h),
                            b.html(f"<p class='muted'>{chart_caption(d, key)}</p>")]))
    return out


def chart_caption(d, key: str) -> str:
    c = d.charts
    if key == "cost_vs_latency":
        cvl = c["cost_vs_latency"]
        front = [str(n) for n, f in zip(cvl["names"], cvl["pareto"]) if f]
        return (f"{plural(len(cvl['ids']), 'device')} that fit and have a price. Pareto front (green, labelled): "
                f"{esc(', '.join(front[:6]) or 'none')}{'…' if len(front) > 6 else ''}: no other device is cheaper, "
                "faster and more frugal at once (the dashed staircase: cost and latency alone).")
    if key == "energy":
        return ("Energy at the wall for the top-ranked devices (average power incl. idle time between requests, times "
                "the facility's PUE). Serving pays it on every request; training pays it once.")
    if key == "lifecycle":
        lc = c["lifecycle"]
        over, share = lc["overtakes_month"], lc["inference_share_at_horizon"]
        return (f"On {esc(lc['device'])}: training costs {fmt_money(lc['training'][0])} once; serving costs "
                f"{fmt_money(lc['inference'][1] if len(lc['inference']) > 1 else math.nan)} a month"
                + (f" and overtakes training in month {over:.1f}" if np.isfinite(over) else "")
                + (f"; at the {lc['horizon_months']}-month horizon inference is {share:.0%} of the lifetime cost."
                   if np.isfinite(share) else "."))
    if key == "roofline":
        return ("Each line is a device's roof: bandwidth-limited left of its ridge point, compute-limited right of it. "
                "Dashed verticals: this workload's arithmetic intensity per phase."
                + (" The star is this machine as measured by the probe." if c["roofline"].get("measured") else ""))
    if key == "memory":
        return ("Memory needed per device by category against each device's capacity (triangle). Training holds "
                "gradients and optimizer state; serving holds the KV cache.")
    if key == "batch":
        b = c["batch"]
        return (f"On {esc(b['device'])} ({b['count']} device{'s' if b['count'] != 1 else ''} per replica): batch 1 "
                f"answers in {fmt_ms(b['latency_ms'][0])}; batch {int(b['batch'][-1])} in {fmt_ms(b['latency_ms'][-1])} "
                f"at {b['throughput'][-1] / max(b['throughput'][0], 1e-12):.0f}x the throughput. Red points do not "
                "fit in memory.")
    return ""


def chart_specs(d) -> list[tuple[str, str, list]]:
    """(key, heading, [draw(plot)]) for every chart the report shows, in the GUI's order."""
    from ui import charts
    from ui.theme import LIGHT as T

    c = d.charts
    out = [("cost_vs_latency", "Cost against latency",
            [lambda p: charts.draw_cost_vs_latency(p, c["cost_vs_latency"], theme=T)])]
    metrics = [m for m in ("wh_per_request", "kwh_per_training_run") if m in c["energy"]]
    out.append(("energy", "Energy", [lambda p, m=m: charts.draw_energy(p, c["energy"], theme=T, metric=m)
                                     for m in metrics]))
    if "lifecycle" in c:
        out.append(("lifecycle", "Lifecycle cost", [lambda p: charts.draw_lifecycle(p, c["lifecycle"], theme=T)]))
    out.append(("roofline", "Roofline", [lambda p: charts.draw_roofline(p, c["roofline"], theme=T)]))
    out.append(("memory", "Memory per device", [lambda p: charts.draw_memory(p, c["memory"], theme=T)]))
    if "batch" in c and len(c["batch"]["batch"]):
        out.append(("batch", "Batch size: latency against throughput",
                    [lambda p: charts.draw_batch_latency(p, c["batch"], theme=T),
                     lambda p: charts.draw_batch_throughput(p, c["batch"], theme=T)]))
    return out


