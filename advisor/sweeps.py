"""The data behind every chart, for one workload (pure numpy; the GUI and the PDF draw it).

Each function returns plain dicts of numpy arrays and labels so that chart code does no
modelling of its own and tests can compare chart data with the model's output.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from advisor.model.devices import DeviceTable
from advisor.model.estimate import Estimates, estimate_table
from advisor.precision import PRECISIONS
from advisor.recommend import Ranking
from advisor.workload import Workload

BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)


def cost_vs_latency(rk: Ranking) -> dict:
    """Scatter of candidates: cost (ranking key) vs latency (inference) or time (training)."""
    p = rk.estimates.point
    idx = rk.order
    training = rk.phase == "training"
    y = p["time_hours"][idx] if training else p["request_latency_ms"][idx]
    energy = p["energy_kwh"][idx] if training else p["energy_wh_per_request"][idx]
    return {
        "ids": rk.estimates.table.ids[idx], "names": rk.estimates.table.names[idx],
        "cost": rk.key[idx], "cost_label": rk.key_name,
        "latency": y, "latency_label": "time to train (hours)" if training else "request latency (ms)",
        "energy": energy, "energy_label": "energy per run (kWh)" if training else "energy per request (Wh)",
        "pareto": rk.pareto[idx], "kind": rk.estimates.table.kind[idx],
    }


def pareto_line(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """The cost/latency Pareto staircase through the scatter (2-D front, sorted by cost)."""
    order = np.argsort(data["cost"])
    best = np.inf
    xs, ys = [], []
    for i in order:
        if data["latency"][i] < best:
            best = data["latency"][i]
            xs.append(data["cost"][i])
            ys.append(best)
    return np.array(xs), np.array(ys)


def energy_bars(rk: Ranking, top: int = 12) -> dict:
    """Energy per request (inference) or per training run for the top candidates."""
    idx = rk.order[:top]
    p = rk.estimates.point
    out = {"ids": rk.estimates.table.ids[idx], "names": rk.estimates.table.names[idx]}
    if "energy_wh_per_request" in p:
        out["wh_per_request"] = p["energy_wh_per_request"][idx]
    if "energy_kwh" in p:
        out["kwh_per_training_run"] = p["energy_kwh"][idx]
    return out


def lifecycle(est: Estimates, i: int, months: int | None = None) -> dict:
    """Cumulative cost by month: the one-time training cost against growing inference.

    Inference cost accrues monthly from month 0; training is paid once, up front.
    """
    wl = est.workload
    horizon_m = int(round(wl.economics.horizon_years * 12))
    months = months or max(12, horizon_m)
    m = np.arange(0, months + 1, dtype=float)
    p = est.point
    train = float(p["train_cost_usd"][i]) if "train_cost_usd" in p else 0.0
    per_month = float(p["cost_usd_per_year"][i]) / 12 if "cost_usd_per_year" in p else 0.0
    inference = per_month * m
    total = train + inference
    overtakes = train / per_month if per_month > 0 and train > 0 else np.nan
    at_h = per_month * horizon_m
    # The same split in energy: training's kWh once, serving's kWh per month.
    t_kwh = float(p["energy_kwh"][i]) if "energy_kwh" in p else 0.0
    m_kwh = float(p["energy_kwh_per_day"][i]) * 365 / 12 if "energy_kwh_per_day" in p else 0.0
    e_at_h = m_kwh * horizon_m
    return {
        "training_energy_kwh": t_kwh, "inference_energy_kwh_per_month": m_kwh,
        "inference_energy_share_at_horizon": e_at_h / (t_kwh + e_at_h) if (t_kwh + e_at_h) > 0 else np.nan,
        "months": m, "training": np.full_like(m, train), "inference": inference, "total": total,
        "overtakes_month": overtakes, "horizon_months": horizon_m,
        "inference_share_at_horizon": at_h / (train + at_h) if (train + at_h) > 0 else np.nan,
        "device": est.table.names[i],
    }


def roofline(est: Estimates, idx: np.ndarray, measured: dict | None = None) -> dict:
    """Roofline of devices `idx` at the workload's compute precision, with the workload's
    arithmetic intensity (FLOPs per byte of memory traffic) per phase.

    measured: optional {"name", "tflops", "bandwidth_gbps"} from a probe, drawn as a point.
    """
    wl, t, s = est.workload, est.table, est.shape
    prec = PRECISIONS[(wl.inference or wl.training).precision]
    peak, _ = t.peak_for(prec.compute)
    out = {"ids": t.ids[idx], "names": t.names[idx], "peak_tflops": peak[idx],
           "bandwidth_gbps": t.bandwidth_gbps[idx], "intensity": {}, "measured": measured}
    if wl.inference is not None and wl.model.family == "transformer":
        inf = wl.inference
        w = s.params * prec.bytes_per_weight
        out["intensity"][f"decode, batch {inf.batch_size}"] = inf.batch_size * 2 * s.active_params / w
        if inf.prompt_tokens:
            out["intensity"]["prefill"] = 2 * s.active_params * inf.prompt_tokens / w
    if wl.training is not None:
        # Training streams weights once per micro-batch of seq_len x batch tokens.
        tr = wl.training
        out["intensity"]["training step"] = 6 * tr.seq_len * tr.batch_size / 2 / 3
    return out


def memory_breakdown(est: Estimates, idx: np.ndarray) -> dict:
    """Stacked memory per device (GB per device), by category, for devices `idx`."""
    p = est.point
    if est.workload.training is not None:
        n = p["train_devices"][idx]
        parts = {
            "weights": p["mem_train_weights_gb"][idx] / n, "gradients": p["mem_gradients_gb"][idx] / n,
            "optimizer": p["mem_optimizer_gb"][idx] / n, "activations": p["mem_activations_gb"][idx],
            "overhead": p["mem_train_overhead_gb"][idx],
        }
    else:
        n = p["inf_devices"][idx]
        parts = {
            "weights": p["mem_weights_gb"][idx] / n, "kv_cache": p["mem_kv_cache_gb"][idx] / n,
            "activations": p["mem_inf_activations_gb"][idx] / n, "overhead": p["mem_inf_overhead_gb"][idx] / n,
        }
    return {"ids": est.table.ids[idx], "names": est.table.names[idx], "parts": parts,
            "capacity_gb": est.table.memory_gb[idx], "devices": n}


def batch_sweep(wl: Workload, table: DeviceTable, i: int, batches=BATCH_SIZES, calibrations=None) -> dict:
    """Latency and throughput vs batch size on device `i`: the inference trade-off curve."""
    if wl.inference is None:
        return {"batch": np.array([]), "tpot_ms": np.array([]), "throughput": np.array([]), "latency_ms": np.array([])}
    one = table.take([i])
    n = None
    tpot, thr, lat, lo, hi, fits = [], [], [], [], [], []
    for b in batches:
        w = replace(wl, inference=replace(wl.inference, batch_size=b))
        est = estimate_table(w, one, count=n, calibrations=calibrations)
        if n is None:  # keep the device count of batch 1 so the curve is one configuration
            n = int(est.point["inf_devices"][0]) if np.isfinite(est.point["inf_devices"][0]) else 1
        key = "tpot_ms" if wl.model.family == "transformer" and wl.inference.output_tokens else "request_latency_ms"
        tpot.append(est.point[key][0])
        thr.append(est.point["throughput_tokens_per_s"][0] if "samples_per_s" not in est.point else est.point["samples_per_s"][0])
        lat.append(est.point["request_latency_ms"][0])
        fits.append(bool(est.point["inf_fits"][0]))
        lo.append(est.low["request_latency_ms"][0])
        hi.append(est.high["request_latency_ms"][0])
    return {"batch": np.array(batches, dtype=float), "tpot_ms": np.array(tpot), "throughput": np.array(thr),
            "latency_ms": np.array(lat), "latency_low_ms": np.minimum(lo, hi), "latency_high_ms": np.maximum(lo, hi),
            "fits": np.array(fits, dtype=bool), "device": table.names[i], "count": n}


def request_rate_sweep(wl: Workload, est: Estimates, idx: np.ndarray, points: int = 25) -> dict:
    """Daily cost vs requests per day for devices `idx` (replicas step up with traffic)."""
    if wl.inference is None:
        return {"requests_per_day": np.array([]), "cost_usd_per_day": {}}
    p = est.point
    base = wl.inference.requests_per_day
    rpd = np.logspace(np.log10(base) - 2, np.log10(base) + 2, points)
    out = {}
    for i in idx:
        cap = p["capacity_requests_per_day"][i]
        per_replica_day = p["hardware_cost_usd_per_day"][i] / p["replicas_needed"][i]
        out[str(est.table.names[i])] = np.ceil(rpd / cap) * per_replica_day
    return {"requests_per_day": rpd, "cost_usd_per_day": out, "current": base}


def all_chart_data(wl: Workload, table: DeviceTable, rk: Ranking, top: int = 6, calibrations=None) -> dict:
    """Every chart's data for a workload (the GUI's Trade-offs view and the PDF)."""
    est = rk.estimates
    top_idx = rk.order[:top]
    data = {"cost_vs_latency": cost_vs_latency(rk), "energy": energy_bars(rk),
            "roofline": roofline(est, top_idx), "memory": memory_breakdown(est, top_idx)}
    best = rk.best()
    if best is not None:
        if wl.training is not None and wl.inference is not None:
            data["lifecycle"] = lifecycle(est, best)
        if wl.inference is not None:
            data["batch"] = batch_sweep(wl, table, best, calibrations=calibrations)
            data["request_rate"] = request_rate_sweep(wl, est, top_idx[:4])
    return data
