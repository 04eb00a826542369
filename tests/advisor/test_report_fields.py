"""The `estimate --json` record: every field is the estimate's figure under its DESIGN.md name.

record() renders arrays into JSON; these tests pin each name to its figure (a swapped or
renamed field fails here) and the unknown-figure rules (NaN and inf become null).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.model.estimate import estimate_table
from advisor.model.report_fields import _f, _rng
from tests.advisor.test_model_by_hand import gpu, workload


@pytest.fixture(scope="module")
def both():
    w = workload(inference={"requests_per_day": 1e6, "latency_slo_ms": 5000},
                 training={"tokens": 1e11, "devices": 8}, economics={"horizon_years": 2})
    return estimate_table(w, gpu())


def test_identity_fields(both):
    rec = both.record(0)
    assert {k: rec[k] for k in ("device", "device_name", "kind", "vendor", "segment", "calibrated")} == {
        "device": "hand-gpu", "device_name": "Hand GPU 80GB", "kind": "gpu", "vendor": "NVIDIA",
        "segment": "datacenter", "calibrated": False}
    assert rec["memory_available_gb"] == 80.0 and rec["memory_assumed"] is False


def test_inference_fields_are_the_point_figures(both):
    p, inf = both.point, both.record(0)["inference"]
    same = ["ttft_ms", "tpot_ms", "decode_tokens_per_s", "throughput_tokens_per_s", "serving_tokens_per_s",
            "request_latency_ms", "energy_wh_per_request", "cost_usd_per_million_tokens", "cost_usd_per_day",
            "cost_usd_per_year", "replicas_needed", "energy_wh_per_million_tokens", "cost_usd_per_million_requests",
            "hardware_cost_usd_per_day", "avg_power_w", "co2_kg_per_day", "buy_vs_rent_break_even_months",
            "offloaded_gb", "offload_slowdown"]
    for k in same:
        assert inf[k] == pytest.approx(float(p[k][0])), k
    assert inf["price_usd_per_device_hour"] == 2.0 and inf["price_basis"] == "cloud"
    assert inf["count"] == 1 and inf["fits"] is True and inf["meets_latency_slo"] is True
    assert inf["bound"] == "memory" and inf["compute_precision"] == "fp16"
    assert inf["engine"] == "vllm" and inf["split"] == "none" and inf["continuous_batching"] is True
    assert inf["offloaded_layers"] == 0 and inf["bits_per_weight"] is None
    assert inf["memory_per_device_gb"] == pytest.approx(float(p["inf_memory_per_device_gb"][0]))
    assert inf["memory_breakdown_gb"] == {
        "weights": pytest.approx(16.0), "kv_cache": pytest.approx(float(p["mem_kv_cache_gb"][0])),
        "activations": pytest.approx(float(p["mem_inf_activations_gb"][0])),
        "overhead": pytest.approx(float(p["mem_inf_overhead_gb"][0]))}


def test_training_fields_are_the_point_figures(both):
    p, tr = both.point, both.record(0)["training"]
    for k, key in [("flops", "flops"), ("time_hours", "time_hours"), ("device_hours", "device_hours"),
                   ("energy_kwh", "energy_kwh"), ("co2_kg", "co2_kg"), ("cost_usd", "train_cost_usd"),
                   ("hardware_cost_usd", "train_hardware_cost_usd"), ("price_usd_per_device_hour", "train_hourly_usd"),
                   ("scaling_efficiency", "train_scaling_efficiency"), ("min_devices_to_fit", "train_min_devices_to_fit"),
                   ("memory_per_device_gb", "train_memory_per_device_gb"), ("trainable_params", "trainable_params")]:
        assert tr[k] == pytest.approx(float(p[key][0])), k
    assert tr["time_days"] == pytest.approx(float(p["time_hours"][0]) / 24)
    assert tr["count"] == 8 and tr["fits"] is True and tr["price_basis"] == "cloud"
    assert tr["compute_precision"] == "bf16" and tr["tensor_parallel"] == 1
    assert tr["method"] == "full" and tr["lora_rank"] is None and tr["trainable_params"] == pytest.approx(8e9)


def test_memory_of_a_lifecycle_is_the_training_footprint(both):
    p, rec = both.point, both.record(0)
    parts = {"weights": "mem_train_weights_gb", "gradients": "mem_gradients_gb", "optimizer": "mem_optimizer_gb",
             "activations": "mem_activations_gb", "overhead": "mem_train_overhead_gb"}
    assert rec["memory_breakdown_gb"] == {**{k: pytest.approx(float(p[v][0])) for k, v in parts.items()},
                                          "kv_cache": 0.0}
    assert rec["memory_required_gb"] == pytest.approx(sum(float(p[v][0]) for v in parts.values()))
    assert rec["memory_per_device_gb"] == pytest.approx(float(p["train_memory_per_device_gb"][0]))
    assert rec["count"] == 1  # the inference replica's devices come first
    assert rec["fits"] is True


def test_memory_of_inference_alone():
    est = estimate_table(workload(inference={}), gpu())
    p, rec = est.point, est.record(0)
    assert rec["memory_breakdown_gb"] == {
        "weights": pytest.approx(16.0), "gradients": 0.0, "optimizer": 0.0,
        "activations": pytest.approx(float(p["mem_inf_activations_gb"][0])),
        "kv_cache": pytest.approx(float(p["mem_kv_cache_gb"][0])),
        "overhead": pytest.approx(float(p["mem_inf_overhead_gb"][0]))}
    assert rec["memory_required_gb"] == pytest.approx(float(p["inf_memory_required_gb"][0]))
    assert "training" not in rec and "lifecycle" not in rec and set(rec["range"]) == {"inference"}


def test_lifecycle_fields(both):
    p, life = both.point, both.record(0)["lifecycle"]
    train_kwh = float(p["energy_kwh"][0])
    serve_kwh = float(p["energy_kwh_per_day"][0]) * 365 * 2  # two years of serving
    expected = {
        "training_cost_usd": pytest.approx(float(p["train_cost_usd"][0])),
        "inference_cost_usd": pytest.approx(float(p["cost_usd_per_year"][0]) * 2),
        "inference_share": pytest.approx(float(p["inference_share"][0])),
        "inference_overtakes_month": pytest.approx(float(p["inference_overtakes_month"][0])),
        "horizon_years": 2.0,
        "training_energy_kwh": pytest.approx(train_kwh),
        "inference_energy_kwh": pytest.approx(serve_kwh),
        "inference_energy_share": pytest.approx(serve_kwh / (train_kwh + serve_kwh)),
        "training_co2_kg": pytest.approx(train_kwh * 0.4),
        "inference_co2_kg": pytest.approx(serve_kwh * 0.4),
    }
    assert {k: life[k] for k in expected} == expected


def test_ranges(both):
    rec = both.record(0)
    for key in ("ttft_ms", "tpot_ms", "cost_usd_per_day", "replicas_needed"):
        lo, hi = float(both.low[key][0]), float(both.high[key][0])
        pt = float(both.point[key][0])
        assert rec["range"]["inference"][key] == {"low": pytest.approx(min(lo, hi, pt)),
                                                  "high": pytest.approx(max(lo, hi, pt))}, key
    lo, hi = float(both.low["train_cost_usd"][0]), float(both.high["train_cost_usd"][0])
    assert rec["range"]["training"]["cost_usd"] == {"low": pytest.approx(min(lo, hi)), "high": pytest.approx(max(lo, hi))}
    assert {"training_cost_usd", "inference_cost_usd"} <= set(rec["range"]["lifecycle"])
    assert set(rec["range"]["training"]) == {"time_hours", "device_hours", "energy_kwh", "co2_kg", "cost_usd"}


class _Est:
    def __init__(self, low, point, high):
        self.low, self.point, self.high = {"x": np.array([low])}, {"x": np.array([point])}, {"x": np.array([high])}


def test_range_rules():
    assert _rng(_Est(3.0, 2.0, 1.0), "x", 0) == {"low": 1.0, "high": 3.0}
    assert _rng(_Est(1.0, 5.0, 2.0), "x", 0) == {"low": 1.0, "high": 5.0}  # a fixed point widens the range
    assert _rng(_Est(1.0, 0.5, 2.0), "x", 0) == {"low": 0.5, "high": 2.0}
    assert _rng(_Est(1.0, math.nan, 2.0), "x", 0) == {"low": 1.0, "high": 2.0}
    assert _rng(_Est(math.nan, 1.0, 2.0), "x", 0) == {"low": None, "high": None}
    assert _rng(_Est(1.0, 1.0, math.inf), "x", 0) == {"low": None, "high": None}


def test_unknown_figures_become_null():
    assert _f(np.float64(2.5)) == 2.5 and type(_f(np.float64(2.5))) is float
    assert _f(math.nan) is None and _f(math.inf) is None and _f(-math.inf) is None
    est = estimate_table(workload(inference={}), gpu(cloud_usd_per_hour=math.nan))
    inf = est.record(0)["inference"]
    assert inf["cost_usd_per_day"] is None and inf["price_basis"] == "unknown"
    assert inf["price_usd_per_device_hour"] is None and inf["buy_vs_rent_break_even_months"] is None
    far = estimate_table(workload(inference={}, model={"params_b": 2000, "layers": 120, "hidden": 16384,
                                                       "heads": 128}), gpu(interconnect_gbps=64.0))
    rec = far.record(0)
    assert rec["count"] is None and rec["fits"] is False and rec["inference"]["count"] is None
