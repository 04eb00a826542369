"""Top candidates: serving and/or training figures with their ranges, then why each."""

from __future__ import annotations

import math

from ui.charts import fmt_money, fmt_ms, fmt_num
from ui.report.text import cell, days, device_cell, esc, mem_cell, num, table, value_range


def build(d, b) -> list:
    return [b.html(h) if isinstance(h, str) else b.flow(*h) for h in candidates_html(d)]


def candidates_html(d) -> list:
    """The candidates table(s): serving and/or training figures with their ranges (HTML), then
    the reasons per device (a (heading, paragraphs, None) flow)."""
    wl, rk = d.workload, d.ranking
    if not d.shown:
        return ["<h2>Top candidates</h2><p>No device in the catalog fits this workload with a known price. "
                "The reasons for each device are in the advisor's Recommendations view "
                "(<i>python main.py recommend --json</i>).</p>"]
    out = []
    intro = (f"<h2>Top candidates</h2><p class='muted'>Ranked by {esc(rk.key_name)}; {len(rk.order)} of "
             f"{len(d.estimates)} catalog devices fit and have a price. Each figure is the model's point estimate; "
             "the small line under it is its low – high range from the efficiency uncertainty.</p>")
    token = wl.model.family == "transformer"

    def rank_cell(i):
        r = d.records[i]["rank"]
        return f"<td>{r if r is not None else '–'}</td>"

    if wl.inference is not None:
        header = [("#", False), ("Device", False), ("Devices", True), ("Memory / device", True), ("Latency", True),
                  ("Tokens/s" if token else "Samples/s", True), ("Wh / request", True),
                  ("$ / 1M tokens" if token else "$ / 1M requests", True), ("$ / year", True)]
        rows = []
        for i in d.shown:
            rec = d.records[i]
            inf, rg = rec["inference"], rec["range"]["inference"]
            if token:
                thr, thr_r = inf["throughput_tokens_per_s"], value_range(rg, "throughput_tokens_per_s", fmt_num)
                cost_key = "cost_usd_per_million_tokens"
            else:
                thr, thr_r = inf.get("samples_per_s"), ""
                cost_key = "cost_usd_per_million_requests"
            reps = inf.get("replicas_needed")
            count = f"{inf['count'] if inf['count'] is not None else '–'}"
            reps_text = f"x {reps:,.0f} replicas" if reps and reps > 1 else ""
            rows.append(
                "<tr>" + rank_cell(i) + device_cell(d, i) + cell(count, reps_text, "num") + mem_cell(rec)
                + cell(num(inf["request_latency_ms"], fmt_ms), value_range(rg, "request_latency_ms", fmt_ms), "num")
                + cell(num(thr, fmt_num), thr_r, "num")
                + cell(num(inf["energy_wh_per_request"], fmt_num), value_range(rg, "energy_wh_per_request", fmt_num), "num")
                + cell(num(inf.get(cost_key), fmt_money), value_range(rg, cost_key, fmt_money), "num")
                + cell(num(inf["cost_usd_per_year"], fmt_money), value_range(rg, "cost_usd_per_year", fmt_money), "num")
                + "</tr>")
        title = "<h3>Serving</h3>" if wl.training is not None else ""
        out.append(intro + title + table(header, rows))
        intro = ""
    if wl.training is not None:
        header = [("#", False), ("Device", False), ("Devices", True), ("Memory / device", True),
                  ("Time to train", True), ("Training cost", True), ("Energy (kWh)", True), ("CO2 (kg)", True)]
        if wl.inference is not None:
            header.append(("Inference share", True))
        rows = []
        for i in d.shown:
            rec = d.records[i]
            tr, rg = rec["training"], rec["range"]["training"]
            t_rng = rg.get("time_hours") or {}
            t_text = ""
            if t_rng.get("low") is not None:
                lo, hi = t_rng["low"], t_rng["high"]
                t_text = (f"{lo / 24:,.1f} – {hi / 24:,.1f} days" if lo >= 48
                          else f"{days(lo)} – {days(hi)}")
            scale = tr.get("scaling_efficiency")
            count = f"{tr['count']:,}" if tr["count"] is not None else "–"
            row = ("<tr>" + rank_cell(i) + device_cell(d, i)
                   + cell(count, f"{scale:.0%} scaling" if scale is not None and tr["count"] and tr["count"] > 1 else "",
                           "num")
                   + mem_cell(rec)
                   + cell(days(tr["time_hours"] if tr["time_hours"] is not None else math.nan), t_text, "num")
                   + cell(num(tr["cost_usd"], fmt_money), value_range(rg, "cost_usd", fmt_money), "num")
                   + cell(num(tr["energy_kwh"], fmt_num), value_range(rg, "energy_kwh", fmt_num), "num")
                   + cell(num(tr["co2_kg"], fmt_num), value_range(rg, "co2_kg", fmt_num), "num"))
            if wl.inference is not None:
                share = (rec.get("lifecycle") or {}).get("inference_share")
                row += cell("n/a" if share is None else f"{share:.0%}", "", "num")
            rows.append(row + "</tr>")
        title = "<h3>Training</h3>" if wl.inference is not None else ""
        out.append(intro + title + table(header, rows))
    why = []
    for i in d.shown:
        rec = d.records[i]
        label = f"#{rec['rank']}" if rec["rank"] is not None else "not ranked"
        why.append(f"<p><b>{esc(rec['device_name'])}</b> <span class='muted'>({label}; "
                   f"{esc(rec['optimized_for'])}: {esc(rec['optimized_for_why'])})</span><br>"
                   + "; ".join(esc(w) for w in rec["why"]) + "</p>")
    out.append(("<h3>Why each candidate</h3>", why, None))
    return out


