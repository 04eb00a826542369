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
