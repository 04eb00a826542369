"""The PDF recommendation report: what the advisor says about one workload, on paper.

    from ui.report import write_report
    write_report("advice.pdf", workload, devices=["rtx 4090"], page_size="Letter")

The same report comes from `python main.py report ...` and the GUI's Export button. Every
figure is the model's (`Estimates.record`, `advisor.recommend`), formatted as the GUI formats
it, with its low-high range. The charts are drawn by `ui.charts`, the GUI's own chart code,
into the PDF's painter as vector graphics; text is real text (selectable, searchable).

How it is built: `ReportData` gathers everything from `advisor` (no Qt); `_Layout` places a
list of blocks (HTML laid out by QTextDocument, charts drawn from pyqtgraph scenes) on pages
in a first pass, so the second pass can write "Page N of M". The file is written atomically.
No window is ever shown: a QApplication on the offscreen platform is made when none exists.
"""

from __future__ import annotations

import html
import math
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from advisor.errors import BadInput
from ui.charts import fmt_money, fmt_ms, fmt_num

PAGE_SIZES = ("A4", "Letter")
TOP_N = 5  # candidates in the table (plus the devices the user asked for)
DPI = 96  # the painter works in screen pixels, so the GUI's charts keep their proportions
MARGIN_MM = 14.0
HEADER_PX, FOOTER_PX = 30.0, 30.0
GAP_PX = 14.0
FONT_PT = 8.5
INK, MUTED, RULE, SHADE = "#1c2128", "#5f6b7a", "#d3d8df", "#f2f4f7"


# ---- the data (pure advisor, no Qt) --------------------------------------------------------
@dataclass
class ReportData:
    """Everything the report shows, computed once."""

    workload: object
    catalog: object
    table: object
    estimates: object
    ranking: object
    charts: dict
    shown: list[int]  # device indices in the candidates table, in order
    requested: set[int]  # indices the user asked for
    records: dict[int, dict]  # index -> Estimates.record + rank/why/optimized_for
    best_for_phase: dict[str, int]  # 'training'/'inference' -> index (lifecycle workloads)
    machine_text: str
    probe: dict | None
    created: datetime
    calibrated_ids: list[str] = field(default_factory=list)


def _as_workload(workload):
    from advisor.workload import Workload, load_workload

    if isinstance(workload, Workload):
        return workload
    if isinstance(workload, (str, os.PathLike)):
        return load_workload(workload)
    raise BadInput(f"report: expected a workload or a workload file, got {type(workload).__name__}")


def _resolve_devices(catalog, table, devices) -> list[int]:
    ids = list(table.ids)
    out = []
    for d in devices or []:
        dev_id = d if d in ids else catalog.resolve(d)["id"]
        k = ids.index(dev_id)
        if k not in out:
            out.append(k)
    return out


def machine_summary(machine) -> str:
    """One line about the machine the report was made on."""
    if machine is None:
        return "not detected"
    cpu = machine.cpu
    brand = cpu.brand
    if not brand:
        try:
            from advisor.probes.machine import basic_hardware

            brand = basic_hardware()["cpu"]["brand"]
        except Exception:
            brand = platform.processor() or f"{cpu.arch} CPU"
    cores = f"{cpu.cores} cores" if cpu.cores else ""
    threads = f"{cpu.threads} threads" if cpu.threads and cpu.threads != cpu.cores else ""
    bits = [f"{brand} ({', '.join(b for b in (cores, threads) if b) or cpu.arch})", f"{machine.memory_gb:g} GB RAM"]
    if machine.gpus:
        names: dict[str, int] = {}
        for g in machine.gpus:
            label = g.name + (f" {g.memory_gb:.0f} GB" if g.memory_gb else "")
            names[label] = names.get(label, 0) + 1
        bits.append(", ".join(f"{n} x {label}" for label, n in names.items()))
    else:
        bits.append("no GPU detected")
    return f"{platform.node() or 'this machine'}: " + "; ".join(bits)


def _detect(catalog):
    try:
        from advisor.detect import detect_machine

        return detect_machine(catalog, fast=True)
    except Exception:  # detection never stops a report
        return None


def _stored_probe(catalog=None) -> dict | None:
    """This machine's combined probe figures: the same state the GUI's Machine view shows
    (`advisor.calibrations`)."""
    try:
        from advisor.calibrations import load_state

        return load_state(catalog).machine_report
    except Exception:  # a broken history never stops a report
        return None


