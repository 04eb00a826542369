"""Rank the catalog for a workload, mark the Pareto front and say why, in the terms of the
training-vs-inference trade-off.

Training is a one-time, compute- and memory-hungry job: ranked by what the run costs, then by
time. Inference runs every day at small batches: ranked by cost per 1M tokens (per 1M
requests for non-token models) within the latency target, then by energy per request. A
lifecycle (both phases) is ranked by the hardware cost of training plus serving over the
horizon, and names the best device for each phase on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from advisor.model.calibration import Calibration
from advisor.model.devices import DeviceTable, device_table
from advisor.model.estimate import Estimates, estimate_table
from advisor.workload import Workload

TRAINING, INFERENCE = "training-optimized", "inference-optimized"
NO_PRICE = {
    "cloud": "no cloud price in the catalog (economics.mode is cloud; set it to owned to compare purchases)",
    "owned": "no launch price in the catalog (economics.mode is owned; set it to cloud to compare rentals)",
}


def classify(row: dict) -> tuple[str, str]:
    """Training- or inference-optimized, from the datasheet alone, with the reason.

    Training wants capacity for weights+gradients+optimizer state (HBM, >= 64 GB), fast
    device-to-device links for gradient all-reduce, and dense 16-bit throughput. Inference
    wants low power around the clock, low-precision (INT8/FP8/INT4) math, and bandwidth
    per FLOP for small-batch decode.
    """
    t_pts, i_pts = 0, 0
    t_why: list[str] = []
    i_why: list[str] = []
    mem, bw = row.get("memory_gb", math.nan), row.get("memory_bandwidth_gbps", math.nan)
    link, tdp = row.get("interconnect_gbps", math.nan), row.get("tdp_w", math.nan)
    bf16 = row.get("bf16_tflops", math.nan)
    low_prec = np.nanmax([row.get("int8_tops", math.nan), row.get("fp8_tflops", math.nan), -1.0])
    mtype = (row.get("memory_type") or "").upper()
    name = f"{row.get('id', '')} {row.get('name', '')}".lower()
    if mem >= 64 and mtype.startswith("HBM"):
        t_pts += 2
        t_why.append(f"{mem:g} GB {row.get('memory_type')} holds training state")
    if link >= 300:
        t_pts += 2
        t_why.append(f"{link:g} GB/s {row.get('interconnect') or 'interconnect'} for gradient all-reduce")
    if bf16 >= 300:
        t_pts += 1
        t_why.append(f"{bf16:g} dense BF16 TFLOPS")
    if "trainium" in name:
        t_pts += 3
        t_why.append("designed for training")
    if "inferentia" in name:
        i_pts += 3
        i_why.append("designed for inference")
    if tdp <= 150:
        i_pts += 2
        i_why.append(f"{tdp:g} W: cheap to run around the clock")
    if bf16 > 0 and low_prec >= 1.9 * bf16:
        i_pts += 1
        i_why.append(f"INT8/FP8 at {low_prec / bf16:.0f}x the BF16 rate")
    if row.get("segment") == "edge":
        i_pts += 2
        i_why.append("edge device")
    if mem <= 24:
        i_pts += 1
        i_why.append(f"{mem:g} GB: fits quantised models, not training state")
    if row.get("kind") == "cpu":
        i_pts += 1
        i_why.append("general-purpose cores: small-batch inference, no training at scale")
    if bf16 > 0 and bw / bf16 >= 6:
        i_pts += 1
        i_why.append(f"{bw / bf16:.0f} GB/s of bandwidth per BF16 TFLOP favours decode")
    if t_pts == 0 and i_pts == 0:
        return (TRAINING, "large memory") if mem >= 48 else (INFERENCE, "modest memory and compute")
    if t_pts > i_pts or (t_pts == i_pts and mem >= 48):
        return TRAINING, "; ".join(t_why[:3]) or "capacity and compute"
    return INFERENCE, "; ".join(i_why[:3]) or "efficiency over raw compute"


def pareto_front(objectives: np.ndarray) -> np.ndarray:
    """True for rows no other row beats or matches on every objective (lower is better)."""
    n = len(objectives)
    if n == 0:
        return np.zeros(0, dtype=bool)
    a = objectives[:, None, :]
    b = objectives[None, :, :]
    dominated = np.all(b <= a, axis=2) & np.any(b < a, axis=2)
    return ~dominated.any(axis=1)


@dataclass
class Ranking:
    """Candidates in rank order, with the estimates they came from."""

    estimates: Estimates
    phase: str
    order: np.ndarray  # indices into estimates, best first (only fitting, priced devices)
    key: np.ndarray  # the ranking figure per device (lower is better)
    key_name: str
    pareto: np.ndarray  # per device
    excluded: dict[int, str]  # index -> reason

    def best(self) -> int | None:
        return int(self.order[0]) if len(self.order) else None


def _phase_key(est: Estimates, phase: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(primary key, tie-break key, name) for ranking one phase, lower is better."""
    p = est.point
    wl = est.workload
    if phase == "training":
        return p["train_hardware_cost_usd"], p["time_hours"], "training cost (USD)"
    tokens = (wl.inference.prompt_tokens + wl.inference.output_tokens) if wl.model.family == "transformer" else 0
    per_day = p["hardware_cost_usd_per_day"]
    if tokens:
        key = per_day / (wl.inference.requests_per_day * tokens) * 1e6
        name = "hardware cost per 1M tokens (USD)"
    else:
        key = per_day / wl.inference.requests_per_day * 1e6
        name = "hardware cost per 1M requests (USD)"
    if phase == "inference":
        return key, p["energy_wh_per_request"], name
    life = p["train_hardware_cost_usd"] + per_day * 365 * wl.economics.horizon_years
    return life, p["energy_wh_per_request"], "lifecycle hardware cost (USD)"


