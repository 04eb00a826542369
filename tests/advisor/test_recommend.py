"""Ranking, Pareto front, exclusions with reasons, and the training/inference classification."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.model.devices import device_table
from advisor.model.estimate import estimate_table
from advisor.presets import get_preset
from advisor.recommend import INFERENCE, TRAINING, classify, pareto_front, rank, recommend
from advisor.workload import workload_from_dict
from hardware_db import load_catalog


@pytest.fixture(scope="module")
def cat():
    return load_catalog(user_overlay=False)


def test_pareto_front_by_hand():
    objs = np.array([[1, 5, 5], [2, 2, 2], [3, 3, 3], [1, 5, 5], [5, 1, 9]], dtype=float)
    assert pareto_front(objs).tolist() == [True, True, False, True, True]


@pytest.mark.parametrize("device, label", [
    ("h100-sxm5-80gb", TRAINING), ("a100-sxm4-80gb", TRAINING), ("b200-hgx", TRAINING), ("mi300x", TRAINING),
    ("trainium2", TRAINING), ("l4", INFERENCE), ("tesla-t4", INFERENCE), ("jetson-orin-nano-8gb", INFERENCE),
    ("inferentia2", INFERENCE), ("rtx-4060", INFERENCE),
])
def test_classification_from_specs(cat, device, label):
    got, why = classify(cat.row(device))
    assert got == label and why


def test_inference_ranking_is_sorted_and_explained(cat):
    out = recommend(get_preset("chat_7b_workstation").workload, cat)
    ranked = out["ranked"]
    assert out["phase"] == "inference" and len(ranked) >= 5
    keys = [r["inference"]["hardware_cost_usd_per_day"] for r in ranked]
    assert keys == sorted(keys)
    assert ranked[0]["score"] == 100 and all(0 < r["score"] <= 100 for r in ranked)
    assert ranked[0]["pareto"]
    assert all(r["why"] and r["optimized_for"] in (TRAINING, INFERENCE) for r in ranked)
    assert all(r["fits"] and r["inference"]["meets_latency_slo"] for r in ranked)


def test_exclusions_say_why(cat):
    wl = workload_from_dict({"model": {"params_b": 70}, "inference": {"precision": "fp16", "requests_per_day": 1000,
                                                                      "latency_slo_ms": 4000}})
    out = recommend(wl, cat)
    reasons = {e["device"]: e["why"] for e in out["excluded"]}
    assert "does not fit" in reasons["jetson-orin-nano-8gb"]
    assert not any("nan" in r for r in reasons.values())
    assert any("misses the latency target" in r for r in reasons.values())
    assert any("no cloud price in the catalog" in r for r in reasons.values())
    ranked_ids = {r["device"] for r in out["ranked"]}
    assert not ranked_ids & set(reasons)


def test_training_ranks_by_cost_and_prefers_training_hardware(cat):
    out = recommend(get_preset("pretrain_7b_2t").workload, cat, top=5)
    assert out["phase"] == "training"
    costs = [r["training"]["cost_usd"] for r in out["ranked"]]
    assert costs == sorted(costs)
    assert out["ranked"][0]["optimized_for"] == TRAINING


def test_lifecycle_names_best_device_per_phase(cat):
    out = recommend(get_preset("lifecycle_2m_training_18m_serving").workload, cat, top=3)
    assert out["phase"] == "both"
    assert set(out["best_for_phase"]) == {"training", "inference"}
    assert out["ranked"][0]["lifecycle"]["inference_share"] == pytest.approx(0.9)


def test_ranking_only_candidates_in_order(cat):
    wl = get_preset("serve_70b_at_scale").workload
    est = estimate_table(wl, device_table(cat))
    rk = rank(est)
    assert set(rk.order).isdisjoint(rk.excluded)
    assert len(rk.order) + len(rk.excluded) == len(est)


def test_reasons_work_for_devices_that_do_not_fit(cat):
    from advisor.recommend import reasons

    wl = workload_from_dict({"model": {"params_b": 400}, "inference": {"precision": "fp16", "requests_per_day": 10},
                             "training": {"precision": "bf16", "tokens": 1e9}})
    rk = rank(estimate_table(wl, device_table(cat)))
    assert rk.excluded  # 400B parameters at fp16 (800 GB of weights) fit on no single device
    for i in rk.excluded:
        why = reasons(rk, i, None)  # never raises, and says what it can
        need = rk.estimates.point["inf_memory_required_gb"][i]
        assert why[0] == f"cannot hold the model ({need:.0f} GB at fp16)" or why[0].startswith(
            f"holds the model ({need:.0f} GB at fp16) on "), why
        assert need >= 800  # the weights alone: 400e9 x 2 bytes
        assert sum(w.startswith(("trains in ", "training does not fit or lacks")) for w in why) == 1, why
        assert not any("nan" in w for w in why), why