def build_data(workload, *, catalog=None, devices=None, machine=None, probe=None, calibrations=None) -> ReportData:
    """Compute everything the report shows (no Qt).

    machine: a `MachineInfo`; None detects this machine (fast path). probe: a probe report
    dict; None uses this machine's newest stored run, {} means none. calibrations: device id
    -> Calibration; None uses the stored probe history, as `recommend` does.
    """
    from advisor import sweeps
    from advisor.model.devices import device_table
    from advisor.model.estimate import estimate_table
    from advisor.recommend import classify, rank, reasons

    wl = _as_workload(workload)
    if catalog is None:
        from hardware_db import load_catalog

        catalog = load_catalog()
    if calibrations is None:
        from advisor.calibrations import stored_calibrations

        calibrations = stored_calibrations(catalog)
    table = device_table(catalog)
    requested = _resolve_devices(catalog, table, devices)
    est = estimate_table(wl, table, calibrations=calibrations)
    rk = rank(est)
    charts = sweeps.all_chart_data(wl, table, rk, calibrations=calibrations)
    top = [int(i) for i in rk.order[:6]]
    best = rk.best()
    extra = [i for i in requested if i not in top]
    roof_idx = np.array(top + extra, dtype=int)
    if probe is None:
        probe = _stored_probe(catalog)
    charts["roofline"] = sweeps.roofline(est, roof_idx, _measured_point(probe))
    charts["memory"] = sweeps.memory_breakdown(est, roof_idx[:8])

    position = {int(j): k for k, j in enumerate(rk.order)}
    shown = [int(i) for i in rk.order[:TOP_N]] + [i for i in requested if i not in rk.order[:TOP_N]]
    best_key = rk.key[best] if best is not None else math.nan
    records = {}
    for i in shown:
        rec = est.record(i)
        pos = position.get(i)
        cls, cls_why = classify(table.rows[i])
        rec.update({
            "rank": None if pos is None else pos + 1,
            "score": (round(float(100 * best_key / rk.key[i]), 1) if rk.key[i] > 0 else 100.0) if pos is not None else None,
            "pareto": bool(rk.pareto[i]), "optimized_for": cls, "optimized_for_why": cls_why,
            "why": reasons(rk, i, pos) if pos is not None else [rk.excluded.get(i, "not ranked")],
        })
        records[i] = rec
    best_for_phase = {}
    if rk.phase == "both":
        for phase in ("training", "inference"):
            b = rank(est, phase).best()
            if b is not None:
                best_for_phase[phase] = b
    if machine is None:
        machine = _detect(catalog)
    return ReportData(
        workload=wl, catalog=catalog, table=table, estimates=est, ranking=rk, charts=charts, shown=shown,
        requested=set(requested), records=records, best_for_phase=best_for_phase,
        machine_text=machine_summary(machine), probe=probe or None, created=datetime.now().astimezone(),
        calibrated_ids=[str(table.ids[i]) for i in np.flatnonzero(est.calibrated)],
    )


def _measured_point(probe) -> dict | None:
    cpu = (probe or {}).get("cpu") or {}
    gf, bw = cpu.get("matmul_fp32_gflops"), cpu.get("memory_bandwidth_gbps")
    if not gf or not bw:
        return None
    return {"name": "this machine (measured)", "tflops": gf / 1000, "bandwidth_gbps": bw}


# ---- words ---------------------------------------------------------------------------------
def _e(x) -> str:
    return html.escape(str(x))


def _big(x: float) -> str:
    """2000 -> '2,000'; 1e7 -> '10 million'; 3e11 -> '300 billion'."""
    for v, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if x >= v:
            return f"{x / v:,.3g} {word}"
    return f"{x:,.0f}"


