"""The model's formulas, on numbers a person can check by hand."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.model import efficiency as E
from advisor.model.calibration import Calibration
from advisor.model.devices import device_table
from advisor.model.estimate import estimate_table
from advisor.model.shape import model_shape
from advisor.precision import PRECISIONS
from advisor.workload import ModelSpec, workload_from_dict
from hardware_db import load_catalog


@pytest.fixture(scope="module")
def table():
    return device_table(load_catalog(user_overlay=False))


def one(table, device_id):
    return table.take(np.flatnonzero(table.ids == device_id))


def wl(**sections):
    return workload_from_dict({"model": {"params_b": 6.74, "layers": 32, "hidden": 4096, "heads": 32}, **sections})


INF = {"precision": "fp16", "requests_per_day": 1e6, "prompt_tokens": 512, "output_tokens": 128}


def test_derived_shape_matches_llama_family():
    assert (model_shape(ModelSpec(6.74)).layers, model_shape(ModelSpec(6.74)).hidden) == (32, 4096)
    assert (model_shape(ModelSpec(13)).layers, model_shape(ModelSpec(13)).hidden) == (40, 5120)
    assert (model_shape(ModelSpec(175)).layers, model_shape(ModelSpec(175)).hidden) == (96, 12288)


def test_gguf_bits_per_weight():
    assert PRECISIONS["q4_0"].bits_per_weight == 4.5  # 18 bytes per 32 weights
    assert PRECISIONS["q8_0"].bits_per_weight == 8.5  # 34 bytes per 32 weights
    assert PRECISIONS["q6_k"].bits_per_weight == 6.5625
    order = ["fp32", "fp16", "q8_0", "int8", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "int4", "q3_k_m", "q2_k"]
    bits = [PRECISIONS[p].bits_per_weight for p in order]
    assert bits == sorted(bits, reverse=True)


def test_kv_cache_formula(table):
    # 2 (K and V) x layers x kv_heads x head_dim x context x batch x 2 bytes
    w = workload_from_dict({"model": {"params_b": 6.74, "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8},
                            "inference": {**INF, "batch_size": 4}})
    est = estimate_table(w, one(table, "h100-sxm5-80gb"))
    expected = 2 * 32 * 8 * 128 * (512 + 128) * 4 * 2 / 1e9
    assert est.point["mem_kv_cache_gb"][0] == pytest.approx(expected)
    mha = estimate_table(wl(inference={**INF, "batch_size": 4}), one(table, "h100-sxm5-80gb"))
    assert mha.point["mem_kv_cache_gb"][0] == pytest.approx(4 * expected)  # GQA 8 of 32 heads: 4x smaller


def test_adam_mixed_precision_is_16_bytes_per_parameter(table):
    est = estimate_table(wl(training={"precision": "bf16", "tokens": 1e9}), one(table, "h100-sxm5-80gb"))
    p = est.point
    states = p["mem_train_weights_gb"][0] + p["mem_gradients_gb"][0] + p["mem_optimizer_gb"][0]
    assert states == pytest.approx(6.74 * 16)
    sgd = estimate_table(wl(training={"precision": "bf16", "tokens": 1e9, "optimizer": "sgd"}), one(table, "h100-sxm5-80gb"))
    assert sgd.point["mem_optimizer_gb"][0] < p["mem_optimizer_gb"][0]


def test_checkpointing_trades_memory_for_compute(table):
    dev = one(table, "h100-sxm5-80gb")
    plain = estimate_table(wl(training={"precision": "bf16", "tokens": 1e9, "devices": 8}), dev)
    ckpt = estimate_table(wl(training={"precision": "bf16", "tokens": 1e9, "devices": 8, "activation_checkpointing": True}), dev)
    assert ckpt.point["mem_activations_gb"][0] < plain.point["mem_activations_gb"][0] / 5
    assert ckpt.point["flops"][0] == pytest.approx(plain.point["flops"][0] * 4 / 3)


def test_training_flops_are_6n_plus_attention(table):
    est = estimate_table(wl(training={"precision": "bf16", "tokens": 2e12, "seq_len": 4096}), one(table, "a100-sxm4-80gb"))
    assert est.point["flops"][0] == pytest.approx(6 * 6.74e9 * 2e12 + 6 * 32 * 4096 * 4096 * 2e12)


def test_moe_computes_with_active_but_stores_all_parameters(table):
    dev = one(table, "h100-sxm5-80gb")
    dense = workload_from_dict({"model": {"params_b": 46.7}, "inference": {**INF, "precision": "int8"}})
    moe = workload_from_dict({"model": {"params_b": 46.7, "active_params_b": 12.9}, "inference": {**INF, "precision": "int8"}})
    d, m = estimate_table(dense, dev), estimate_table(moe, dev)
    assert d.point["mem_weights_gb"][0] == m.point["mem_weights_gb"][0] == pytest.approx(46.7)
    assert m.point["ttft_ms"][0] < d.point["ttft_ms"][0] / 2


def test_decode_is_memory_bound_at_batch_1_and_compute_bound_at_large_batch(table):
    dev = one(table, "h100-sxm5-80gb")
    small = estimate_table(wl(inference={**INF, "batch_size": 1}), dev, count=1)
    big = estimate_table(wl(inference={**INF, "batch_size": 1024, "prompt_tokens": 16, "output_tokens": 16}), dev, count=1)
    assert not small.point["bound_compute"][0]
    assert big.point["bound_compute"][0]


def test_the_classic_example_20000_dollars_a_day(table):
    w = workload_from_dict({"model": {"params_b": 175}, "inference": {**INF, "requests_per_day": 1e7, "cost_per_request_usd": 0.002}})
    est = estimate_table(w, one(table, "h100-sxm5-80gb"))
    assert est.point["cost_usd_per_day"][0] == pytest.approx(20_000)
    rec = est.record(0)
    assert rec["inference"]["cost_usd_per_day"] == pytest.approx(20_000)
    assert rec["range"]["inference"]["cost_usd_per_day"] == {"low": pytest.approx(20_000), "high": pytest.approx(20_000)}


def test_the_90_10_lifecycle(table):
    w = workload_from_dict({"model": {"params_b": 175}, "training": {"precision": "bf16", "tokens": 3e11, "cost_usd": 2e6},
                            "inference": {**INF, "requests_per_day": 1e7, "cost_per_request_usd": 18e6 / 365 / 1e7}})
    rec = estimate_table(w, one(table, "h100-sxm5-80gb")).record(0)
    assert rec["lifecycle"]["training_cost_usd"] == 2e6
    assert rec["lifecycle"]["inference_cost_usd"] == pytest.approx(18e6)
    assert rec["lifecycle"]["inference_share"] == pytest.approx(0.90)
    assert rec["lifecycle"]["inference_overtakes_month"] == pytest.approx(2e6 / 1.5e6)


def test_cloud_cost_is_price_times_device_hours(table):
    dev = one(table, "h100-sxm5-80gb")
    est = estimate_table(wl(training={"precision": "bf16", "tokens": 1e11, "devices": 8}), dev)
    p = est.point
    # By hand: 6N + attention FLOPs per token / (8 x bf16 peak x MFU x NVLink scaling over 3 doublings).
    flops = 6 * 6.74e9 * 1e11 + 6 * 32 * 2048 * 4096 * 1e11
    peak, price = dev.peaks_tflops["bf16"][0], dev.cloud_usd_per_hour[0]  # the catalog row's figures
    hours = flops / (peak * 1e12 * E.TRAIN_MFU.point * 8 * (1 - E.SCALING_LOSS_FAST) ** 3) / 3600
    assert p["time_hours"][0] == pytest.approx(hours, rel=1e-9)
    assert p["device_hours"][0] == pytest.approx(8 * hours, rel=1e-9)
    assert p["train_cost_usd"][0] == pytest.approx(8 * hours * price, rel=1e-9)


def test_owned_cost_amortises_the_purchase_and_pays_electricity(table):
    dev = one(table, "rtx-4090")
    w = wl(inference={**INF, "requests_per_day": 1000}, economics={"mode": "owned", "amortization_years": 3,
                                                                  "electricity_usd_per_kwh": 0.2, "pue": 1.5})
    p = estimate_table(w, dev).point
    assert p["replicas_needed"][0] == 1  # 1000 requests a day: a fraction of one card's day
    launch = dev.launch_price_usd[0]  # the catalog's purchase price
    capex_day = launch / (3 * 8766) * 24  # over 3 years of 8766 hours
    avg_w = p["avg_power_w"][0]
    idle = dev.idle_w[0] if np.isfinite(dev.idle_w[0]) else dev.tdp_w[0] * E.IDLE_FRACTION_OF_TDP
    assert idle <= avg_w <= dev.tdp_w[0]
    power_day = avg_w * 24 / 1000 * 1.5 * 0.2  # W x 24 h x PUE x $/kWh
    assert p["energy_kwh_per_day"][0] == pytest.approx(avg_w * 24 / 1000 * 1.5, rel=1e-9)
    assert p["cost_usd_per_day"][0] == pytest.approx(capex_day + power_day, rel=1e-9)


def test_energy_uses_idle_plus_utilisation(table):
    dev = one(table, "h100-sxm5-80gb")
    w = wl(inference={**INF, "requests_per_day": 10}, economics={"pue": 1.0})
    p = estimate_table(w, dev).point
    idle = 700 * 0.12  # no idle figure in the catalog: 12% of TDP
    assert p["avg_power_w"][0] == pytest.approx(idle, rel=0.01)  # 10 requests a day: idle almost all day
    assert p["energy_wh_per_request"][0] == pytest.approx(p["avg_power_w"][0] * 24 / 10, rel=0.01)


def test_fewest_devices_that_fit_and_splitting(table):
    w = workload_from_dict({"model": {"params_b": 60}, "inference": {**INF, "precision": "fp16"}})
    est = estimate_table(w, one(table, "h100-sxm5-80gb"))
    assert est.point["inf_devices"][0] == 2  # 120 GB of fp16 weights: 2 x 80 GB
    assert est.point["inf_fits"][0]
    forced = estimate_table(w, one(table, "h100-sxm5-80gb"), count=1)
    assert not forced.point["inf_fits"][0]


def test_calibration_replaces_defaults_and_is_reported(table):
    dev = one(table, "rtx-4090")
    w = wl(inference=INF)
    plain = estimate_table(w, dev)
    cal = {"rtx-4090": Calibration("rtx-4090", {"fp16": 0.5}, 0.6, "probe")}
    calibrated = estimate_table(w, dev, calibrations=cal)
    assert calibrated.record(0)["calibrated"] and not plain.record(0)["calibrated"]
    assert calibrated.point["tpot_ms"][0] > plain.point["tpot_ms"][0]  # measured 0.6 < default 0.85
    # A calibrated range is narrower than the datasheet one.
    width = lambda e: e.low["tpot_ms"][0] / e.high["tpot_ms"][0]  # noqa: E731 (low efficiency = slow)
    assert width(calibrated) < width(plain)
