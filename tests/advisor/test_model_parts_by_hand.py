"""The model's parts by hand: shape derivation, device rounding, scaling, the device table, conv
nets, tensor-parallel serving, the pessimistic/optimistic scenarios and calibration.

Same rules as test_model_by_hand.py: formulas written out, constants named, nothing taken from
the model's own helpers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.model import efficiency as E
from advisor.model import engines as ENG
from advisor.model.calibration import Calibration
from advisor.model.devices import CPU_ASSUMED_MEMORY_GB, CPU_ASSUMED_MEMORY_GB_DEFAULT, DeviceTable
from advisor.model.estimate import _round_devices, _scaling, estimate_table
from advisor.model.shape import CNN_LAYERS, Shape, model_shape
from advisor.workload import ModelSpec, workload_from_dict
from tests.advisor.test_model_by_hand import DC, GPU, VLLM, gpu, workload

# ---- shape ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params_b", "layers", "hidden"), [
    # layers = round((N / (12 x 128^2))^(1/3)); hidden = round(sqrt(N / (12 x layers)) / 512) x 512
    (6.74, 32, 4096),    # (6.74e9 / 196608)^(1/3) = 32.5 -> 32; sqrt(6.74e9 / 384) = 4190 -> 8 x 512
    (0.1, 8, 1024),      # (1e8 / 196608)^(1/3) = 7.98 -> 8; sqrt(1e8 / 96) = 1021 -> 2 x 512
    (175, 96, 12288),    # (1.75e11 / 196608)^(1/3) = 96.2 -> 96; sqrt(1.75e11 / 1152) = 12325 -> 24 x 512
])
def test_derived_shape(params_b, layers, hidden):
    expected_layers = max(1, round((params_b * 1e9 / (12 * 128**2)) ** (1 / 3)))
    expected_hidden = max(128, round(math.sqrt(params_b * 1e9 / (12 * expected_layers)) / 512) * 512)
    s = model_shape(ModelSpec(params_b))
    assert (s.layers, s.hidden) == (expected_layers, expected_hidden)
    assert s.heads == expected_hidden // 128 and s.kv_heads == s.heads and s.head_dim == 128
    assert (s.layers, s.hidden) == (layers, hidden)


def test_tiny_and_given_shapes():
    tiny = model_shape(ModelSpec(1e-6))  # 1000 parameters: one layer, the smallest width
    assert (tiny.layers, tiny.hidden, tiny.heads) == (1, 128, 1)
    given = model_shape(ModelSpec(8, layers=40, hidden=5120, heads=40, kv_heads=8, head_dim=160))
    assert (given.layers, given.hidden, given.heads, given.kv_heads) == (40, 5120, 40, 8)
    assert given.head_dim == 160 and given.params == 8e9 and given.active_params == 8e9
    no_heads = model_shape(ModelSpec(8, hidden=5120))
    assert no_heads.heads == 40 and no_heads.head_dim == 128
    cnn = model_shape(ModelSpec(0.0256, family="cnn", forward_gflops_per_sample=8.2))
    assert (cnn.layers, cnn.hidden, cnn.heads, cnn.kv_heads) == (CNN_LAYERS, 1, 1, 1)
    assert model_shape(ModelSpec(0.0256, family="generic", layers=10)).layers == 10


def test_moe_parameters_read_by_hand():
    # 47B total, 13B active, 8 experts, 2 per token: routed = (47 - 13) / (1 - 2/8) = 45.33B.
    s = Shape(47e9, 13e9, 32, 4096, 32, 8, experts=8, experts_per_token=2)
    routed = (47e9 - 13e9) / (1 - 2 / 8)
    assert s.expert_fraction_per_token == 0.25 and s.routed_params == pytest.approx(routed)
    assert s.params_read(1) == pytest.approx(13e9)                               # one token: the active ones
    assert s.params_read(2) == pytest.approx(47e9 - routed + routed * (1 - 0.75**2))  # two tokens: more experts
    assert s.params_read(0) == pytest.approx(13e9)                               # never fewer than one token
    # Expert counts unknown: k/E = active/total, one token still reads the active parameters.
    u = Shape(47e9, 13e9, 32, 4096, 32, 8)
    assert u.expert_fraction_per_token == pytest.approx(13 / 47)
    assert u.params_read(1) == pytest.approx(13e9)
    dense = Shape(8e9, 8e9, 32, 4096, 32, 8)
    assert dense.routed_params == 0.0 and dense.params_read(64) == 8e9


# ---- helpers --------------------------------------------------------------------------------------------

def test_device_counts_people_deploy():
    got = _round_devices(np.array([0.2, 1.0, 1.01, 3.0, 4.5, 8.0, 8.5, 17.0, 64.0, np.nan]))
    assert np.array_equal(got, [1, 1, 2, 4, 8, 8, 16, 24, 64, np.nan], equal_nan=True)


def test_scaling_per_doubling():
    table = DeviceTable.from_rows([{**GPU, "interconnect_gbps": 900.0}, {**GPU, "interconnect_gbps": 64.0},
                                   {**GPU, "interconnect_gbps": math.nan}, {**GPU, "interconnect_gbps": 200.0}])
    got = _scaling(table, np.array([8.0, 4.0, 2.0, 0.5]), 0.02, 0.07)
    assert got.tolist() == pytest.approx([0.98**3, 0.93**2, 0.93, 1.0])  # NaN link: PCIe; n < 1 counts as 1
    assert E.FAST_INTERCONNECT_GBPS == 200  # 200 GB/s is fast (>=)
    assert _scaling(table, np.array([2.0, 2.0, 2.0, 2.0]), 0.02, 0.07)[3] == pytest.approx(0.98)


# ---- device table ------------------------------------------------------------------------------------------

def test_cpu_rows_get_an_assumed_memory():
    cpu = {"id": "c", "name": "C", "kind": "cpu", "vendor": "AMD"}
    t = DeviceTable.from_rows([{**cpu, "segment": "datacenter"}, {**cpu, "segment": "workstation"},
                               {**cpu, "segment": "consumer"}, {**cpu, "segment": "datacenter", "memory_gb": 768.0},
                               {**GPU, "memory_gb": math.nan}])
    assert t.memory_gb[:4].tolist() == [CPU_ASSUMED_MEMORY_GB["datacenter"], CPU_ASSUMED_MEMORY_GB["workstation"],
                                        CPU_ASSUMED_MEMORY_GB_DEFAULT, 768.0]
    assert (CPU_ASSUMED_MEMORY_GB["datacenter"], CPU_ASSUMED_MEMORY_GB_DEFAULT) == (384.0, 64.0)
    assert t.memory_assumed.tolist() == [True, True, True, False, False]
    assert math.isnan(t.memory_gb[4])  # a GPU without memory stays unknown


def test_table_columns_and_take():
    t = DeviceTable.from_rows([GPU, {**GPU, "id": "b", "name": "B", "tdp_w": 300.0, "cloud_usd_per_hour": 1.0}])
    assert t.ids.tolist() == ["hand-gpu", "b"] and t.names.tolist() == ["Hand GPU 80GB", "B"]
    assert t.kind.tolist() == ["gpu", "gpu"] and t.vendor.tolist() == ["NVIDIA", "NVIDIA"]
    assert t.segment.tolist() == ["datacenter", "datacenter"]
    assert t.bandwidth_gbps.tolist() == [2000.0, 2000.0] and t.tdp_w.tolist() == [700.0, 300.0]
    assert t.idle_w.tolist() == [100.0, 100.0] and t.interconnect_gbps.tolist() == [900.0, 900.0]
    assert t.launch_price_usd.tolist() == [30000.0, 30000.0] and t.cloud_usd_per_hour.tolist() == [2.0, 1.0]
    assert t.peaks_tflops["fp8"].tolist() == [2000.0, 2000.0] and math.isnan(t.peaks_tflops["int4"][0])
    assert len(t) == 2 and t.rows[1]["id"] == "b"
    one = t.take(np.array([1]))
    assert len(one) == 1 and one.ids.tolist() == ["b"] and one.tdp_w.tolist() == [300.0]
    assert one.cloud_usd_per_hour.tolist() == [1.0] and one.rows == [t.rows[1]]
    assert one.peaks_tflops["fp16"].tolist() == [1000.0] and one.memory_assumed.tolist() == [False]
    for col in ("names", "kind", "vendor", "segment", "memory_gb", "bandwidth_gbps", "idle_w", "interconnect_gbps",
                "launch_price_usd"):
        assert getattr(one, col).tolist() == getattr(t, col)[1:].tolist(), col
    mask = t.take(np.array([True, False]))
    assert mask.ids.tolist() == ["hand-gpu"]


def test_peak_falls_back_along_the_precision_chain():
    t = DeviceTable.from_rows([GPU, {**GPU, "id": "old", "name": "Old", "fp16_tflops": math.nan,
                                     "bf16_tflops": math.nan, "fp8_tflops": math.nan, "fp32_tflops": 20.0},
                               {**GPU, "id": "none", "name": "None", "fp16_tflops": math.nan, "bf16_tflops": math.nan,
                                "fp8_tflops": math.nan}])
    peak, used = t.peak_for("int8")  # int8 -> fp16 -> bf16 -> fp32
    assert peak[:2].tolist() == [1000.0, 20.0] and used.tolist() == ["fp16", "fp32", ""]
    assert math.isnan(peak[2])
    peak, used = t.peak_for("fp8")
    assert peak[0] == 2000.0 and used[0] == "fp8"


# ---- conv nets ----------------------------------------------------------------------------------------------

def test_cnn_inference_by_hand():
    w = workload_from_dict({"model": {"params_b": 0.0256, "family": "cnn", "forward_gflops_per_sample": 8.2},
                            "inference": {"precision": "int8", "requests_per_day": 1e6, "batch_size": 32,
                                          "engine": "vllm", "prompt_tokens": 0, "output_tokens": 0}})
    p = estimate_table(w, gpu(int8_tops=2000.0)).point
    flops = 32 * 8.2e9
    t_compute = flops / (2000e12 * E.GEMM.point)
    weight_read = 0.0256e9 * 1 / (2000e9 * VLLM.bandwidth.point)  # int8: 1 byte per weight
    batch_time = max(t_compute, weight_read) + CNN_LAYERS * E.DECODE_OVERHEAD_S_PER_LAYER.point
    assert p["samples_per_s"][0] == pytest.approx(32 / batch_time, rel=1e-9)
    assert p["request_latency_ms"][0] == pytest.approx(batch_time * 1e3, rel=1e-9)
    assert bool(p["bound_compute"][0]) == (t_compute > weight_read)
    assert math.isnan(p["cost_usd_per_million_tokens"][0])
    capacity = 86_400 / (batch_time / 32) * 0.6
    assert p["replicas_needed"][0] == math.ceil(1e6 / capacity)


def test_cnn_training_flops_by_hand():
    w = workload_from_dict({"model": {"params_b": 0.0256, "family": "cnn", "forward_gflops_per_sample": 8.2},
                            "training": {"precision": "bf16", "samples": 1.28e6, "epochs": 90, "devices": 8}})
    p = estimate_table(w, gpu()).point
    assert p["flops"][0] == pytest.approx(3 * 8.2e9 * 1.28e6 * 90)  # forward + backward = 3x forward
    assert p["work_units"][0] == pytest.approx(1.28e6 * 90)
    generic = workload_from_dict({"model": {"params_b": 1, "family": "generic"},
                                  "training": {"precision": "bf16", "samples": 1e6, "devices": 1}})
    assert estimate_table(generic, gpu()).point["flops"][0] == pytest.approx(3 * 2 * 1e9 * 1e6)


# ---- tensor parallel, scenarios, calibration ---------------------------------------------------------------

def decode_by_hand(bw_eff: float, overhead_per_layer: float, devices: int = 1, allreduce: float = 0.0,
                   step: float = VLLM.step_overhead_s.point) -> float:
    """Seconds per token for the 8B fp16 model at batch 1, 512 + 128 tokens, tensor split over `devices`."""
    B = 2000e9 * devices * bw_eff
    kv_per_token = 2 * 32 * 8 * 128 * 2
    t_memory = 8e9 * 2 / B + kv_per_token * (512 + 64) / B
    comm = 2 * 32 * allreduce if devices > 1 else 0.0
    return t_memory + 32 * overhead_per_layer + step + comm


def test_tensor_parallel_decode_by_hand():
    p = estimate_table(workload(inference={}), gpu(), count=2).point
    tpot = decode_by_hand(VLLM.bandwidth.point, VLLM.overhead_s_per_layer[DC].point, devices=2,
                          allreduce=ENG.ALLREDUCE_S["fast"].point)
    assert p["tpot_ms"][0] == pytest.approx(tpot * 1e3, rel=1e-9)
    assert p["inf_devices"][0] == 2
    pcie = estimate_table(workload(inference={}), gpu(interconnect_gbps=64.0), count=2).point
    tpot = decode_by_hand(VLLM.bandwidth.point, VLLM.overhead_s_per_layer[DC].point, devices=2,
                          allreduce=ENG.ALLREDUCE_S["pcie"].point)
    assert pcie["tpot_ms"][0] == pytest.approx(tpot * 1e3, rel=1e-9)


def test_pessimistic_and_optimistic_decode_by_hand():
    est = estimate_table(workload(inference={}), gpu())
    # Pessimistic: the engine's low bandwidth with its high overhead; optimistic the reverse.
    slow = decode_by_hand(VLLM.bandwidth.low, VLLM.overhead_s_per_layer[DC].high, step=VLLM.step_overhead_s.high)
    fast = decode_by_hand(VLLM.bandwidth.high, VLLM.overhead_s_per_layer[DC].low, step=VLLM.step_overhead_s.low)
    assert est.low["tpot_ms"][0] == pytest.approx(slow * 1e3, rel=1e-9)
    assert est.high["tpot_ms"][0] == pytest.approx(fast * 1e3, rel=1e-9)


def test_calibrated_bandwidth_scales_the_engine_by_hand():
    cal = {"hand-gpu": Calibration("hand-gpu", {"fp16": 0.5}, 0.6, "probe")}
    est = estimate_table(workload(inference={}), gpu(), calibrations=cal)
    assert est.calibrated.tolist() == [True]
    bw_eff = VLLM.bandwidth.point * 0.6 / E.DECODE_BANDWIDTH.point  # measured / default fraction
    tpot = decode_by_hand(bw_eff, VLLM.overhead_s_per_layer[DC].point)
    assert est.point["tpot_ms"][0] == pytest.approx(tpot * 1e3, rel=1e-9)
    # The pessimistic scenario takes 0.9 x the measured fraction (a narrow band around it).
    slow = decode_by_hand(VLLM.bandwidth.low * 0.6 * 0.9 / E.DECODE_BANDWIDTH.low, VLLM.overhead_s_per_layer[DC].high,
                          step=VLLM.step_overhead_s.high)
    assert est.low["tpot_ms"][0] == pytest.approx(slow * 1e3, rel=1e-9)
    # Measured matmul efficiency 0.5 sets the prefill rate: 0.5 x PREFILL/GEMM of the peak.
    prefill_flops = 2 * 8e9 * 512 + 2 * 32 * 512**2 * 4096
    ttft = (prefill_flops / (1000e12 * 0.5 * E.PREFILL.point / E.GEMM.point)
            + 32 * VLLM.overhead_s_per_layer[DC].point + VLLM.step_overhead_s.point)
    assert est.point["ttft_ms"][0] == pytest.approx(ttft * 1e3, rel=1e-9)
    other = {"another-gpu": Calibration("another-gpu", {"fp16": 0.5}, 0.6, "probe")}
    assert estimate_table(workload(inference={}), gpu(), calibrations=other).calibrated.tolist() == [False]


@pytest.mark.parametrize(("changes", "platform"), [
    ({}, "cuda_datacenter"), ({"segment": "cloud"}, "cuda_datacenter"), ({"segment": "workstation"}, "cuda_consumer"),
    ({"vendor": "AMD"}, "amd"), ({"vendor": "Intel"}, "intel"), ({"vendor": "Apple"}, "apple"),
    ({"kind": "cpu"}, "cpu"),
])
def test_engine_overhead_follows_the_platform(changes, platform):
    t = gpu(**changes)
    assert ENG.platforms(t).tolist() == [platform] and ENG.is_cpu(t).tolist() == [platform == "cpu"]
    est = estimate_table(workload(inference={}), t)
    bw_eff = VLLM.bandwidth.point
    if platform == "cpu":  # CPUs stream DRAM at the host-memory efficiency
        bw_eff = min(bw_eff, E.HOST_BANDWIDTH_EFFICIENCY.point)
    tpot = decode_by_hand(bw_eff, VLLM.overhead_s_per_layer[platform].point)
    assert est.point["tpot_ms"][0] == pytest.approx(tpot * 1e3, rel=1e-9)


def test_take_keeps_the_price_notes():
    t = DeviceTable.from_rows([GPU, {**GPU, "id": "s", "name": "S", "launch_price_usd": math.nan,
                                     "street_price_usd_low": 7000.0, "street_price_usd_high": 9000.0,
                                     "street_price_seen": "2025-03", "street_price_basis": "street"}])
    assert t.price_note.tolist() == ["launch list price", "street price 2025-03: $7,000-$9,000"]
    assert t.launch_price_usd.tolist() == [30000.0, 8000.0]
    assert t.take(np.array([1])).price_note.tolist() == ["street price 2025-03: $7,000-$9,000"]


def test_overlay_rows_are_marked_in_their_names():
    from hardware_db.loader import OVERLAY_MARK

    t = DeviceTable.from_rows([GPU, {**GPU, "id": "o", "overlay": True}])
    assert t.names.tolist() == ["Hand GPU 80GB", "Hand GPU 80GB" + OVERLAY_MARK] and OVERLAY_MARK