def _days(hours: float) -> str:
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
        s = (f"Serving it: {_big(inf.requests_per_day)} requests a day, {what}, served {batch}, "
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
        data = (f"{_big(tr.tokens)} tokens at sequence length {tr.seq_len:,}" if tr.tokens
                else f"{_big(tr.samples or 0)} samples x {tr.epochs:g} epochs")
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
    bits = [f"Best for {phase} <b>{_e(wl.name or 'this workload')}</b>: <b>{_e(names[best])}</b>"]
    if rk.phase == "training":
        bits.append(f"{fmt_money(p['train_cost_usd'][best])} in {p['time_hours'][best] / 24:,.1f} days")
    else:
        if np.isfinite(p["cost_usd_per_million_tokens"][best]):
            bits.append(f"{fmt_money(p['cost_usd_per_million_tokens'][best])} per 1M tokens")
        bits.append(f"{fmt_ms(p['request_latency_ms'][best])} per request")
    if rk.phase == "both":
        if np.isfinite(p["inference_share"][best]):
            bits.append(f"inference is {p['inference_share'][best]:.0%} of the lifetime cost")
        extra = [f"{ph} alone: {_e(names[b])}" for ph, b in d.best_for_phase.items()]
        if extra:
            bits.append("best for " + "; ".join(extra))
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


def _cell(value: str, rng: str = "", cls: str = "") -> str:
    c = f" class='{cls}'" if cls else ""
    return f"<td{c}>{value}" + (f"<br><span class='rng'>{rng}</span>" if rng else "") + "</td>"


def _range(rec_range: dict, key: str, fmt) -> str:
    r = rec_range.get(key) or {}
    lo, hi = r.get("low"), r.get("high")
    if lo is None or hi is None:
        return ""
    return f"{fmt(lo)} – {fmt(hi)}"


def _table(header: list[tuple[str, bool]], rows: list[str]) -> str:
    def th(h: str, num: bool) -> str:
        width = " width='22%'" if h == "Device" else ""
        return f"<th align='{'right' if num else 'left'}'{width}>{_e(h)}</th>"

    head = "".join(th(h, num) for h, num in header)
    return (f"<table class='grid' width='100%' cellpadding='3' cellspacing='0'><thead><tr>{head}</tr></thead>"
            + "".join(rows) + "</table>")


def _device_cell(d: ReportData, i: int) -> str:
    rec = d.records[i]
    tags = [rec["optimized_for"]]
    if rec["pareto"]:
        tags.append("Pareto")
    if i in d.requested:
        tags.append("requested")
    if rec.get("calibrated"):
        tags.append("calibrated")
    return f"<td><b>{_e(rec['device_name'])}</b><br><span class='rng'>{_e(' · '.join(tags))}</span></td>"


def _mem_cell(rec: dict) -> str:
    per, have = rec.get("memory_per_device_gb"), rec.get("memory_available_gb")
    fit = "fits" if rec["fits"] else "does not fit"
    text = f"{per:,.1f} / {have:,.0f} GB" if per is not None and have is not None else "n/a"
    return _cell(text, fit + (" (assumed RAM)" if rec.get("memory_assumed") else ""), "num")


def _n(v, fmt) -> str:
    return fmt(math.nan if v is None else v)


def candidates_html(d: ReportData) -> list:
    """The candidates table(s): serving and/or training figures with their ranges (HTML), then
    the reasons per device (a (heading, paragraphs, None) flow)."""
    wl, rk = d.workload, d.ranking
    if not d.shown:
        return ["<h2>Top candidates</h2><p>No device in the catalog fits this workload with a known price. "
                "The reasons for each device are in the advisor's Recommendations view "
                "(<i>python main.py recommend --json</i>).</p>"]
    out = []
    intro = (f"<h2>Top candidates</h2><p class='muted'>Ranked by {_e(rk.key_name)}; {len(rk.order)} of "
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
                thr, thr_r = inf["throughput_tokens_per_s"], _range(rg, "throughput_tokens_per_s", fmt_num)
                cost_key = "cost_usd_per_million_tokens"
            else:
                thr, thr_r = inf.get("samples_per_s"), ""
                cost_key = "cost_usd_per_million_requests"
            reps = inf.get("replicas_needed")
            count = f"{inf['count'] if inf['count'] is not None else '–'}"
            reps_text = f"x {reps:,.0f} replicas" if reps and reps > 1 else ""
            rows.append(
                "<tr>" + rank_cell(i) + _device_cell(d, i) + _cell(count, reps_text, "num") + _mem_cell(rec)
                + _cell(_n(inf["request_latency_ms"], fmt_ms), _range(rg, "request_latency_ms", fmt_ms), "num")
                + _cell(_n(thr, fmt_num), thr_r, "num")
                + _cell(_n(inf["energy_wh_per_request"], fmt_num), _range(rg, "energy_wh_per_request", fmt_num), "num")
                + _cell(_n(inf.get(cost_key), fmt_money), _range(rg, cost_key, fmt_money), "num")
                + _cell(_n(inf["cost_usd_per_year"], fmt_money), _range(rg, "cost_usd_per_year", fmt_money), "num")
                + "</tr>")
        title = "<h3>Serving</h3>" if wl.training is not None else ""
        out.append(intro + title + _table(header, rows))
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
                          else f"{_days(lo)} – {_days(hi)}")
            scale = tr.get("scaling_efficiency")
            count = f"{tr['count']:,}" if tr["count"] is not None else "–"
            row = ("<tr>" + rank_cell(i) + _device_cell(d, i)
                   + _cell(count, f"{scale:.0%} scaling" if scale is not None and tr["count"] and tr["count"] > 1 else "",
                           "num")
                   + _mem_cell(rec)
                   + _cell(_days(tr["time_hours"] if tr["time_hours"] is not None else math.nan), t_text, "num")
                   + _cell(_n(tr["cost_usd"], fmt_money), _range(rg, "cost_usd", fmt_money), "num")
                   + _cell(_n(tr["energy_kwh"], fmt_num), _range(rg, "energy_kwh", fmt_num), "num")
                   + _cell(_n(tr["co2_kg"], fmt_num), _range(rg, "co2_kg", fmt_num), "num"))
            if wl.inference is not None:
                share = (rec.get("lifecycle") or {}).get("inference_share")
                row += _cell("n/a" if share is None else f"{share:.0%}", "", "num")
            rows.append(row + "</tr>")
        title = "<h3>Training</h3>" if wl.inference is not None else ""
        out.append(intro + title + _table(header, rows))
    why = []
    for i in d.shown:
        rec = d.records[i]
        label = f"#{rec['rank']}" if rec["rank"] is not None else "not ranked"
        why.append(f"<p><b>{_e(rec['device_name'])}</b> <span class='muted'>({label}; "
                   f"{_e(rec['optimized_for'])}: {_e(rec['optimized_for_why'])})</span><br>"
                   + "; ".join(_e(w) for w in rec["why"]) + "</p>")
    out.append(("<h3>Why each candidate</h3>", why, None))
    return out


def recommendation_html(d: ReportData) -> str:
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
        items = "".join(f"<li>{_e(w)}</li>" for w in reasons(rk_phase, i, pos))
        return (f"<h3>{_e(title)}: {_e(d.table.names[i])}</h3><p class='muted'>{_e(cls)}: {_e(why)}</p>"
                f"<ul>{items}</ul>")

    label = {"inference": "Best for serving", "training": "Best for training",
             "both": "Best over the lifecycle (training + serving)"}[rk.phase]
    parts.append(block(label, rk, best))
    for phase, i in d.best_for_phase.items():
        parts.append(block(f"Best for {phase} alone", rank(d.estimates, phase), i))
    return "".join(parts)


def lifecycle_html(d: ReportData) -> str:
    wl = d.workload
    lc = d.charts.get("lifecycle")
    rows = []
    for i in d.shown:
        life = d.records[i].get("lifecycle") or {}
        rg = d.records[i]["range"].get("lifecycle", {})
        over = life.get("inference_overtakes_month")
        rows.append("<tr>" + _device_cell(d, i)
                    + _cell(_n(life.get("training_cost_usd"), fmt_money), _range(rg, "training_cost_usd", fmt_money), "num")
                    + _cell(_n(life.get("inference_cost_usd"), fmt_money), _range(rg, "inference_cost_usd", fmt_money),
                            "num")
                    + _cell("n/a" if life.get("inference_share") is None else f"{life['inference_share']:.0%}", "", "num")
                    + _cell("n/a" if over is None else f"month {over:,.1f}", "", "num") + "</tr>")
    h = wl.economics.horizon_years
    text = (f"<h2>Lifecycle cost: training against serving</h2><p>Training is paid once; serving is paid every day "
            f"for the {h:g}-year horizon. Over a model's life serving usually dominates (often about 90:10), which is "
            "why hardware that is cheap to run matters more than hardware that trains fast.")
    if lc is not None and np.isfinite(lc["inference_share_at_horizon"]):
        text += (f" On <b>{_e(lc['device'])}</b> training costs {fmt_money(lc['training'][0])} once and serving "
                 f"{fmt_money(lc['inference'][1] if len(lc['inference']) > 1 else math.nan)} a month: at the horizon "
                 f"inference is <b>{lc['inference_share_at_horizon']:.0%}</b> of the lifetime cost")
        over = lc["overtakes_month"]
        text += f", and overtakes training in month <b>{over:.1f}</b>." if np.isfinite(over) else "."
    text += "</p>"
    header = [("Device", False), ("Training (once)", True), (f"Serving ({h:g} y)", True), ("Inference share", True),
              ("Serving overtakes", True)]
    return text + _table(header, rows)


def probe_html(d: ReportData) -> str:
    out = [f"<h2>This machine</h2><p>{_e(d.machine_text)}</p>"]
    pr = d.probe
    if not pr:
        out.append("<p class='muted'>No probe of this machine is stored, so no measured figures are shown and the "
                   "estimates use the default efficiency factors. Run <i>python main.py probe</i> (or Probe in the "
                   "app) to measure it.</p>")
        return "".join(out)
    when = pr.get("timestamp") or "unknown time"
    kind = "quick" if pr.get("quick") else "full"
    out.append(f"<p>Measured by a {kind} probe run at {_e(when)} (app {_e(pr.get('app_version', '?'))}, "
               f"{fmt_num(pr.get('duration_s') or math.nan)} s).</p>")
    rows = []
    cpu = pr.get("cpu") or {}
    for key, label, unit in (("matmul_fp32_gflops", "CPU matmul FP32", "GFLOP/s"),
                             ("matmul_fp64_gflops", "CPU matmul FP64", "GFLOP/s"),
                             ("memory_bandwidth_gbps", "CPU memory bandwidth (read + write)", "GB/s")):
        if isinstance(cpu.get(key), (int, float)):
            rows.append(f"<tr><td>{label}</td>{_cell(fmt_num(cpu[key], unit), '', 'num')}</tr>")
    lat = cpu.get("latency_by_batch") or {}
    if isinstance(lat, dict) and lat:
        bits = []
        def batch_number(item):
            try:
                return float(item[0])
            except (TypeError, ValueError):
                return math.inf

        for b, v in sorted(lat.items(), key=batch_number)[:8]:
            if isinstance(v, dict) and isinstance(v.get("latency_ms"), (int, float)):
                bits.append(f"batch {b}: {fmt_ms(v['latency_ms'])}")
        if bits:
            rows.append(f"<tr><td>CPU MLP-block latency</td><td class='num'>{', '.join(bits)}</td></tr>")
    for g in pr.get("gpus") or []:
        if not isinstance(g, dict):
            continue
        name = g.get("name", f"GPU {g.get('index', '')}")
        for prec, v in (g.get("matmul_tflops") or {}).items():
            if isinstance(v, (int, float)):
                rows.append(f"<tr><td>{_e(name)} matmul {_e(prec.upper())}</td>{_cell(fmt_num(v, 'TFLOP/s'), '', 'num')}</tr>")
        if isinstance(g.get("memory_bandwidth_gbps"), (int, float)):
            rows.append(f"<tr><td>{_e(name)} memory bandwidth (copy)</td>"
                        f"{_cell(fmt_num(g['memory_bandwidth_gbps'], 'GB/s'), '', 'num')}</tr>")
        if isinstance(g.get("power_w_under_matmul"), (int, float)):
            rows.append(f"<tr><td>{_e(name)} power under matmul</td>"
                        f"{_cell(fmt_num(g['power_w_under_matmul'], 'W'), '', 'num')}</tr>")
    if rows:
        out.append(_table([("Probe figure", False), ("Measured", True)], rows))
    if d.calibrated_ids:
        out.append(f"<p class='muted'>Measured efficiencies replace the defaults for: {_e(', '.join(d.calibrated_ids))}."
                   "</p>")
    return "".join(out)


def assumptions_html(d: ReportData) -> str:
    from advisor.model import efficiency as E

    e = d.workload.economics
    rows = []
    for name, f in vars(E).items():
        if isinstance(f, E.Factor):
            is_time = name.endswith("_S_PER_LAYER")

            def show(v, is_time=is_time):
                return f"{v * 1e6:g} us" if is_time else f"{v:.0%}"

            label = name.lower().replace("_s_per_layer", "_per_layer").replace("_", " ")
            rows.append(f"<tr><td>{_e(label)}</td>"
                        f"<td class='num'>{show(f.low)}</td><td class='num'><b>{show(f.point)}</b></td>"
                        f"<td class='num'>{show(f.high)}</td><td>{_e(f.why)}</td></tr>")
    consts = [
        ("scaling loss per doubling of devices", f"{E.SCALING_LOSS_FAST:.0%} with a fast interconnect "
         f"(>= {E.FAST_INTERCONNECT_GBPS} GB/s), {E.SCALING_LOSS_PCIE:.0%} over PCIe"),
        ("tensor-parallel loss per doubling", f"{E.TP_LOSS_FAST:.0%} fast interconnect, {E.TP_LOSS_PCIE:.0%} PCIe"),
        ("idle power when not published", f"{E.IDLE_FRACTION_OF_TDP:.0%} of TDP"),
        ("memory headroom", f"{E.USABLE_MEMORY_FRACTION:.0%} of a device is usable; {E.RUNTIME_OVERHEAD_GB:g} GB "
         f"runtime per device + {E.RUNTIME_OVERHEAD_FRACTION:.0%} fragmentation"),
    ]
    econ = [
        ("pricing", "rented: catalog on-demand cloud price per device-hour" if e.mode == "cloud"
         else f"owned: launch price over {e.amortization_years:g} years + electricity"),
        ("electricity", f"{fmt_money(e.electricity_usd_per_kwh)} per kWh"),
        ("PUE (facility overhead)", f"{e.pue:g}"),
        ("carbon intensity", f"{e.carbon_kg_per_kwh:g} kg CO2 per kWh"),
        ("serving utilisation target", f"{e.target_utilization:.0%}"),
        ("horizon", f"{e.horizon_years:g} year(s)"),
    ]
    out = ["<h2>Assumptions</h2><p class='muted'>What fraction of a datasheet peak real software reaches. Every "
           "estimate is computed with the low, default and high values; the ranges in this report come from them. "
           "A probe of a device replaces them for that device.</p>",
           _table([("Efficiency factor", False), ("Low", True), ("Default", True), ("High", True), ("Basis", False)],
                  rows),
           "<h3>Other model constants</h3>",
           _table([("Constant", False), ("Value", False)],
                  [f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in consts]),
           "<h3>Economics of this workload</h3>",
           _table([("Setting", False), ("Value", False)],
                  [f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in econ])]
    return "".join(out)


def prices_html(d: ReportData) -> str:
    rows = []
    for i in d.shown:
        r = d.table.rows[i]
        cloud = r.get("cloud_usd_per_hour", math.nan)
        launch = r.get("launch_price_usd", math.nan)
        year = r.get("release_year", math.nan)
        rows.append(f"<tr><td>{_e(r['name'])}</td>"
                    + _cell(fmt_money(cloud) + "/h" if np.isfinite(cloud) else "none", "", "num")
                    + _cell(_e(r.get("cloud_price_seen") or "–"), "", "num")
                    + _cell(fmt_money(launch) if np.isfinite(launch) else "none", "", "num")
                    + _cell(f"{year:.0f}" if isinstance(year, float) and np.isfinite(year) else "–", "", "num")
                    + "</tr>")
    return ("<h3>Prices used, with their dates</h3><p class='muted'>Cloud prices are on-demand per device-hour as "
            "seen in the month shown; launch prices are list prices at release.</p>"
            + _table([("Device", False), ("Cloud price", True), ("Price seen", True), ("Launch price", True),
                      ("Released", True)], rows))


def sources_html(d: ReportData) -> list[tuple[str, list[str], list]]:
    """The source of every catalog row used, as (heading, table rows, header) flows."""
    named = list(dict.fromkeys([*d.shown, *map(int, d.ranking.order[:12])]))
    for key in ("roofline", "memory"):
        named += [d.estimates.index_of(x) for x in d.charts[key]["ids"] if x in set(d.table.ids)]
    named = list(dict.fromkeys(named))
    others = [int(i) for i in d.ranking.order if int(i) not in set(named)]

    def rows(idx):
        out = []
        for i in idx:
            r = d.table.rows[i]
            urls = "<br>".join(_e(u.strip()) for u in str(r.get("source") or "no source").split("|") if u.strip())
            out.append(f"<tr><td width='26%'><b>{_e(r['name'])}</b><br><span class='rng'>{_e(r['id'])} · "
                       f"{_e(r.get('file', ''))}</span></td><td class='small'>{urls}</td></tr>")
        return out

    head = ("<h2>Sources</h2><p class='muted'>Where each catalog row's figures come from (datasheets and vendor "
            "pages). First the devices named in this report, then the other devices plotted in the cost chart.</p>")
    header = [("Device", False), ("Source", False)]
    out = [(head, rows(named), header)]
    if others:
        out.append(("<h3>Other devices in the cost chart</h3>", rows(others), header))
    return out


# ---- Qt: the application, blocks and layout -----------------------------------------------
def ensure_app():
    """The running QApplication, or a new one on the offscreen platform (no window, no display).

    pyqtgraph's plots are QGraphicsWidgets, so a QApplication (not only a QGuiApplication) is
    needed. With no application yet and no platform chosen, the offscreen platform is used: a
    report never needs a display.
    """
    if not os.environ.get("QT_QPA_PLATFORM"):
        from PySide6.QtCore import QCoreApplication

        if QCoreApplication.instance() is None:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "hwadvisor"])
    elif not isinstance(app, QApplication):
        raise RuntimeError("the PDF report needs a QApplication (pyqtgraph draws its charts with widgets)")
    return app


