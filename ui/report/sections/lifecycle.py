"""Lifecycle cost (workloads that train and serve): the split table and the lifecycle chart."""

from __future__ import annotations

import math

import numpy as np

from ui.charts import fmt_money
from ui.report.sections.charts import chart_caption, chart_specs
from ui.report.text import cell, device_cell, esc, num, table, value_range


def build(d, b) -> list:
    wl = d.workload
    if wl.training is None or wl.inference is None or not d.shown:
        return []
    blocks = [b.html(lifecycle_html(d))]
    if "lifecycle" in d.charts:
        draw = next(s for s in chart_specs(d) if s[0] == "lifecycle")[2]
        blocks.append(b.chart(draw, round(b.width * 0.5)))
        blocks.append(b.html(f"<p class='muted'>{chart_caption(d, 'lifecycle')}</p>"))
    return [b.group(blocks)]


def lifecycle_html(d) -> str:
    wl = d.workload
    lc = d.charts.get("lifecycle")
    rows = []
    for i in d.shown:
        life = d.records[i].get("lifecycle") or {}
        rg = d.records[i]["range"].get("lifecycle", {})
        over = life.get("inference_overtakes_month")
        rows.append("<tr>" + device_cell(d, i)
                    + cell(num(life.get("training_cost_usd"), fmt_money), value_range(rg, "training_cost_usd", fmt_money), "num")
                    + cell(num(life.get("inference_cost_usd"), fmt_money), value_range(rg, "inference_cost_usd", fmt_money),
                            "num")
                    + cell("n/a" if life.get("inference_share") is None else f"{life['inference_share']:.0%}", "", "num")
                    + cell("n/a" if over is None else f"month {over:,.1f}", "", "num") + "</tr>")
    h = wl.economics.horizon_years
    text = (f"<h2>Lifecycle cost: training against serving</h2><p>Training is paid once; serving is paid every day "
            f"for the {h:g}-year horizon. Over a model's life serving usually dominates (often about 90:10), which is "
            "why hardware that is cheap to run matters more than hardware that trains fast.")
    if lc is not None and np.isfinite(lc["inference_share_at_horizon"]):
        text += (f" On <b>{esc(lc['device'])}</b> training costs {fmt_money(lc['training'][0])} once and serving "
                 f"{fmt_money(lc['inference'][1] if len(lc['inference']) > 1 else math.nan)} a month: at the horizon "
                 f"inference is <b>{lc['inference_share_at_horizon']:.0%}</b> of the lifetime cost")
        over = lc["overtakes_month"]
        text += f", and overtakes training in month <b>{over:.1f}</b>." if np.isfinite(over) else "."
    life = d.records[d.shown[0]].get("lifecycle") or {}
    if life.get("training_energy_kwh") is not None and life.get("inference_energy_share") is not None:
        from advisor.yardstick import co2_in_words

        co2 = (life.get("training_co2_kg") or 0) + (life.get("inference_co2_kg") or 0)
        text += (f" In energy, on {esc(d.records[d.shown[0]]['device_name'])}: training takes "
                 f"{life['training_energy_kwh']:,.0f} kWh once, serving {life['inference_energy_kwh']:,.0f} kWh "
                 f"over the horizon: inference is <b>{life['inference_energy_share']:.0%}</b> of the energy; "
                 f"{esc(co2_in_words(co2))}.")
    text += "</p>"
    header = [("Device", False), ("Training (once)", True), (f"Serving ({h:g} y)", True), ("Inference share", True),
              ("Serving overtakes", True)]
    return text + table(header, rows)


