"""Ranking rules of advisor/recommend.py on hand-made estimates: every figure is in view.

The model is not run here: each test writes the per-device figures a ranking reads (cost per
day, latency, energy, fit) for two or three made-up devices, so the expected order, keys,
Pareto flags and reasons follow from arithmetic in the test. A change to a ranking rule
(the horizon, an objective, an exclusion) fails the test that names it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.model.devices import DeviceTable
from advisor.model.estimate import Estimates
from advisor.recommend import INFERENCE, NO_PRICE, TRAINING, _money, classify, pareto_front, rank, reasons
from advisor.workload import workload_from_dict

NAN = math.nan

INF = {"precision": "fp16", "requests_per_day": 1e6, "prompt_tokens": 400, "output_tokens": 100}
TRAIN = {"precision": "bf16", "tokens": 1e9}


def table(n: int, **cols) -> DeviceTable:
    rows = []
    for i in range(n):
        row = {"id": f"d{i}", "name": f"Device {i}", "kind": "gpu", "vendor": "X", "segment": "datacenter",
               "memory_gb": 80.0, "memory_bandwidth_gbps": 2000.0, "interconnect_gbps": 64.0}
        for k, v in cols.items():
            row[k] = v[i]
        rows.append(row)
    return DeviceTable.from_rows(rows)


def estimates(wl, n: int, table_cols: dict | None = None, **point) -> Estimates:
    """Estimates whose point figures are the ones given (defaults: everything fits, is priced, meets the SLO)."""
    base = {
        "train_hardware_cost_usd": np.full(n, 1000.0), "time_hours": np.full(n, 10.0),
        "hardware_cost_usd_per_day": np.full(n, 100.0), "energy_wh_per_request": np.full(n, 1.0),
        "request_latency_ms": np.full(n, 500.0), "energy_kwh": np.full(n, 50.0),
        "price_basis": np.array(["cloud"] * n, dtype=object),
        "train_price_basis": np.array(["cloud"] * n, dtype=object),
        "inf_fits": np.ones(n, dtype=bool), "train_fits": np.ones(n, dtype=bool),
        "inf_memory_required_gb": np.full(n, 20.0), "inf_devices": np.ones(n),
        "train_devices": np.ones(n), "train_min_devices_to_fit": np.ones(n),
        "meets_latency_slo": np.ones(n, dtype=bool),
        "bound_compute": np.zeros(n, dtype=bool), "throughput_tokens_per_s": np.full(n, 900.0),
        "decode_tokens_per_s": np.full(n, 45.0), "compute_precision_used": np.array(["fp16"] * n, dtype=object),
        "train_scaling_efficiency": np.ones(n), "hourly_usd": np.full(n, 2.5), "train_hourly_usd": np.full(n, 2.5),
        "buy_vs_rent_break_even_months": np.full(n, NAN),
    }
    for k, v in point.items():
        base[k] = np.asarray(v, dtype=base[k].dtype if k in base else None)
    return Estimates(workload=wl, table=table(n, **(table_cols or {})), shape=None, point=base, low={}, high={},
                     calibrated=np.zeros(n, dtype=bool))


def wl_inf(**inf):
    return workload_from_dict({"model": {"params_b": 7}, "inference": {**INF, **inf}})


def wl_both(horizon_years: float = 1.0):
    return workload_from_dict({"model": {"params_b": 7}, "inference": INF, "training": TRAIN,
                               "economics": {"horizon_years": horizon_years}})


# ---- keys ------------------------------------------------------------------------------------------

def test_inference_key_is_cost_per_million_tokens():
    # $100/day and $250/day for 1e6 requests/day x (400 + 100) tokens = 5e8 tokens/day:
    # 100 / 5e8 * 1e6 = $0.20 and 250 / 5e8 * 1e6 = $0.50 per 1M tokens.
    rk = rank(estimates(wl_inf(), 2, hardware_cost_usd_per_day=[250.0, 100.0]))
    assert rk.key_name == "hardware cost per 1M tokens (USD)"
    assert rk.key.tolist() == pytest.approx([0.50, 0.20])
    assert rk.order.tolist() == [1, 0] and rk.best() == 1


def test_non_token_models_rank_per_million_requests():
    wl = workload_from_dict({"model": {"params_b": 0.0256, "family": "cnn", "forward_gflops_per_sample": 8.2},
                             "inference": {"precision": "int8", "requests_per_day": 2e6}})
    # $30/day / 2e6 requests * 1e6 = $15 per 1M requests.
    rk = rank(estimates(wl, 1, hardware_cost_usd_per_day=[30.0]))
    assert rk.key_name == "hardware cost per 1M requests (USD)"
    assert rk.key.tolist() == pytest.approx([15.0])


def test_training_key_is_cost_then_time():
    wl = workload_from_dict({"model": {"params_b": 7}, "training": TRAIN})
    rk = rank(estimates(wl, 3, train_hardware_cost_usd=[500.0, 200.0, 200.0], time_hours=[1.0, 9.0, 3.0]))
    assert rk.key_name == "training cost (USD)" and rk.phase == "training"
    assert rk.key.tolist() == [500.0, 200.0, 200.0]
    assert rk.order.tolist() == [2, 1, 0]  # equal cost: the faster one first


def test_equal_cost_inference_ties_break_on_energy():
    rk = rank(estimates(wl_inf(), 3, energy_wh_per_request=[3.0, 1.0, 2.0]))
    assert rk.order.tolist() == [1, 2, 0]


@pytest.mark.parametrize(("years", "order"), [(1, [0, 1]), (3, [1, 0])])
def test_lifecycle_ranking_follows_the_horizon(years, order):
    # d0: $100 to train + $1/day serving; d1: $500 + $0.5/day.
    # 1 year: d0 = 100 + 365 = 465, d1 = 500 + 182.5 = 682.5 -> d0 first.
    # 3 years: d0 = 100 + 1095 = 1195, d1 = 500 + 547.5 = 1047.5 -> d1 first.
    est = estimates(wl_both(years), 2, train_hardware_cost_usd=[100.0, 500.0], hardware_cost_usd_per_day=[1.0, 0.5])
    rk = rank(est)
    assert rk.phase == "both" and rk.key_name == "lifecycle hardware cost (USD)"
    expected = [100 + 1 * 365 * years, 500 + 0.5 * 365 * years]
    assert rk.key.tolist() == pytest.approx(expected)
    assert rk.order.tolist() == order


def test_each_phase_of_a_lifecycle_can_be_ranked_on_its_own():
    est = estimates(wl_both(), 2, train_hardware_cost_usd=[100.0, 500.0], hardware_cost_usd_per_day=[9.0, 1.0])
    assert rank(est, "training").order.tolist() == [0, 1]
    assert rank(est, "inference").order.tolist() == [1, 0]


# ---- Pareto front ------------------------------------------------------------------------------------

def test_pareto_front_by_hand():
    objs = np.array([[1, 5, 5], [2, 2, 2], [3, 3, 3], [1, 5, 5], [5, 1, 9]], dtype=float)
    # [3,3,3] is beaten by [2,2,2] everywhere; the duplicates [1,5,5] do not beat each other.
    assert pareto_front(objs).tolist() == [True, True, False, True, True]
    assert pareto_front(np.zeros((0, 3))).tolist() == []
    # Better on one objective and equal on the others dominates.
    assert pareto_front(np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 2.0]])).tolist() == [True, False]


def test_inference_pareto_objectives_include_energy():
    # d0 is cheaper and faster than d1; d1 uses a tenth of the energy per request: both are optimal.
    # d2 is worse than d0 on cost, latency and energy: dominated.
    est = estimates(wl_inf(), 3, hardware_cost_usd_per_day=[100.0, 200.0, 150.0],
                    request_latency_ms=[100.0, 200.0, 150.0], energy_wh_per_request=[10.0, 1.0, 11.0])
    rk = rank(est)
    assert rk.pareto.tolist() == [True, True, False]


def test_inference_pareto_objectives_include_latency():
    est = estimates(wl_inf(), 2, hardware_cost_usd_per_day=[100.0, 200.0], request_latency_ms=[900.0, 100.0])
    assert rank(est).pareto.tolist() == [True, True]


def test_training_pareto_objectives_are_cost_time_and_energy():
    wl = workload_from_dict({"model": {"params_b": 7}, "training": TRAIN})
    est = estimates(wl, 3, train_hardware_cost_usd=[100.0, 200.0, 300.0], time_hours=[10.0, 5.0, 12.0],
                    energy_kwh=[80.0, 90.0, 10.0], request_latency_ms=[1.0, 1.0, 1.0])
    assert rank(est).pareto.tolist() == [True, True, True]
    est = estimates(wl, 2, train_hardware_cost_usd=[100.0, 200.0], time_hours=[10.0, 12.0], energy_kwh=[80.0, 90.0])
    assert rank(est).pareto.tolist() == [True, False]


def test_excluded_devices_are_never_on_the_front():
    est = estimates(wl_inf(), 2, hardware_cost_usd_per_day=[1.0, 100.0], inf_fits=[False, True])
    rk = rank(est)
    assert rk.pareto.tolist() == [False, True] and rk.order.tolist() == [1]


# ---- exclusions ---------------------------------------------------------------------------------------

def test_exclusion_reasons_by_hand():
    n = 7
    est = estimates(
        wl_inf(latency_slo_ms=1000), n,
        table_cols={"memory_gb": [80.0, NAN, 24.0, 24.0, 80.0, 80.0, 80.0]},
        inf_fits=[True, True, False, False, True, True, True],
        inf_devices=[1, 1, NAN, 4, 1, 1, 1],
        inf_memory_required_gb=[20.0, 20.0, 140.4, 140.4, 20.0, 20.0, 20.0],
        request_latency_ms=[500.0, 500.0, 500.0, 500.0, NAN, 1500.0, 500.0],
        meets_latency_slo=[True, True, True, True, True, False, True],
        hardware_cost_usd_per_day=[100.0, 100.0, 100.0, 100.0, 100.0, 100.0, NAN],
        price_basis=["cloud"] * 6 + ["unknown"],
    )
    rk = rank(est)
    assert rk.excluded == {
        1: "the catalog has no memory size for it",
        2: "does not fit: the model needs 140 GB, more than one replica of these 24 GB devices can hold",
        3: "does not fit in 4 x 24 GB",
        4: "the catalog lacks the peak figures needed to estimate it",
        5: "misses the latency target: 1,500 ms > 1,000 ms",
        6: NO_PRICE["cloud"],
    }
    assert rk.order.tolist() == [0]


def test_unpriced_training_device_is_excluded_with_the_mode_reason():
    wl = workload_from_dict({"model": {"params_b": 7}, "training": TRAIN, "economics": {"mode": "owned"}})
    est = estimates(wl, 2, train_hardware_cost_usd=[NAN, 5.0], train_price_basis=["unknown", "owned"])
    assert rank(est).excluded == {0: NO_PRICE["owned"]}
    # Priced but without figures: the key is NaN for another reason.
    est = estimates(wl, 2, train_hardware_cost_usd=[NAN, 5.0], train_price_basis=["owned", "owned"])
    assert rank(est).excluded == {0: "the catalog lacks the peak figures needed to estimate it"}


def test_training_fit_reasons():
    wl = workload_from_dict({"model": {"params_b": 7}, "training": TRAIN})
    est = estimates(wl, 3, table_cols={"memory_gb": [24.0, 24.0, 80.0]},
                    train_fits=[False, False, False], train_min_devices_to_fit=[NAN, 4, 2], train_devices=[1, 2, 1])
    assert rank(est).excluded == {
        0: "training does not fit: activations alone exceed 24 GB per device "
           "(try activation checkpointing or a smaller micro-batch)",
        1: "training does not fit on 2 devices",
        2: "training does not fit on 1 device",
    }


def test_lifecycle_excludes_on_either_phase():
    est = estimates(wl_both(), 3, inf_fits=[True, False, True], train_fits=[True, True, False],
                    train_min_devices_to_fit=[1, 1, NAN])
    rk = rank(est)
    assert sorted(rk.excluded) == [1, 2] and rk.order.tolist() == [0]
    # The lifecycle's speed figure adds latency and training hours: NaN training time excludes.
    est = estimates(wl_both(), 2, time_hours=[NAN, 10.0])
    assert rank(est).excluded == {0: "the catalog lacks the peak figures needed to estimate it"}


def test_inference_ranking_ignores_training_fields():
    est = estimates(wl_inf(), 2, train_fits=[False, False], time_hours=[NAN, NAN],
                    train_price_basis=["unknown", "unknown"])
    assert rank(est).excluded == {}


def test_training_ranking_ignores_inference_fields():
    wl = workload_from_dict({"model": {"params_b": 7}, "training": TRAIN})
    est = estimates(wl, 2, inf_fits=[False, False], meets_latency_slo=[False, False], request_latency_ms=[NAN, NAN],
                    price_basis=["unknown", "unknown"])
    assert rank(est).excluded == {}


# ---- reasons -----------------------------------------------------------------------------------------

def test_reasons_for_the_best_inference_device():
    est = estimates(wl_inf(precision="int8"), 2, hardware_cost_usd_per_day=[100.0, 200.0],
                    request_latency_ms=[500.0, 100.0], energy_wh_per_request=[0.123, 0.5],
                    compute_precision_used=["int8", "fp16"], inf_devices=[1, 2],
                    inf_memory_required_gb=[7.4, 7.4], decode_tokens_per_s=[61.2, 40.0],
                    table_cols={"launch_price_usd": [25000.0, NAN]},
                    buy_vs_rent_break_even_months=[13.6, NAN], hourly_usd=[2.5, 1234.5])
    rk = rank(est)
    assert reasons(rk, 0, 0) == [
        "lowest hardware cost per 1M tokens of the devices that fit",
        "holds the model (7 GB at int8) on 1 device",
        "decode is memory-bound at batch 1: 2,000 GB/s gives 61 tokens/s per stream",
        "native INT8 math",
        "0.12 Wh per request",
        "$2.50/h rented, or $25,000 per device to buy; buying pays off after 14 months",
    ]
    assert reasons(rk, 1, 1) == [
        "Pareto-optimal: nothing else is cheaper, faster and more frugal at once",
        "holds the model (7 GB at int8) on 2 devices (tensor parallel)",
        "decode is memory-bound at batch 1: 2,000 GB/s gives 40 tokens/s per stream",
        "no native INT8 math: runs at the FP16 rate",
        "0.5 Wh per request",
        "$1,234 per device-hour rented",
    ]


def test_reasons_compute_bound_and_owned():
    wl = workload_from_dict({"model": {"params_b": 7}, "inference": {**INF, "batch_size": 64},
                             "economics": {"mode": "owned", "amortization_years": 4}})
    est = estimates(wl, 1, bound_compute=[True], throughput_tokens_per_s=[12345.0], price_basis=["owned"],
                    hourly_usd=[0.456], table_cols={"launch_price_usd": [1.5e6]})
    why = reasons(rank(est), 0, 3)
    assert why == [
        "Pareto-optimal: nothing else is cheaper, faster and more frugal at once",
        "holds the model (20 GB at fp16) on 1 device",
        "decode is compute-bound at batch 64: 12,345 tokens/s per replica",
        "1 Wh per request",
        "$1.50M per device, written off over 4 years: $0.46/h with electricity",
    ]


def test_reasons_for_a_device_that_cannot_hold_the_model():
    est = estimates(wl_inf(), 2, inf_fits=[True, False], inf_devices=[1, NAN], inf_memory_required_gb=[150.0, 150.0])
    rk = rank(est)
    assert reasons(rk, 1, None)[0] == "cannot hold the model (150 GB at fp16)"
    est = estimates(wl_inf(), 1, inf_fits=[False], inf_devices=[8], inf_memory_required_gb=[1500.0])
    assert reasons(rank(est), 0, None)[0] == "cannot hold the model (1500 GB at fp16)"


def test_training_reasons():
    wl = workload_from_dict({"model": {"params_b": 7}, "training": TRAIN})
    est = estimates(wl, 3, train_devices=[1, 64, 8], time_hours=[47.5, 480.0, NAN],
                    train_scaling_efficiency=[1.0, 0.9, 0.95], train_price_basis=["cloud"] * 3,
                    train_hourly_usd=[3.0, 3.0, 3.0], train_hardware_cost_usd=[1.0, 2.0, 3.0],
                    table_cols={"interconnect_gbps": [64.0, 900.0, 200.0]})
    rk = rank(est, "training")
    assert reasons(rk, 0, 0) == ["lowest training cost of the devices that fit", "trains in 47.5 hours on 1 device",
                                 "$3.00 per device-hour rented"]
    assert reasons(rk, 1, 1)[-2] == "trains in 20.0 days on 64 devices (fast interconnect: 90% scaling)"
    assert reasons(rk, 2, None)[-2] == "training does not fit or lacks the figures to estimate it"
    est = estimates(wl, 1, train_devices=[2], time_hours=[10.0], train_scaling_efficiency=[0.8],
                    table_cols={"interconnect_gbps": [199.0]})
    assert reasons(rank(est), 0, 0)[1] == "trains in 10.0 hours on 2 devices (PCIe only: 80% scaling)"


@pytest.mark.parametrize(("x", "text"), [
    (NAN, "unknown"), (2.5e6, "$2.50M"), (1e6, "$1.00M"), (999_999.0, "$999,999"), (1000.0, "$1,000"),
    (999.994, "$999.99"), (0.1, "$0.10"), (0.05, "$0.05"), (0.0123, "$0.012")])
def test_money(x, text):
    assert _money(x) == text


# ---- classification -------------------------------------------------------------------------------------

def test_classification_points_by_hand():
    # HBM >= 64 GB (2) + 900 GB/s link (2) + 989 BF16 TFLOPS (1) = 5 training points;
    # INT8 at 2x BF16 (1) = 1 inference point.
    h100 = {"id": "x", "name": "X", "memory_gb": 80.0, "memory_type": "HBM3", "interconnect_gbps": 900.0,
            "interconnect": "NVLink 4", "tdp_w": 700.0, "bf16_tflops": 989.0, "int8_tops": 1979.0,
            "memory_bandwidth_gbps": 3350.0, "kind": "gpu", "segment": "datacenter"}
    assert classify(h100) == (TRAINING, "80 GB HBM3 holds training state; 900 GB/s NVLink 4 for gradient "
                                         "all-reduce; 989 dense BF16 TFLOPS")
    # 72 W (2) + INT8 at 4x (1) + 24 GB (1) + 300 GB/s per 121 TFLOPS = 2.5 (< 6: no point) = 4 points.
    l4 = {"id": "l", "name": "L", "memory_gb": 24.0, "memory_type": "GDDR6", "interconnect_gbps": 64.0,
          "tdp_w": 72.0, "bf16_tflops": 121.0, "int8_tops": 485.0, "memory_bandwidth_gbps": 300.0,
          "kind": "gpu", "segment": "datacenter"}
    assert classify(l4) == (INFERENCE, "72 W: cheap to run around the clock; INT8/FP8 at 4x the BF16 rate; "
                                       "24 GB: fits quantised models, not training state")
    # Exactly at every threshold: 64 GB HBM, 300 GB/s link, 300 TFLOPS -> 5; 150 W, 1.9x, 6 GB/s per TFLOP -> 4.
    edge = {"id": "e", "name": "E", "memory_gb": 64.0, "memory_type": "hbm2e", "interconnect_gbps": 300.0,
            "tdp_w": 150.0, "bf16_tflops": 300.0, "fp8_tflops": 570.0, "memory_bandwidth_gbps": 1800.0,
            "kind": "gpu", "segment": "datacenter"}
    assert classify(edge)[0] == TRAINING
    assert classify(edge)[1] == ("64 GB hbm2e holds training state; 300 GB/s interconnect for gradient all-reduce; "
                                 "300 dense BF16 TFLOPS")


def test_classification_ties_and_named_chips():
    # No points at all: memory decides (>= 48 GB training).
    bare = {"id": "b", "name": "B", "memory_gb": 48.0, "kind": "gpu", "segment": "datacenter", "tdp_w": 300.0}
    assert classify(bare) == (TRAINING, "large memory")
    assert classify({**bare, "memory_gb": 47.0}) == (INFERENCE, "modest memory and compute")
    assert classify({"id": "trn", "name": "AWS Trainium", "memory_gb": 32.0, "tdp_w": 400.0, "kind": "accelerator",
                     "segment": "cloud"}) == (TRAINING, "designed for training")
    assert classify({"id": "inf", "name": "AWS Inferentia", "memory_gb": 32.0, "tdp_w": 400.0,
                     "kind": "accelerator", "segment": "cloud"}) == (INFERENCE, "designed for inference")
    assert classify({"id": "j", "name": "J", "segment": "edge", "memory_gb": 32.0, "tdp_w": 400.0,
                     "kind": "gpu"}) == (INFERENCE, "edge device")
    assert classify({"id": "c", "name": "C", "kind": "cpu", "segment": "datacenter", "memory_gb": 384.0,
                     "tdp_w": 350.0}) == (INFERENCE, "general-purpose cores: small-batch inference, no training at scale")
    # Equal points (2 each): >= 48 GB breaks the tie toward training, less toward inference.
    tie = {"id": "t", "name": "T", "memory_gb": 64.0, "memory_type": "GDDR6", "interconnect_gbps": 400.0,
           "tdp_w": 100.0, "kind": "gpu", "segment": "datacenter"}
    assert classify(tie) == (TRAINING, "400 GB/s interconnect for gradient all-reduce")
    assert classify({**tie, "memory_gb": 40.0}) == (INFERENCE, "100 W: cheap to run around the clock")


def test_reasons_leave_out_figures_that_are_unknown():
    # No bandwidth in the catalog: the decode speed is still said, without "nan GB/s".
    est = estimates(wl_inf(), 2, table_cols={"memory_bandwidth_gbps": [NAN, 1000.0]},
                    decode_tokens_per_s=[23.0, NAN], energy_wh_per_request=[NAN, 0.5])
    rk = rank(est)
    assert reasons(rk, 0, None)[-2:] == ["decode is memory-bound at batch 1: 23 tokens/s per stream",
                                        "$2.50 per device-hour rented"]
    assert reasons(rk, 1, None)[-2:] == ["0.5 Wh per request", "$2.50 per device-hour rented"]


def test_each_phase_of_a_lifecycle_gives_its_own_reasons():
    est = estimates(wl_both(), 1)
    training = reasons(rank(est, "training"), 0, None)
    inference = reasons(rank(est, "inference"), 0, None)
    both = reasons(rank(est, "both"), 0, None)
    assert not any(w.startswith(("holds the model", "decode is")) for w in training)
    assert any(w.startswith("trains in") for w in training)
    assert not any(w.startswith(("trains in", "training does not fit")) for w in inference)
    assert any(w.startswith("holds the model") for w in inference)
    assert any(w.startswith("holds the model") for w in both) and any(w.startswith("trains in") for w in both)


def test_training_reason_boundaries():
    wl = workload_from_dict({"model": {"params_b": 7}, "training": TRAIN})
    est = estimates(wl, 2, train_devices=[2, 1], time_hours=[48.0, 47.9], train_scaling_efficiency=[0.98, 1.0],
                    table_cols={"interconnect_gbps": [200.0, 64.0]})
    rk = rank(est, "training")
    assert reasons(rk, 0, None)[-2] == "trains in 2.0 days on 2 devices (fast interconnect: 98% scaling)"
    assert reasons(rk, 1, None)[-2] == "trains in 47.9 hours on 1 device"


@pytest.mark.parametrize(("precision", "used", "line"), [
    ("int4", "int4", "native INT4 math"), ("int4", "int8", "no native INT4 math: runs at the INT8 rate"),
    ("fp8", "fp8", "native FP8 math"), ("fp8", "fp16", "no native FP8 math: runs at the FP16 rate"),
    ("int8", "int8", "native INT8 math"),
])
def test_native_low_precision_reasons(precision, used, line):
    est = estimates(wl_inf(precision=precision), 1, compute_precision_used=[used])
    assert line in reasons(rank(est), 0, 0)
    # 16-bit serving says nothing about native math
    assert not any("native" in w for w in reasons(rank(estimates(wl_inf(), 1)), 0, 0))


def test_price_reasons():
    # Rented with a purchase price but no break-even (renting is cheaper than the power bill): no tail.
    est = estimates(wl_inf(), 1, table_cols={"launch_price_usd": [9000.0]}, buy_vs_rent_break_even_months=[NAN])
    assert reasons(rank(est), 0, 0)[-1] == "$2.50/h rented, or $9,000 per device to buy"
    # Owned, priced from a dated street range: the label says which figure it is.
    wl = workload_from_dict({"model": {"params_b": 7}, "inference": INF, "economics": {"mode": "owned"}})
    street = {"street_price_usd_low": [7000.0], "street_price_usd_high": [9000.0], "street_price_seen": ["2025-03"],
              "street_price_basis": ["street"]}
    est = estimates(wl, 1, price_basis=["owned"], hourly_usd=[0.5], table_cols=street)
    assert reasons(rank(est), 0, 0)[-1] == ("$8,000 per device (street price 2025-03: $7,000-$9,000), written off "
                                            "over 3 years: $0.50/h with electricity")
    est = estimates(wl, 1, price_basis=["owned"], hourly_usd=[0.5], table_cols={"launch_price_usd": [1599.0]})
    assert reasons(rank(est), 0, 0)[-1] == "$1,599 per device, written off over 3 years: $0.50/h with electricity"
    # A table built without price notes (older callers) says no label.
    est = estimates(wl, 1, price_basis=["owned"], hourly_usd=[0.5], table_cols={"launch_price_usd": [1599.0]})
    est.table.price_note = None
    assert reasons(rank(est), 0, 0)[-1] == "$1,599 per device, written off over 3 years: $0.50/h with electricity"


def test_lifecycle_excludes_devices_that_miss_the_latency_target():
    est = estimates(wl_both(), 2, meets_latency_slo=[False, True], request_latency_ms=[1500.0, 500.0])
    wl = est.workload
    assert wl.inference.latency_slo_ms is None  # the flag alone excludes; the message needs a target
    est.workload = workload_from_dict({"model": {"params_b": 7}, "inference": {**INF, "latency_slo_ms": 1000},
                                       "training": TRAIN})
    assert rank(est).excluded == {0: "misses the latency target: 1,500 ms > 1,000 ms"}


def test_missing_figures_are_not_taken_for_a_missing_price():
    # Serving priced (cloud) but without figures: the key is NaN; an unknown *training* price must
    # not turn this into "no cloud price" when only inference is ranked.
    est = estimates(wl_inf(), 2, hardware_cost_usd_per_day=[NAN, 1.0], train_price_basis=["unknown", "cloud"])
    assert rank(est).excluded == {0: "the catalog lacks the peak figures needed to estimate it"}


def test_nothing_ranked():
    rk = rank(estimates(wl_inf(), 2, inf_fits=[False, False]))
    assert rk.best() is None and rk.order.tolist() == []
    assert rk.pareto.dtype == bool and rk.pareto.tolist() == [False, False]
    assert pareto_front(np.zeros((0, 3))).dtype == bool


def test_key_scale_is_per_million_exactly():
    rk = rank(estimates(wl_inf(), 1, hardware_cost_usd_per_day=[250.0]))
    assert rk.key[0] == pytest.approx(0.5, rel=1e-12)  # 250 / (1e6 x 500) x 1e6
    assert _money(1_015_000.5) == "$1.02M"  # 1.0150005 rounds up; a scale off by a millionth would not


def test_owned_device_without_a_price_label():
    wl = workload_from_dict({"model": {"params_b": 7}, "inference": INF, "economics": {"mode": "owned"}})
    est = estimates(wl, 1, price_basis=["owned"], hourly_usd=[0.5])  # no purchase price: no label either
    assert reasons(rank(est), 0, 0)[-1] == "unknown per device, written off over 3 years: $0.50/h with electricity"