class _Html:
    """Flowing text laid out by a QTextDocument at the body width."""

    def __init__(self, html_text: str, width: float, font, device):
        from PySide6.QtGui import QTextDocument, QTextOption

        self.doc = QTextDocument()
        self.doc.documentLayout().setPaintDevice(device)
        self.doc.setDefaultFont(font)
        self.doc.setDefaultStyleSheet(CSS)
        self.doc.setDocumentMargin(0)
        opt = QTextOption()
        opt.setWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.doc.setDefaultTextOption(opt)
        self.doc.setHtml(html_text)
        self.doc.setTextWidth(width)
        self.height = self.doc.size().height()

    def paint(self, painter, x: float, y: float) -> None:
        from PySide6.QtCore import QRectF

        painter.save()
        painter.translate(x, y)
        self.doc.drawContents(painter, QRectF(0, 0, self.doc.textWidth(), self.height + 1))
        painter.restore()


class _Chart:
    """One row of pyqtgraph plots drawn by `ui.charts`, rendered into the painter as vectors."""

    def __init__(self, draws, width: float, height: float):
        self.draws = draws  # [callable(plot)], one per plot in the row
        self.width, self.height = width, height

    def paint(self, painter, x: float, y: float) -> None:
        import pyqtgraph as pg
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QPainter, QPicture
        from PySide6.QtWidgets import QApplication

        from ui.theme import LIGHT

        w, h = int(round(self.width)), int(round(self.height))
        view = pg.GraphicsLayoutWidget()
        try:
            view.setBackground(LIGHT.chart_bg)
            view.resize(w, h)
            # Plots are stacked (the GUI puts pairs side by side: too narrow on a portrait page).
            plots = [view.addPlot(row=k, col=0) for k in range(len(self.draws))]
            for plot, draw in zip(plots, self.draws):
                plot.setMenuEnabled(False)
                plot.hideButtons()
                draw(plot)
            # The view is never shown: lay it out by hand (what a resize on screen would do).
            # Axes size themselves to their tick labels while painting, so paint once to a
            # throw-away picture, let the layout settle, then paint for real.
            view.resizeEvent(None)
            QApplication.processEvents()
            scene = view.scene()
            scratch = QPicture()
            p = QPainter(scratch)
            scene.render(p, QRectF(0, 0, w, h), QRectF(0, 0, w, h))
            p.end()
            QApplication.processEvents()
            view.resizeEvent(None)
            QApplication.processEvents()
            items = [it for it in scene.items() if hasattr(it, "setExportMode")]
            for it in items:  # vector symbols instead of cached pixmaps (pyqtgraph's exporters do this)
                it.setExportMode(True, {"antialias": True, "background": pg.mkColor(LIGHT.chart_bg),
                                        "painter": painter})
            try:
                scene.render(painter, QRectF(x, y, self.width, self.height), QRectF(0, 0, w, h))
            finally:
                for it in items:
                    it.setExportMode(False)
        finally:
            view.close()
            view.deleteLater()


