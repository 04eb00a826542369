"""Properties the model must keep for any workload (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.model.devices import device_table
from advisor.model.estimate import estimate_table
from advisor.precision import PRECISIONS
from advisor.workload import workload_from_dict
from hardware_db import load_catalog

TABLE = device_table(load_catalog(user_overlay=False))
GPUS = TABLE.take(np.flatnonzero((TABLE.kind == "gpu") & ~np.isnan(TABLE.bandwidth_gbps)
                                 & ~np.isnan(TABLE.peaks_tflops["fp16"]))[:12])

inference = st.fixed_dictionaries({
    "precision": st.sampled_from(list(PRECISIONS)),
    "requests_per_day": st.floats(1, 1e9),
    "prompt_tokens": st.integers(1, 8192),
    "output_tokens": st.integers(1, 2048),
    "batch_size": st.integers(1, 256),
})
params = st.floats(0.1, 200)


def make(p, inf, **extra):
    return workload_from_dict({"model": {"params_b": p}, "inference": inf, **extra})


@settings(max_examples=60, deadline=None)
@given(p=params, inf=inference, factor=st.floats(1.01, 4))
def test_more_bandwidth_never_slows_decode(p, inf, factor):
    wl = make(p, inf)
    base = estimate_table(wl, GPUS, count=1)
    faster = replace(GPUS, bandwidth_gbps=GPUS.bandwidth_gbps * factor)
    more = estimate_table(wl, faster, count=1)
    assert np.all(more.point["tpot_ms"] <= base.point["tpot_ms"] * (1 + 1e-9))


@settings(max_examples=60, deadline=None)
@given(p=params, inf=inference, a=st.sampled_from(list(PRECISIONS)), b=st.sampled_from(list(PRECISIONS)))
def test_lower_precision_never_needs_more_memory(p, inf, a, b):
    if PRECISIONS[a].bits_per_weight == PRECISIONS[b].bits_per_weight:
        return  # same width (fp8/int8): nothing to compare
    if PRECISIONS[a].bits_per_weight < PRECISIONS[b].bits_per_weight:
        a, b = b, a  # a has more bits than b
    hi = estimate_table(make(p, {**inf, "precision": a}), GPUS, count=1)
    lo = estimate_table(make(p, {**inf, "precision": b}), GPUS, count=1)
    assert np.all(lo.point["inf_memory_required_gb"] <= hi.point["inf_memory_required_gb"] + 1e-9)


@settings(max_examples=60, deadline=None)
@given(p=params, inf=inference, factor=st.floats(1.01, 100), mode=st.sampled_from(["cloud", "owned"]))
def test_more_requests_never_cost_less(p, inf, factor, mode):
    eco = {"economics": {"mode": mode}}
    few = estimate_table(make(p, inf, **eco), GPUS)
    many = estimate_table(make(p, {**inf, "requests_per_day": min(1e13, inf["requests_per_day"] * factor)}, **eco), GPUS)
    a, b = few.point["cost_usd_per_day"], many.point["cost_usd_per_day"]
    ok = np.isnan(a) | (b >= a * (1 - 1e-9))
    assert np.all(ok)


@settings(max_examples=60, deadline=None)
@given(p=params, inf=inference, tokens=st.floats(1e6, 1e13), train=st.booleans())
def test_ranges_always_contain_the_point_estimate(p, inf, tokens, train):
    extra = {"training": {"precision": "bf16", "tokens": tokens}} if train else {}
    est = estimate_table(make(p, inf, **extra), GPUS)
    for i in range(len(GPUS)):
        rec = est.record(i)
        for phase, ranges in rec["range"].items():
            for key, r in ranges.items():
                point = rec[phase].get(key)
                if point is None or r["low"] is None:
                    continue
                assert r["low"] <= point * (1 + 1e-9) and point <= r["high"] * (1 + 1e-9), (phase, key, r, point)


# --- issue 13: MoE, fine-tuning methods, offload -------------------------------------------

@settings(max_examples=60, deadline=None)
@given(p=params, inf=inference, f1=st.floats(0.02, 1), f2=st.floats(0.02, 1),
       experts=st.sampled_from([None, 8, 64, 256]), engine=st.sampled_from(["auto", "llama.cpp", "vllm", "mlx"]))
def test_more_active_parameters_never_decode_faster(p, inf, f1, f2, experts, engine):
    lo, hi = sorted((f1, f2))
    model = {"params_b": p}
    if experts:
        model.update(experts=experts, experts_per_token=max(1, experts // 8))
    inf = {**inf, "engine": engine}
    fewer = workload_from_dict({"model": {**model, "active_params_b": p * lo}, "inference": inf})
    more = workload_from_dict({"model": {**model, "active_params_b": p * hi}, "inference": inf})
    a = estimate_table(fewer, GPUS, count=1).point["tpot_ms"]
    b = estimate_table(more, GPUS, count=1).point["tpot_ms"]
    assert np.all(b >= a * (1 - 1e-9))


training = st.fixed_dictionaries({
    "precision": st.sampled_from(["fp32", "bf16", "fp16", "fp8"]),
    "tokens": st.floats(1e6, 1e12),
    "seq_len": st.integers(128, 8192),
    "batch_size": st.integers(1, 16),
    "optimizer": st.sampled_from(["adam", "sgd", "adafactor"]),
    "activation_checkpointing": st.booleans(),
    "lora_rank": st.integers(1, 512),
})


@settings(max_examples=60, deadline=None)
@given(p=params, tr=training)
def test_qlora_needs_no_more_memory_than_lora_nor_lora_than_full(p, tr):
    mem = {}
    for method in ("full", "lora", "qlora"):
        wl = workload_from_dict({"model": {"params_b": p}, "training": {**tr, "method": method, "devices": 1}})
        mem[method] = estimate_table(wl, GPUS).point["train_memory_per_device_gb"]
    assert np.all(mem["qlora"] <= mem["lora"] * (1 + 1e-9))
    assert np.all(mem["lora"] <= mem["full"] * (1 + 1e-9))


@settings(max_examples=60, deadline=None)
@given(p=st.floats(1, 400), inf=inference, f1=st.floats(0.05, 1), f2=st.floats(0.05, 1),
       host_gbps=st.floats(10, 500))
def test_offloading_more_layers_is_never_faster(p, inf, f1, f2, host_gbps):
    # Less device memory leaves more layers in host RAM.
    small, large = sorted((f1, f2))
    wl = workload_from_dict({"model": {"params_b": p}, "inference": {
        **inf, "offload": "auto", "host_memory_gb": 1e6, "host_bandwidth_gbps": host_gbps}})
    roomy = estimate_table(wl, replace(GPUS, memory_gb=GPUS.memory_gb * large), count=1).point
    tight = estimate_table(wl, replace(GPUS, memory_gb=GPUS.memory_gb * small), count=1).point
    assert np.all(tight["offloaded_layers"] >= roomy["offloaded_layers"])
    assert np.all(tight["tpot_ms"] >= roomy["tpot_ms"] * (1 - 1e-9))
