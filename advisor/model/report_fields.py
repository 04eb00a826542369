"""Turn estimate arrays into the JSON objects of DESIGN.md (`estimate --json`)."""

from __future__ import annotations

import math


def _f(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _rng(est, key: str, i: int) -> dict:
    """low/high of a time or cost figure: the low is the smaller of the two scenarios."""
    a, b = _f(est.low[key][i]), _f(est.high[key][i])
    if a is None or b is None:
        return {"low": None, "high": None}
    p = _f(est.point[key][i])
    lo, hi = min(a, b), max(a, b)
    if p is not None:  # a known price fixes a figure: the point must sit inside its range
        lo, hi = min(lo, p), max(hi, p)
    return {"low": lo, "high": hi}


INFERENCE_FIELDS = ("ttft_ms", "tpot_ms", "decode_tokens_per_s", "throughput_tokens_per_s", "serving_tokens_per_s",
                    "request_latency_ms",
                    "energy_wh_per_request", "cost_usd_per_million_tokens", "cost_usd_per_day", "cost_usd_per_year")
INFERENCE_RANGED = ("ttft_ms", "tpot_ms", "decode_tokens_per_s", "throughput_tokens_per_s", "serving_tokens_per_s",
                    "request_latency_ms",
                    "energy_wh_per_request", "cost_usd_per_million_tokens", "cost_usd_per_day", "cost_usd_per_year",
                    "cost_usd_per_million_requests", "replicas_needed")
TRAINING_RANGED = ("time_hours", "device_hours", "energy_kwh", "co2_kg", "cost_usd")


def record(est, i: int) -> dict:
    """The `estimate --json` object for device `i` of an `Estimates`."""
    p = est.point
    t = est.table
    wl = est.workload
    rec: dict = {
        "device": t.ids[i], "device_name": t.names[i], "kind": t.kind[i], "vendor": t.vendor[i],
        "segment": t.segment[i], "calibrated": bool(est.calibrated[i]),
        "calibrated_figures": list(est.calibrated_figures[i]) if len(est.calibrated_figures) > i else [],
        "overlay": bool(t.rows[i].get("overlay")),  # the row came from a user's CSV overlay
    }
    breakdown = {"weights": 0.0, "gradients": 0.0, "optimizer": 0.0, "activations": 0.0, "kv_cache": 0.0, "overhead": 0.0}
    fits = True
    required = 0.0
    per_device = 0.0
    counts = []
    if wl.inference is not None:
        counts.append(p["inf_devices"][i])
        fits &= bool(p["inf_fits"][i])
    if wl.training is not None:
        counts.append(p["train_devices"][i])
        fits &= bool(p["train_fits"][i])
    if wl.training is not None:
        # The training footprint is the larger one: report its breakdown, summed over devices.
        breakdown.update(weights=_f(p["mem_train_weights_gb"][i]), gradients=_f(p["mem_gradients_gb"][i]),
                         optimizer=_f(p["mem_optimizer_gb"][i]), activations=_f(p["mem_activations_gb"][i]),
                         overhead=_f(p["mem_train_overhead_gb"][i]))
        required = sum(v or 0 for v in breakdown.values())
        per_device = _f(p["train_memory_per_device_gb"][i])
    else:
        breakdown.update(weights=_f(p["mem_weights_gb"][i]), kv_cache=_f(p["mem_kv_cache_gb"][i]),
                         activations=_f(p["mem_inf_activations_gb"][i]), overhead=_f(p["mem_inf_overhead_gb"][i]))
        required = _f(p["inf_memory_required_gb"][i])
        per_device = _f(p["inf_memory_per_device_gb"][i])
    count = counts[0] if counts else float("nan")
    rec.update({
        "count": None if math.isnan(count) else int(count),
        "fits": fits,
        "memory_required_gb": required,
        "memory_per_device_gb": per_device,
        "memory_available_gb": _f(t.memory_gb[i]),
        "memory_assumed": bool(t.memory_assumed[i]),
        "memory_breakdown_gb": breakdown,
    })
    ranges: dict = {}
    if wl.inference is not None:
        inf = {k: (_f(p[k][i]) if k in p else None) for k in INFERENCE_FIELDS}
        inf.update({
            "count": None if math.isnan(p["inf_devices"][i]) else int(p["inf_devices"][i]),
            "fits": bool(p["inf_fits"][i]),
            "memory_per_device_gb": _f(p["inf_memory_per_device_gb"][i]),
            "memory_breakdown_gb": {"weights": _f(p["mem_weights_gb"][i]), "kv_cache": _f(p["mem_kv_cache_gb"][i]),
                                    "activations": _f(p["mem_inf_activations_gb"][i]),
                                    "overhead": _f(p["mem_inf_overhead_gb"][i])},
            "bound": "compute" if p["bound_compute"][i] else "memory",
            "replicas_needed": _f(p["replicas_needed"][i]),
            "meets_latency_slo": bool(p["meets_latency_slo"][i]),
            "compute_precision": p["compute_precision_used"][i] or None,
            "energy_wh_per_million_tokens": _f(p["energy_wh_per_million_tokens"][i]) if "energy_wh_per_million_tokens" in p else None,
            "cost_usd_per_million_requests": _f(p["cost_usd_per_million_requests"][i]),
            "hardware_cost_usd_per_day": _f(p["hardware_cost_usd_per_day"][i]),
            "price_usd_per_device_hour": _f(p["hourly_usd"][i]),
            "price_basis": p["price_basis"][i],
            "avg_power_w": _f(p["avg_power_w"][i]),
            "co2_kg_per_day": _f(p["co2_kg_per_day"][i]),
            "buy_vs_rent_break_even_months": _f(p["buy_vs_rent_break_even_months"][i]),
        })
        inf.update({
            "engine": p["engine"][i], "split": p["split"][i],
            "continuous_batching": bool(p["continuous_batching"][i]),
            "offloaded_layers": int(p["offloaded_layers"][i]),
            "offloaded_gb": _f(p["offloaded_gb"][i]),
            "offload_slowdown": _f(p["offload_slowdown"][i]),
            "bits_per_weight": wl.inference.bits_per_weight,
        })
        if "samples_per_s" in p:
            inf["samples_per_s"] = _f(p["samples_per_s"][i])
        rec["inference"] = inf
        ranges["inference"] = {k: _rng(est, k, i) for k in INFERENCE_RANGED if k in p}
    if wl.training is not None:
        tr = {
            "count": None if math.isnan(p["train_devices"][i]) else int(p["train_devices"][i]),
            "fits": bool(p["train_fits"][i]),
            "min_devices_to_fit": _f(p["train_min_devices_to_fit"][i]),
            "memory_per_device_gb": _f(p["train_memory_per_device_gb"][i]),
            "flops": _f(p["flops"][i]), "time_hours": _f(p["time_hours"][i]),
            "time_days": _f(p["time_hours"][i] / 24), "device_hours": _f(p["device_hours"][i]),
            "energy_kwh": _f(p["energy_kwh"][i]), "co2_kg": _f(p["co2_kg"][i]),
            "cost_usd": _f(p["train_cost_usd"][i]),
            "hardware_cost_usd": _f(p["train_hardware_cost_usd"][i]),
            "price_usd_per_device_hour": _f(p["train_hourly_usd"][i]),
            "price_basis": p["train_price_basis"][i],
            "compute_precision": p["train_precision_used"][i] or None,
            "scaling_efficiency": _f(p["train_scaling_efficiency"][i]),
            "tensor_parallel": int(p["train_tensor_parallel"][i]),
            "method": wl.training.method,
            "lora_rank": wl.training.lora_rank if wl.training.method != "full" else None,
            "trainable_params": _f(p["trainable_params"][i]),
        }
        rec["training"] = tr
        ranges["training"] = {k: _rng(est, {"cost_usd": "train_cost_usd"}.get(k, k), i) for k in TRAINING_RANGED}
    if wl.inference is not None and wl.training is not None:
        rec["lifecycle"] = {
            "training_cost_usd": _f(p["lifecycle_training_cost_usd"][i]),
            "inference_cost_usd": _f(p["lifecycle_inference_cost_usd"][i]),
            "inference_share": _f(p["inference_share"][i]),
            "inference_overtakes_month": _f(p["inference_overtakes_month"][i]),
            "horizon_years": wl.economics.horizon_years,
            "training_energy_kwh": _f(p["lifecycle_training_energy_kwh"][i]),
            "inference_energy_kwh": _f(p["lifecycle_inference_energy_kwh"][i]),
            "inference_energy_share": _f(p["inference_energy_share"][i]),
            "training_co2_kg": _f(p["lifecycle_training_co2_kg"][i]),
            "inference_co2_kg": _f(p["lifecycle_inference_co2_kg"][i]),
        }
        from advisor.yardstick import CAR_SOURCE, car_years

        lc = rec["lifecycle"]
        lc["co2_car_years"] = car_years((lc["training_co2_kg"] or 0) + (lc["inference_co2_kg"] or 0))
        lc["co2_yardstick"] = CAR_SOURCE
        ranges["lifecycle"] = {k: _rng(est, "lifecycle_" + k, i) for k in
                               ("training_cost_usd", "inference_cost_usd", "training_energy_kwh", "inference_energy_kwh")}
    rec["range"] = ranges
    return rec