class _Group:
    """Blocks kept together on one page (a heading with its chart and caption)."""

    def __init__(self, blocks, gap: float = 4.0):
        self.blocks, self.gap = blocks, gap
        self.height = sum(b.height for b in blocks) + gap * (len(blocks) - 1)

    def paint(self, painter, x: float, y: float) -> None:
        for b in self.blocks:
            b.paint(painter, x, y)
            y += b.height + self.gap


class _PageBreak:
    height = 0.0


class _Flow:
    """A heading and rows (table rows under a repeated header, or paragraphs) that may split
    across pages between rows."""

    def __init__(self, make, prefix: str, rows: list[str], header: list[tuple[str, bool]] | None = None):
        self.make, self.prefix, self.rows, self.header = make, prefix, rows, header
        base = self.make(self._html([], True)).height
        self.base_h = {True: base, False: self.make(self._html([], False)).height}
        self.row_h = [max(1.0, self.make(self._html([r], False)).height - self.base_h[False]) for r in rows]
        self.height = self.make(self._html(rows, True)).height

    def _html(self, rows: list[str], with_prefix: bool) -> str:
        body = _table(self.header, rows) if self.header else "".join(rows)
        return (self.prefix if with_prefix else "") + body

    def piece(self, start: int, space: float) -> tuple[_Html | None, int]:
        """The longest run of rows from `start` that fits `space` (None when not even one does)."""
        first = start == 0
        total, end = self.base_h[first], start
        while end < len(self.rows) and total + self.row_h[end] <= space:
            total += self.row_h[end]
            end += 1
        while end > start:
            block = self.make(self._html(self.rows[start:end], first))
            if block.height <= space:
                return block, end
            end -= 1  # the estimate was short: one row fewer
        return None, start


