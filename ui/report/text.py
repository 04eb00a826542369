"""The report's words: plain-language sentences and the HTML pieces every section uses.

Every text that can come from a file (a workload's name and description, device names and
sources from a catalog overlay, probe reports, notes) goes through `esc` before it reaches
the HTML: such a name is shown as the characters it is, never as markup (an overlay row named
`<img src=/dev/zero>` prints those characters and loads nothing).
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import numpy as np

from ui.charts import fmt_money, fmt_ms

if TYPE_CHECKING:
    from ui.report.data import ReportData

INK, MUTED, RULE, SHADE = "#1c2128", "#5f6b7a", "#d3d8df", "#f2f4f7"


def esc(x) -> str:
    """Any value as HTML text (quotes too: it may land in an attribute)."""
    return html.escape(str(x), quote=True)


def big(x: float) -> str:
    """2000 -> '2,000'; 1e7 -> '10 million'; 3e11 -> '300 billion'."""
    for v, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if x >= v:
            return f"{x / v:,.3g} {word}"
    return f"{x:,.0f}"


def days(hours: float) -> str:
    if not np.isfinite(hours):
        return "n/a"
    return f"{hours:,.1f} hours" if hours < 48 else f"{hours / 24:,.1f} days"


def workload_words(wl) -> list[str]:
    """The workload in plain words: one paragraph per part."""
    m = wl.model
    shape = []
    if m.layers:
        shape.append(f"{m.layers} layers")
    if m.hidden:
        shape.append(f"hidden size {m.hidden:,}")
    if m.kv_heads and m.heads and m.kv_heads != m.heads:
        shape.append(f"{m.kv_heads} KV heads of {m.heads} (grouped-query attention)")
    moe = ""
    if m.active_params_b and m.active_params_b != m.params_b:
        moe = f", of which {m.active_params_b:g}B are active per token (mixture of experts)"
    out = [f"The model: a {m.params_b:g}B-parameter {m.family}{moe}" + (f" ({', '.join(shape)})" if shape else "") + "."]
    inf = wl.inference
    if inf is not None:
        token = m.family == "transformer"
        what = (f"each a {inf.prompt_tokens:,}-token prompt answered with {inf.output_tokens:,} generated tokens"
                if token else "each one sample")
        batch = "one request at a time (batch 1)" if inf.batch_size == 1 else f"in batches of {inf.batch_size}"
        s = (f"Serving it: {big(inf.requests_per_day)} requests a day, {what}, served {batch}, "
             f"with weights at {inf.precision.upper()}")
        if token and inf.kv_cache_precision:
            s += f" and the KV cache at {inf.kv_cache_precision.upper()}"
        s += "."
        if inf.latency_slo_ms:
            s += f" Each request must be answered within {fmt_ms(inf.latency_slo_ms)} end to end."
        if inf.cost_per_request_usd:
            s += f" Serving costs a known {fmt_money(inf.cost_per_request_usd)} per request."
        out.append(s)
    tr = wl.training
    if tr is not None:
        data = (f"{big(tr.tokens)} tokens at sequence length {tr.seq_len:,}" if tr.tokens
                else f"{big(tr.samples or 0)} samples x {tr.epochs:g} epochs")
        s = (f"Training it: {data}, at {tr.precision.upper()} with the {tr.optimizer} optimizer"
             + (" and activation checkpointing" if tr.activation_checkpointing else "") + ". ")
        s += (f"On a fixed {tr.devices:,} devices." if tr.devices
              else f"The advisor picks enough devices to finish in about {tr.target_days:g} days.")
        if tr.cost_usd:
            s += f" The run costs a known {fmt_money(tr.cost_usd)}."
        out.append(s)
    e = wl.economics
    if e.mode == "cloud":
        money = "Hardware is rented: priced at the catalog's on-demand cloud rates per device-hour."
    else:
        money = (f"Hardware is bought: priced as its launch price spread over {e.amortization_years:g} years, "
                 "plus electricity.")
    money += (f" Electricity {fmt_money(e.electricity_usd_per_kwh)}/kWh, PUE {e.pue:g}, "
              f"{e.carbon_kg_per_kwh:g} kg CO2 per kWh; serving fleets are sized for "
              f"{e.target_utilization:.0%} utilisation; costs are summed over {e.horizon_years:g} year"
              f"{'s' if e.horizon_years != 1 else ''}.")
    out.append(money)
    return out


def headline(d: ReportData) -> str:
    """The GUI's headline line (Recommendations view), as plain HTML."""
    rk, p, names, wl = d.ranking, d.estimates.point, d.table.names, d.workload
    best = rk.best()
    if best is None:
        return "No device in the catalog fits this workload with a known price."
    phase = {"inference": "serving", "training": "training", "both": "training + serving"}[rk.phase]
    bits = [f"Best for {phase} <b>{esc(wl.name or 'this workload')}</b>: <b>{esc(names[best])}</b>"]
    if rk.phase == "training":
        bits.append(f"{fmt_money(p['train_cost_usd'][best])} in {p['time_hours'][best] / 24:,.1f} days")
    else:
        if np.isfinite(p["cost_usd_per_million_tokens"][best]):
            bits.append(f"{fmt_money(p['cost_usd_per_million_tokens'][best])} per 1M tokens")
        bits.append(f"{fmt_ms(p['request_latency_ms'][best])} per request")
    if rk.phase == "both":
        if np.isfinite(p["inference_share"][best]):
            bits.append(f"inference is {p['inference_share'][best]:.0%} of the lifetime cost")
        extra = [f"{ph} alone: {esc(names[b])}" for ph, b in d.best_for_phase.items()]
        if extra:
            bits.append("best for " + "; ".join(extra))
    plan = next((o for o in (getattr(d, "plans", None) or {}).get("options", [])
                 if o["device"] == str(d.table.ids[best])), None)
    if plan is not None:  # the whole purchase, not one card's price (see "What to buy")
        from advisor.plan import devices_word, money

        bits.append(f"to buy: {devices_word(plan['to_buy'])}, {money(plan['upfront_usd'])} upfront "
                    f"with hosts ({plan['devices_per_replica']} per replica x {plan.get('replicas') or 1})")
    return " · ".join(bits)