def rank(est: Estimates, phase: str | None = None) -> Ranking:
    """Rank the devices of `est` for `phase` ('training' | 'inference' | 'both')."""
    wl = est.workload
    phase = phase or wl.phase
    p = est.point
    n = len(est)
    excluded: dict[int, str] = {}
    ok = np.ones(n, dtype=bool)
    key, tie, key_name = _phase_key(est, phase)

    speed = p["time_hours"] if phase == "training" else (
        p["request_latency_ms"] if phase == "inference" else p["request_latency_ms"] + p["time_hours"])

    def no_price_for(i: int) -> bool:
        return bool((phase != "training" and p["price_basis"][i] == "unknown")
                    or (phase != "inference" and p["train_price_basis"][i] == "unknown"))

    for i in range(n):
        reason = None
        if np.isnan(est.table.memory_gb[i]):
            reason = "the catalog has no memory size for it"
        elif phase in ("inference", "both") and not p["inf_fits"][i]:
            need = p["inf_memory_required_gb"][i]
            reason = (f"does not fit: the model needs {need:.0f} GB, more than one replica of these "
                      f"{est.table.memory_gb[i]:g} GB devices can hold" if np.isnan(p["inf_devices"][i])
                      else f"does not fit in {int(p['inf_devices'][i])} x {est.table.memory_gb[i]:g} GB")
        elif phase in ("training", "both") and not p["train_fits"][i]:
            reason = (f"training does not fit: activations alone exceed {est.table.memory_gb[i]:g} GB per device "
                      "(try activation checkpointing or a smaller micro-batch)"
                      if np.isnan(p["train_min_devices_to_fit"][i])
                      else f"training does not fit on {int(p['train_devices'][i])} device"
                      + ("" if int(p['train_devices'][i]) == 1 else "s"))
        elif not np.isfinite(speed[i]) or (not np.isfinite(key[i]) and not no_price_for(i)):
            reason = "the catalog lacks the peak figures needed to estimate it"
        elif phase in ("inference", "both") and not p["meets_latency_slo"][i]:
            reason = f"misses the latency target: {p['request_latency_ms'][i]:,.0f} ms > {wl.inference.latency_slo_ms:,.0f} ms"
        elif not np.isfinite(key[i]):
            reason = NO_PRICE[wl.economics.mode]
        if reason:
            excluded[i] = reason
            ok[i] = False
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((tie[idx], key[idx]))]
    pareto = np.zeros(n, dtype=bool)
    if len(idx):
        if phase == "training":
            objs = np.column_stack([key, p["time_hours"], p["energy_kwh"]])
        else:
            objs = np.column_stack([key, p["request_latency_ms"], p["energy_wh_per_request"]])
        pareto[idx] = pareto_front(objs[idx])
    return Ranking(est, phase, order, key, key_name, pareto, excluded)


def _money(x: float) -> str:
    if not np.isfinite(x):
        return "unknown"
    if x >= 1e6:
        return f"${x / 1e6:,.2f}M"
    if x >= 1000:
        return f"${x:,.0f}"
    return f"${x:,.2f}" if x >= 0.1 else f"${x:.2g}"