class _Layout:
    """Places blocks on pages top to bottom; a block that does not fit starts a new page."""

    def __init__(self, body_height: float):
        self.body_height = body_height
        self.pages: list[list[tuple[object, float]]] = [[]]
        self.y = 0.0

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = 0.0

    def add(self, block) -> None:
        if isinstance(block, _PageBreak):
            if self.pages[-1]:
                self._new_page()
            return
        if isinstance(block, _Flow):
            start = 0
            while start < len(block.rows) or start == 0:
                gap = GAP_PX if self.pages[-1] else 0.0
                piece, end = block.piece(start, self.body_height - self.y - gap)
                if piece is None:
                    if not self.pages[-1]:  # one row taller than a page: place it clipped
                        piece, end = block.make(block._html(block.rows[start:start + 1], start == 0)), start + 1
                        piece.height = min(piece.height, self.body_height)
                    else:
                        self._new_page()
                        continue
                self.pages[-1].append((piece, self.y + gap))
                self.y += gap + piece.height
                if end >= len(block.rows):
                    return
                start = end
                self._new_page()
            return
        gap = GAP_PX if self.pages[-1] else 0.0
        if self.pages[-1] and self.y + gap + block.height > self.body_height:
            self.pages.append([])
            self.y, gap = 0.0, 0.0
        if block.height > self.body_height:  # taller than a page: it is clipped (kept short by design)
            block.height = self.body_height
        self.pages[-1].append((block, self.y + gap))
        self.y += gap + block.height


