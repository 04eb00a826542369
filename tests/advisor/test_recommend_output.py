"""The `recommend --json` object on made-up devices: every field with its expected value, and the
training/inference classification against its points table.
"""

from __future__ import annotations

import itertools
import math

import pytest

from advisor.model.calibration import Calibration
from advisor.model.devices import DeviceTable
from advisor.recommend import INFERENCE, NO_PRICE, TRAINING, classify, recommend
from tests.advisor.test_model_by_hand import GPU, workload

CHEAP = {**GPU, "id": "cheap", "name": "Cheap GPU", "cloud_usd_per_hour": 1.0}
DEAR = {**GPU, "id": "dear", "name": "Dear GPU", "cloud_usd_per_hour": 4.0}
SMALL = {**GPU, "id": "small", "name": "Small GPU", "memory_gb": 1.0}
UNPRICED = {**GPU, "id": "unpriced", "name": "Unpriced GPU", "cloud_usd_per_hour": math.nan}
# The hand GPU: 900 GB/s link (2) + 1000 BF16 TFLOPS (1) = 3 training points; FP8 at 2x (1) = 1 inference point.
GPU_CLASS = (TRAINING, "900 GB/s interconnect for gradient all-reduce; 1000 dense BF16 TFLOPS")


def table(*rows):
    return DeviceTable.from_rows(list(rows))


def test_recommend_object_by_hand():
    w = workload(inference={})
    out = recommend(w, None, table=table(DEAR, SMALL, CHEAP, UNPRICED))
    assert out["workload"] == "" and out["phase"] == "inference"
    assert out["ranked_by"] == "hardware cost per 1M tokens (USD)"
    assert [r["device"] for r in out["ranked"]] == ["cheap", "dear"]
    assert [r["rank"] for r in out["ranked"]] == [1, 2]
    # Same replicas at $1/h and $4/h: the dearer one scores 100 x 1/4.
    assert [r["score"] for r in out["ranked"]] == [100.0, 25.0]
    assert [r["pareto"] for r in out["ranked"]] == [True, False]
    assert all((r["optimized_for"], r["optimized_for_why"]) == GPU_CLASS for r in out["ranked"])
    assert out["ranked"][0]["why"][0] == "lowest hardware cost per 1M tokens of the devices that fit"
    assert not out["ranked"][1]["why"][0].startswith("lowest")
    assert out["excluded"] == [
        {"device": "small", "device_name": "Small GPU",
         "why": "does not fit: the model needs 18 GB, more than one replica of these 1 GB devices can hold"},
        {"device": "unpriced", "device_name": "Unpriced GPU", "why": NO_PRICE["cloud"]},
    ]
    assert (out["candidates"], out["catalog_size"]) == (2, 4)
    assert "best_for_phase" not in out and "plan" not in out["ranked"][0]
    top = recommend(w, None, table=table(DEAR, SMALL, CHEAP, UNPRICED), top=1)
    assert [r["device"] for r in top["ranked"]] == ["cheap"] and top["candidates"] == 2


def test_a_free_device_scores_100_and_the_rest_0():
    out = recommend(workload(inference={}), None, table=table(CHEAP, {**DEAR, "cloud_usd_per_hour": 0.0}))
    assert [(r["device"], r["score"]) for r in out["ranked"]] == [("dear", 100.0), ("cheap", 0.0)]


def test_scores_keep_one_decimal():
    out = recommend(workload(inference={}), None, table=table(CHEAP, {**DEAR, "cloud_usd_per_hour": 3.0}))
    assert [r["score"] for r in out["ranked"]] == [100.0, 33.3]


def test_calibrations_reach_the_estimates():
    cal = {"cheap": Calibration("cheap", {"fp16": 0.5}, 0.6, "probe")}
    out = recommend(workload(inference={}), None, table=table(CHEAP, DEAR), calibrations=cal)
    assert {r["device"]: r["calibrated"] for r in out["ranked"]} == {"cheap": True, "dear": False}


def test_lifecycle_names_the_best_device_of_each_phase():
    # Trainer: 20x the BF16 peak at twice the price, so training is 10x cheaper on it; serving is
    # memory-bound (same bandwidth) so the $1/h device serves for half. Serving dominates the lifecycle.
    trainer = {**GPU, "id": "trainer", "name": "Trainer", "cloud_usd_per_hour": 2.0, "bf16_tflops": 20000.0,
               "fp16_tflops": 20000.0, "fp8_tflops": 40000.0}
    slow = {**GPU, "id": "slow", "name": "Slow", "cloud_usd_per_hour": 1.0, "bf16_tflops": 1000.0}
    w = workload(inference={}, training={"tokens": 1e9, "devices": 4})
    out = recommend(w, None, table=table(trainer, slow))
    assert out["phase"] == "both" and out["ranked_by"] == "lifecycle hardware cost (USD)"
    assert out["ranked"][0]["device"] == "slow"
    assert out["best_for_phase"] == {
        "training": {"device": "trainer", "device_name": "Trainer", "optimized_for": TRAINING},
        "inference": {"device": "slow", "device_name": "Slow", "optimized_for": TRAINING},
    }