def reasons(rk: Ranking, i: int, position: int | None) -> list[str]:
    """Short reasons for device `i`, in the training-vs-inference terms."""
    est, p, t, wl = rk.estimates, rk.estimates.point, rk.estimates.table, rk.estimates.workload
    why: list[str] = []
    if position == 0:
        why.append(f"lowest {rk.key_name.split(' (')[0]} of the devices that fit")
    if rk.pareto[i] and position != 0:
        why.append("Pareto-optimal: nothing else is cheaper, faster and more frugal at once")
    if wl.inference is not None and rk.phase != "training":
        mem = p["inf_memory_required_gb"][i]
        if not np.isfinite(p["inf_devices"][i]) or not p["inf_fits"][i]:
            why.append(f"cannot hold the model ({mem:.0f} GB at {wl.inference.precision})")
        else:
            n = int(p["inf_devices"][i])
            why.append(f"holds the model ({mem:.0f} GB at {wl.inference.precision}) on "
                       + ("1 device" if n == 1 else f"{n} devices (tensor parallel)"))
        if (wl.model.family == "transformer" and wl.inference.output_tokens
                and np.isfinite(p["decode_tokens_per_s"][i])):  # unknown without the peak figures: say nothing
            if p["bound_compute"][i]:
                why.append(f"decode is compute-bound at batch {wl.inference.batch_size}: "
                           f"{p['throughput_tokens_per_s'][i]:,.0f} tokens/s per replica")
            else:
                bw = f"{t.bandwidth_gbps[i]:,.0f} GB/s gives " if np.isfinite(t.bandwidth_gbps[i]) else ""
                why.append(f"decode is memory-bound at batch {wl.inference.batch_size}: "
                           f"{bw}{p['decode_tokens_per_s'][i]:,.0f} tokens/s per stream")
        used = p["compute_precision_used"][i]
        want = {"int4": "int4", "int8": "int8", "fp8": "fp8"}.get(wl.inference.precision)
        if want and used and used != want:
            why.append(f"no native {want.upper()} math: runs at the {used.upper()} rate")
        elif want:
            why.append(f"native {want.upper()} math")
        if np.isfinite(p["energy_wh_per_request"][i]):  # unknown for a device that cannot serve it
            why.append(f"{p['energy_wh_per_request'][i]:.2g} Wh per request")
    if wl.training is not None and rk.phase != "inference":
        if np.isfinite(p["train_devices"][i]) and np.isfinite(p["time_hours"][i]):
            n = int(p["train_devices"][i])
            scale = p["train_scaling_efficiency"][i]
            link = "fast interconnect" if t.interconnect_gbps[i] >= 200 else "PCIe only"
            hours = p["time_hours"][i]
            took = f"{hours:,.1f} hours" if hours < 48 else f"{hours / 24:,.1f} days"
            on = "1 device" if n == 1 else f"{n:,} devices ({link}: {scale:.0%} scaling)"
            why.append(f"trains in {took} on {on}")
        else:
            why.append("training does not fit or lacks the figures to estimate it")
    basis = p["price_basis"][i] if wl.inference is not None else p["train_price_basis"][i]
    hourly = p["hourly_usd"][i] if wl.inference is not None else p["train_hourly_usd"][i]
    if basis == "cloud" and np.isfinite(t.launch_price_usd[i]):
        months = p.get("buy_vs_rent_break_even_months", np.full(len(est), np.nan))[i]
        tail = f"; buying pays off after {months:.0f} months" if np.isfinite(months) else ""
        why.append(f"{_money(hourly)}/h rented, or {_money(t.launch_price_usd[i])} per device to buy{tail}")
    elif basis == "cloud":
        why.append(f"{_money(hourly)} per device-hour rented")
    elif basis == "owned":
        years = wl.economics.amortization_years
        note = "" if t.price_note is None or t.price_note[i] in ("", "launch list price") else f" ({t.price_note[i]})"
        why.append(f"{_money(t.launch_price_usd[i])} per device{note}, written off over {years:g} years: "
                   f"{_money(hourly)}/h with electricity")
    return why


def recommend(wl: Workload, catalog, *, top: int | None = None, calibrations: dict[str, Calibration] | None = None,
              table: DeviceTable | None = None, estimates: Estimates | None = None, plans: bool = False) -> dict:
    """The `recommend --json` object: ranked candidates with score, Pareto flag and reasons.

    plans=True: each entry carries `plan`, the same object `plan` prints for that device
    (advisor.plan; a few milliseconds per entry, so the CLI asks for it and the GUI plans the
    rows it shows).
    """
    est = estimates or estimate_table(wl, table or device_table(catalog), calibrations=calibrations)
    rk = rank(est)
    best_key = rk.key[rk.order[0]] if len(rk.order) else math.nan
    ranked = []
    limit = rk.order[:top] if top else rk.order
    for pos, i in enumerate(limit):
        rec = est.record(int(i))
        cls, cls_why = classify(est.table.rows[i])
        rec.update({
            "rank": pos + 1,
            "score": round(float(100 * best_key / rk.key[i]), 1) if rk.key[i] > 0 else 100.0,
            "pareto": bool(rk.pareto[i]),
            "optimized_for": cls, "optimized_for_why": cls_why,
            "why": reasons(rk, int(i), pos),
        })
        if plans:
            from advisor.plan import Option, plan_option

            rec["plan"] = plan_option(wl, est.table, Option(str(est.table.ids[i])), calibrations=calibrations)
            if rec["plan"].get("fits") and rec["plan"].get("meets_latency_slo") is False:
                rec["why"].insert(0, f"marked: at p{wl.economics.latency_percentile:g} (queueing and the estimate's "
                                  "range) it misses the latency target; see its plan")
        ranked.append(rec)
    out = {
        "workload": wl.name, "phase": rk.phase, "ranked_by": rk.key_name,
        "ranked": ranked,
        "excluded": [{"device": est.table.ids[i], "device_name": est.table.names[i], "why": r}
                     for i, r in sorted(rk.excluded.items())],
        "candidates": len(rk.order), "catalog_size": len(est),
    }
    if rk.phase == "both":
        out["best_for_phase"] = {}
        for phase in ("training", "inference"):
            b = rank(est, phase).best()
            if b is not None:
                cls, _ = classify(est.table.rows[b])
                out["best_for_phase"][phase] = {"device": est.table.ids[b], "device_name": est.table.names[b],
                                                "optimized_for": cls}
    return out