def _chart_caption(d: ReportData, key: str) -> str:
    c = d.charts
    if key == "cost_vs_latency":
        cvl = c["cost_vs_latency"]
        front = [str(n) for n, f in zip(cvl["names"], cvl["pareto"]) if f]
        return (f"{len(cvl['ids'])} devices that fit and have a price. Pareto front (green, labelled): "
                f"{_e(', '.join(front[:6]) or 'none')}{'…' if len(front) > 6 else ''}: no other device is cheaper, "
                "faster and more frugal at once (the dashed staircase: cost and latency alone).")
    if key == "energy":
        return ("Energy at the wall for the top-ranked devices (average power incl. idle time between requests, times "
                "the facility's PUE). Serving pays it on every request; training pays it once.")
    if key == "lifecycle":
        lc = c["lifecycle"]
        over, share = lc["overtakes_month"], lc["inference_share_at_horizon"]
        return (f"On {_e(lc['device'])}: training costs {fmt_money(lc['training'][0])} once; serving costs "
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
        return (f"On {_e(b['device'])} ({b['count']} device{'s' if b['count'] != 1 else ''} per replica): batch 1 "
                f"answers in {fmt_ms(b['latency_ms'][0])}; batch {int(b['batch'][-1])} in {fmt_ms(b['latency_ms'][-1])} "
                f"at {b['throughput'][-1] / max(b['throughput'][0], 1e-12):.0f}x the throughput. Red points do not "
                "fit in memory.")
    return ""


def _chart_specs(d: ReportData) -> list[tuple[str, str, list]]:
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


def _page_size(page_size: str):
    from PySide6.QtGui import QPageSize

    key = str(page_size).strip().lower()
    if key == "a4":
        return QPageSize(QPageSize.A4), "A4"
    if key in ("letter", "us letter", "usletter"):
        return QPageSize(QPageSize.Letter), "Letter"
    raise BadInput(f"page size must be A4 or Letter, got {page_size!r}")


def check_output_path(path) -> Path:
    """Reject an output path that cannot be written, before any work (BadInput, one line)."""
    target = Path(path)
    if str(path).strip() == "":
        raise BadInput("--out: empty file name")
    if target.is_dir():
        raise BadInput(f"{target}: cannot write the report: it is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(f"{target}: cannot write the report: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"{target}: cannot write the report: permission denied in {folder}")
    if target.exists() and not os.access(target, os.W_OK) and not os.access(folder, os.W_OK):
        raise BadInput(f"{target}: cannot write the report: permission denied")
    return target


def write_report(path, workload, *, catalog=None, devices: list[str] | None = None, page_size: str = "A4",
                 machine=None, probe=None, calibrations=None) -> Path:
    """Write the recommendation report for `workload` as a PDF at `path` (atomically).

    Args:
        path: the PDF to write; an unwritable path raises BadInput and leaves nothing behind.
        workload: a `Workload`, or the path of a workload file.
        catalog: the catalog (default: built-in + the user's overlay).
        devices: catalog ids or names to compare in addition to the top candidates.
        page_size: "A4" or "Letter".
        machine: `MachineInfo` of this machine (default: detected, fast path).
        probe: a probe report dict (default: this machine's newest stored run; {} for none).
        calibrations: device id -> Calibration (default: the stored probe history).

    Returns the path written.
    """
    return write_report_info(path, workload, catalog=catalog, devices=devices, page_size=page_size,
                             machine=machine, probe=probe, calibrations=calibrations)[0]


def write_report_info(path, workload, **kw) -> tuple[Path, int]:
    """`write_report`, also returning the number of pages."""
    from advisor.atomic import atomic_path

    target = check_output_path(path)
    size, size_name = _page_size(kw.pop("page_size", "A4"))
    data = build_data(workload, **kw)
    ensure_app()
    mode = _file_mode(target)
    with atomic_path(target) as tmp:
        pages = _render(data, tmp, size, size_name)
        os.chmod(tmp, mode)  # the temporary file is private (0600); a report is for sharing
    return target, pages


def _file_mode(target: Path) -> int:
    """The replaced file's permissions, or what a new file gets under the umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _render(d: ReportData, out: Path, page_size, size_name: str) -> int:
    from PySide6.QtCore import QMarginsF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QPageLayout, QPainter, QPdfWriter, QPen

    from advisor import __version__

    writer = QPdfWriter(str(out))
    writer.setResolution(DPI)
    writer.setPageSize(page_size)
    writer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Millimeter)
    wl = d.workload
    writer.setTitle(f"Hardware advice: {wl.name or 'workload'}")
    writer.setCreator(f"hwadvisor {__version__}")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot open {out} for writing")
    try:
        width, height = float(writer.width()), float(writer.height())
        font = QFont("DejaVu Sans") if "DejaVu Sans" in QFontDatabase.families() else QFont()
        font.setPointSizeF(FONT_PT)
        body_top = HEADER_PX
        body_h = height - HEADER_PX - FOOTER_PX

        device = writer

        def html_block(text: str) -> _Html:
            return _Html(text, width, font, device)

        date = d.created.strftime("%Y-%m-%d %H:%M %Z").strip()
        title = (f"<p class='muted' style='font-size:9pt'>Hardware advisor · recommendation report</p>"
                 f"<h1>{_e(wl.name or 'Unnamed workload')}</h1>"
                 + (f"<p style='font-size:10pt'>{_e(wl.description)}</p>" if wl.description else "")
                 + "<table cellpadding='2' cellspacing='0' style='margin-top:6px'>"
                 + "".join(f"<tr><td class='muted'>{k}</td><td>{v}</td></tr>" for k, v in (
                     ("Date", _e(date)), ("App version", f"hwadvisor {_e(__version__)}"),
                     ("Run on", _e(d.machine_text)),
                     ("Catalog", f"{len(d.estimates)} devices; {len(d.ranking.order)} fit this workload and have a "
                                 f"price ({_e(wl.economics.mode)} pricing)"),
                     ("Phase", {"inference": "serving (inference)", "training": "training",
                                "both": "training + serving (a lifecycle)"}[d.ranking.phase]),
                     ("Paper", size_name)))
                 + "</table>")
        words = "<h2>The workload in plain words</h2>" + "".join(f"<p>{_e(s)}</p>" for s in workload_words(wl))
        def flow(item):
            if isinstance(item, str):
                return html_block(item)
            prefix, rows, header = item
            return _Flow(html_block, prefix, rows, header) if rows else html_block(prefix)

        blocks: list = [html_block(title), html_block(words), html_block(recommendation_html(d))]
        blocks += [flow(h) for h in candidates_html(d)]
        if wl.training is not None and wl.inference is not None and d.shown:
            lc_blocks = [html_block(lifecycle_html(d))]
            if "lifecycle" in d.charts:
                draw = next(s for s in _chart_specs(d) if s[0] == "lifecycle")[2]
                lc_blocks.append(_Chart(draw, width, round(width * 0.5)))
                lc_blocks.append(html_block(f"<p class='muted'>{_chart_caption(d, 'lifecycle')}</p>"))
            blocks.append(_Group(lc_blocks))
        first = True
        for key, heading, draws in _chart_specs(d):
            if key == "lifecycle":
                continue
            h = round(width * (0.8 if len(draws) > 1 else 0.5))
            if key in ("energy", "memory"):
                n = len(d.charts[key]["ids"])
                floor = 250 if key == "memory" else width * 0.28  # the memory legend has up to 7 entries
                h = round(min(width * 0.5, max(floor, 80 + 21 * n)) * len(draws))
            head = ("<h2>Trade-off charts</h2><p class='muted'>Drawn by the app's own chart code from the same "
                    "figures as the tables.</p>" if first else "") + f"<h3>{_e(heading)}</h3>"
            first = False
            blocks.append(_Group([html_block(head), _Chart(draws, width, h),
                                  html_block(f"<p class='muted'>{_chart_caption(d, key)}</p>")]))
        blocks.append(html_block(probe_html(d)))
        blocks.append(html_block(assumptions_html(d)))
        if d.shown:
            blocks.append(html_block(prices_html(d)))
        blocks.append(_PageBreak())
        blocks += [flow(h) for h in sources_html(d)]

        layout = _Layout(body_h)
        for b in blocks:
            layout.add(b)
        total = len(layout.pages)
        small = QFont(font)
        small.setPointSizeF(7.5)
        header_left = f"Hardware advisor · {wl.name or 'workload'}"
        for n, page in enumerate(layout.pages, start=1):
            if n > 1:
                writer.newPage()
            painter.setFont(small)
            painter.setPen(QColor(MUTED))
            painter.drawText(QRectF(0, 0, width * 0.7, HEADER_PX - 10), Qt.AlignLeft | Qt.AlignBottom,
                             painter.fontMetrics().elidedText(header_left, Qt.ElideRight, int(width * 0.7)))
            painter.drawText(QRectF(width * 0.5, 0, width * 0.5, HEADER_PX - 10), Qt.AlignRight | Qt.AlignBottom,
                             d.created.strftime("%Y-%m-%d"))
            painter.setPen(QPen(QColor(RULE), 0.8))
            painter.drawLine(0, HEADER_PX - 6, width, HEADER_PX - 6)
            painter.drawLine(0, height - FOOTER_PX + 6, width, height - FOOTER_PX + 6)
            painter.setPen(QColor(MUTED))
            painter.drawText(QRectF(0, height - FOOTER_PX + 10, width * 0.7, FOOTER_PX - 10),
                             Qt.AlignLeft | Qt.AlignTop, f"hwadvisor {__version__} · model estimates with low–high ranges")
            painter.drawText(QRectF(width * 0.5, height - FOOTER_PX + 10, width * 0.5, FOOTER_PX - 10),
                             Qt.AlignRight | Qt.AlignTop, f"Page {n} of {total}")
            for block, y in page:
                block.paint(painter, 0.0, body_top + y)
    finally:
        painter.end()
    device = writer = None  # noqa: F841 - drops the writer: closes the file before it is renamed
    return total


# ---- for benchmarks/run.py ------------------------------------------------------------------
def time_report(workload=None, *, page_size: str = "A4", catalog=None) -> float:
    """Seconds to write one full report (default: the lifecycle preset: both phases, every
    chart) to a temporary file, in this process. For `benchmarks/run.py --json` (report_pdf_s)."""
    if workload is None:
        from advisor.presets import get_preset

        workload = get_preset("lifecycle_2m_training_18m_serving").workload
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_report(Path(tmp) / "report.pdf", workload, catalog=catalog, page_size=page_size)
        return time.perf_counter() - t0