def test_plans_mark_a_device_that_misses_the_target_at_the_percentile():
    # The point latency (~1.47 s) meets 1.5 s; at p95 with queueing the plan misses it.
    w = workload(inference={"latency_slo_ms": 1500})
    out = recommend(w, None, table=table(CHEAP), plans=True)
    (rec,) = out["ranked"]
    assert rec["inference"]["request_latency_ms"] < 1500
    assert rec["plan"]["fits"] is True and rec["plan"]["meets_latency_slo"] is False
    assert rec["plan"]["device"] == "cheap"
    assert rec["why"][:2] == ["marked: at p95 (queueing and the estimate's range) it misses the latency target; "
                              "see its plan", "lowest hardware cost per 1M tokens of the devices that fit"]
    relaxed = recommend(workload(inference={"latency_slo_ms": 60000}), None, table=table(CHEAP), plans=True)
    assert relaxed["ranked"][0]["plan"]["meets_latency_slo"] is True
    assert relaxed["ranked"][0]["why"][0] == "lowest hardware cost per 1M tokens of the devices that fit"
    cal = {"cheap": Calibration("cheap", {"fp16": 0.5}, 0.6, "probe")}
    calibrated = recommend(workload(inference={"latency_slo_ms": 60000}), None, table=table(CHEAP), plans=True,
                           calibrations=cal)
    assert calibrated["ranked"][0]["plan"]["calibrated"] is True


# ---- classification: the points table ----------------------------------------------------------------

def points_by_hand(row: dict) -> tuple[int, int]:
    """(training, inference) points, written out from classify's docstring and rules."""
    mem, bw, link, tdp = row["memory_gb"], row["memory_bandwidth_gbps"], row["interconnect_gbps"], row["tdp_w"]
    bf16, low = row["bf16_tflops"], row["int8_tops"]
    name = row["name"].lower()
    t = 2 * (mem >= 64 and row["memory_type"].startswith("HBM")) + 2 * (link >= 300) + 1 * (bf16 >= 300)
    t += 3 * ("trainium" in name)
    i = 3 * ("inferentia" in name) + 2 * (tdp <= 150) + 1 * (bf16 > 0 and low >= 1.9 * bf16)
    i += 2 * (row["segment"] == "edge") + 1 * (mem <= 24) + 1 * (row["kind"] == "cpu")
    i += 1 * (bf16 > 0 and bw / bf16 >= 6)
    return t, i


GRID = list(itertools.product(
    [(24.0, "GDDR6"), (25.0, "GDDR6"), (47.0, "HBM3"), (48.0, "GDDR6"), (63.0, "HBM3"), (64.0, "HBM3"),
     (64.0, "GDDR6")],
    [math.nan, 299.0, 300.0],                   # interconnect GB/s
    [math.nan, 299.0, 300.0],                   # bf16 TFLOPS
    [None, 1.89, 1.9],                          # int8 / bf16
    [5.9, 6.0],                                 # bandwidth per BF16 TFLOP
    [150.0, 151.0],                             # TDP
    ["Plain", "Trainium", "Inferentia"],
    [("gpu", "datacenter"), ("gpu", "edge"), ("cpu", "datacenter")],
))


def grid_row(case) -> dict:
    (mem, mtype), link, bf16, ratio, per_tflop, tdp, name, (kind, segment) = case
    b = bf16 if math.isfinite(bf16) else 100.0
    return {"id": "g", "name": f"{name} X", "memory_gb": mem, "memory_type": mtype, "interconnect_gbps": link,
            "bf16_tflops": bf16, "int8_tops": (ratio * bf16) if ratio else math.nan,
            "memory_bandwidth_gbps": per_tflop * b, "tdp_w": tdp, "kind": kind, "segment": segment}


def test_classification_follows_its_points_table():
    wrong = []
    for case in GRID:
        row = grid_row(case)
        t, i = points_by_hand(row)
        if t == 0 and i == 0:
            want = TRAINING if row["memory_gb"] >= 48 else INFERENCE
        else:
            want = TRAINING if t > i or (t == i and row["memory_gb"] >= 48) else INFERENCE
        if classify(row)[0] != want:
            wrong.append((row, t, i))
    assert len(GRID) > 6000 and not wrong, wrong[:3]