# ---- HTML pieces -----------------------------------------------------------------------------
CSS = f"""
body {{ color: {INK}; }}
h1 {{ font-size: 19pt; font-weight: 600; margin: 0; }}
h2 {{ font-size: 12.5pt; font-weight: 600; margin-top: 0; margin-bottom: 4px; color: {INK}; }}
h3 {{ font-size: 10pt; font-weight: 600; margin-top: 6px; margin-bottom: 2px; }}
p {{ margin-top: 0; margin-bottom: 5px; }}
.muted {{ color: {MUTED}; }}
.small {{ font-size: 7pt; }}
.rng {{ color: {MUTED}; font-size: 6.5pt; }}
table.grid {{ border-collapse: collapse; }}
table.grid th {{ background-color: {SHADE}; font-weight: 600; font-size: 7pt; text-align: left;
                 border-bottom: 1px solid {RULE}; }}
table.grid td {{ font-size: 7.5pt; border-bottom: 1px solid {RULE}; vertical-align: top; }}
td.num {{ text-align: right; }}
ul {{ margin-top: 0; margin-bottom: 4px; }}
li {{ margin-bottom: 1px; }}
"""


def cell(value: str, rng: str = "", cls: str = "") -> str:
    c = f" class='{cls}'" if cls else ""
    return f"<td{c}>{value}" + (f"<br><span class='rng'>{rng}</span>" if rng else "") + "</td>"


def value_range(rec_range: dict, key: str, fmt) -> str:
    r = rec_range.get(key) or {}
    lo, hi = r.get("low"), r.get("high")
    if lo is None or hi is None:
        return ""
    return f"{fmt(lo)} – {fmt(hi)}"


def table(header: list[tuple[str, bool]], rows: list[str]) -> str:
    def th(h: str, num: bool) -> str:
        width = " width='22%'" if h == "Device" else ""
        return f"<th align='{'right' if num else 'left'}'{width}>{esc(h)}</th>"

    head = "".join(th(h, num) for h, num in header)
    return (f"<table class='grid' width='100%' cellpadding='3' cellspacing='0'><thead><tr>{head}</tr></thead>"
            + "".join(rows) + "</table>")


def device_cell(d: ReportData, i: int) -> str:
    rec = d.records[i]
    tags = [rec["optimized_for"]]
    if rec["pareto"]:
        tags.append("Pareto")
    if i in d.requested:
        tags.append("requested")
    if rec.get("calibrated"):
        tags.append("calibrated")
    return f"<td><b>{esc(rec['device_name'])}</b><br><span class='rng'>{esc(' · '.join(tags))}</span></td>"


def mem_cell(rec: dict) -> str:
    per, have = rec.get("memory_per_device_gb"), rec.get("memory_available_gb")
    fit = "fits" if rec["fits"] else "does not fit"
    text = f"{per:,.1f} / {have:,.0f} GB" if per is not None and have is not None else "n/a"
    return cell(text, fit + (" (assumed RAM)" if rec.get("memory_assumed") else ""), "num")


def num(v, fmt) -> str:
    return fmt(math.nan if v is None else v)