@pytest.mark.parametrize(("row", "why"), [
    ({"name": "Trainium X", "memory_gb": 32.0, "tdp_w": 400.0}, "designed for training"),
    ({"name": "Inferentia X", "memory_gb": 32.0, "tdp_w": 400.0}, "designed for inference"),
    ({"name": "X", "memory_gb": 16.0, "tdp_w": 75.0, "bf16_tflops": 60.0, "int8_tops": 240.0,
      "memory_bandwidth_gbps": 400.0},
     "75 W: cheap to run around the clock; INT8/FP8 at 4x the BF16 rate; 16 GB: fits quantised models, not training state"),
    ({"name": "X", "memory_gb": 32.0, "tdp_w": 300.0, "bf16_tflops": 50.0, "memory_bandwidth_gbps": 400.0},
     "8 GB/s of bandwidth per BF16 TFLOP favours decode"),
    ({"name": "X", "memory_gb": 32.0, "tdp_w": 300.0, "kind": "cpu"},
     "general-purpose cores: small-batch inference, no training at scale"),
])
def test_classification_reasons(row, why):
    full = {"id": "x", "kind": "gpu", "segment": "datacenter", **row}
    assert classify(full)[1] == why


def test_classification_of_rows_with_missing_or_tiny_figures():
    # Missing cells read as unknown: nothing is compared with a missing figure.
    assert classify({"id": "b", "kind": "gpu"}) == (INFERENCE, "modest memory and compute")
    assert classify({"id": "b", "kind": "gpu", "bf16_tflops": 100.0, "tdp_w": 300.0, "memory_gb": 32.0}) == (
        INFERENCE, "modest memory and compute")
    # The chip's name may sit in the id alone.
    assert classify({"id": "aws-trainium2", "name": "Trn2", "kind": "accelerator", "memory_gb": 32.0,
                     "tdp_w": 400.0}) == (TRAINING, "designed for training")
    # FP8 alone counts as low precision; a sub-1 TFLOPS part still gets its ratios.
    fp8 = {"id": "f", "name": "F", "kind": "gpu", "memory_gb": 32.0, "tdp_w": 300.0, "bf16_tflops": 100.0,
           "fp8_tflops": 200.0, "memory_bandwidth_gbps": 100.0}
    assert classify(fp8) == (INFERENCE, "INT8/FP8 at 2x the BF16 rate")
    tiny = {"id": "t", "name": "T", "kind": "gpu", "memory_gb": 32.0, "tdp_w": 300.0, "bf16_tflops": 0.5,
            "int8_tops": 1.0, "memory_bandwidth_gbps": 3.0}
    assert classify(tiny) == (INFERENCE, "INT8/FP8 at 2x the BF16 rate; 6 GB/s of bandwidth per BF16 TFLOP "
                                         "favours decode")
    no_low = {**tiny, "int8_tops": math.nan, "bf16_tflops": 0.5, "memory_bandwidth_gbps": 1.0}
    assert classify(no_low) == (INFERENCE, "modest memory and compute")  # no ratio point: 2 GB/s per TFLOP
    zero = {**tiny, "bf16_tflops": 0.0, "int8_tops": 5.0, "memory_bandwidth_gbps": 100.0}
    assert classify(zero) == (INFERENCE, "modest memory and compute")  # a 0 peak gives no ratio (and no error)
    # At most three reasons: HBM, link and BF16 are shown, the fourth (Trainium) is not.
    big = {"id": "x", "name": "Trainium Max", "kind": "accelerator", "memory_gb": 96.0, "memory_type": "HBM3",
           "interconnect_gbps": 640.0, "interconnect": "NeuronLink", "bf16_tflops": 667.0, "tdp_w": 500.0}
    assert classify(big) == (TRAINING, "96 GB HBM3 holds training state; 640 GB/s NeuronLink for gradient "
                                       "all-reduce; 667 dense BF16 TFLOPS")


def test_scores_below_one_dollar_per_million_tokens():
    # $0.50/h and $0.25/h: cost per 1M tokens under $1; the dearer scores 100 x 0.25 / 0.5.
    out = recommend(workload(inference={}), None, table=table({**CHEAP, "cloud_usd_per_hour": 0.5},
                                                              {**DEAR, "cloud_usd_per_hour": 0.25}))
    assert [r["score"] for r in out["ranked"]] == [100.0, 50.0]
    assert out["ranked"][0]["inference"]["cost_usd_per_million_tokens"] < 1


def test_nothing_fits():
    out = recommend(workload(inference={}), None, table=table(SMALL))
    assert out["ranked"] == [] and out["candidates"] == 0 and len(out["excluded"]) == 1
