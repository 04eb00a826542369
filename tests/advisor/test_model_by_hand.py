"""The model's figures recomputed by hand: every formula written out with its numbers in view.

One made-up datacenter GPU (round datasheet figures below) and an 8B transformer whose shape
is given, so nothing is derived behind the test's back. The efficiency constants are named
(E.PREFILL.point, the vLLM engine's bandwidth, ...) rather than copied, so retuning a
constant keeps these tests passing and only a change of formula fails them. Expected values
never come from the model's own functions.

The seed's headline figures are checked here on the hardware-derived paths (no
cost_per_request_usd, no cost_usd given): 10M requests/day costing $20,000/day ($0.002 per
request), and $2M of training against $18M/year of serving (90:10).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.model import efficiency as E
from advisor.model import engines as ENG
from advisor.model.devices import DeviceTable
from advisor.model.estimate import estimate_table
from advisor.workload import workload_from_dict

# ---- the device and the model -----------------------------------------------------------------------

GPU = {
    "id": "hand-gpu", "name": "Hand GPU 80GB", "kind": "gpu", "vendor": "NVIDIA", "segment": "datacenter",
    "memory_gb": 80.0, "memory_bandwidth_gbps": 2000.0, "fp16_tflops": 1000.0, "bf16_tflops": 1000.0,
    "fp8_tflops": 2000.0, "tdp_w": 700.0, "idle_w": 100.0, "interconnect_gbps": 900.0,
    "cloud_usd_per_hour": 2.0, "launch_price_usd": 30_000.0,
}
MODEL = {"params_b": 8, "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8}  # head_dim 4096/32 = 128
VLLM = ENG.ENGINES["vllm"]
DC = "cuda_datacenter"  # the overhead platform of an NVIDIA datacenter part


def gpu(**changes) -> DeviceTable:
    return DeviceTable.from_rows([{**GPU, **changes}])


def workload(inference=None, training=None, economics=None, model=None):
    data = {"model": {**MODEL, **(model or {})}}
    if inference is not None:
        data["inference"] = {"precision": "fp16", "requests_per_day": 1e6, "prompt_tokens": 512,
                             "output_tokens": 128, "batch_size": 1, "engine": "vllm", **inference}
    if training is not None:
        data["training"] = {"precision": "bf16", "seq_len": 2048, **training}
    if economics is not None:
        data["economics"] = economics
    return workload_from_dict(data)


def serving_by_hand(requests_per_day: float, pue: float = 1.2, utilization: float = 0.6) -> dict:
    """One replica of the 8B fp16 model on one Hand GPU with vLLM, batch 1, 512 + 128 tokens."""
    params, layers, hidden, P, O = 8e9, 32, 4096, 512, 128
    bandwidth = 2000e9 * VLLM.bandwidth.point               # B/s the engine streams weights at
    compute = 1000e12                                        # fp16 dense peak, one device
    overhead = layers * VLLM.overhead_s_per_layer[DC].point + VLLM.step_overhead_s.point  # launch/sync + scheduler step
    kv_per_token = 2 * layers * 8 * 128 * 2                  # K and V, 8 KV heads x 128, 2 bytes
    prefill_flops = 2 * params * P + 2 * layers * P**2 * hidden
    ttft = max(prefill_flops / (compute * E.PREFILL.point), params * 2 / bandwidth) + overhead
    ctx = P + O / 2                                          # mean context while decoding
    t_memory = params * 2 / bandwidth + kv_per_token * ctx / bandwidth
    t_compute = (2 * params + 4 * layers * ctx * hidden) / (compute * E.GEMM.point)
    tpot = max(t_memory, t_compute) + overhead
    busy = ttft + O * tpot                                   # device-seconds per request at batch 1
    capacity = 86_400 / busy * utilization                   # requests a replica takes per day
    replicas = math.ceil(requests_per_day / capacity)
    busy_w = 100 + E.POWER_BUSY_MEMORY.point * (700 - 100)   # memory-bound decode: idle + share of (TDP - idle)
    duty = min(1.0, requests_per_day * busy / (86_400 * replicas))
    avg_w = 100 + duty * (busy_w - 100)
    kwh_per_day = avg_w * replicas * 24 / 1000 * pue
    return {"ttft": ttft, "tpot": tpot, "t_memory": t_memory, "t_compute": t_compute, "busy": busy,
            "replicas": replicas, "avg_w": avg_w, "busy_w": busy_w, "duty": duty, "kwh_per_day": kwh_per_day}


# ---- inference ----------------------------------------------------------------------------------------

def test_latency_by_hand():
    h = serving_by_hand(1e6)
    p = estimate_table(workload(inference={}), gpu()).point
    assert h["t_memory"] > h["t_compute"]  # batch 1 decode is memory-bound
    assert not p["bound_compute"][0]
    assert p["ttft_ms"][0] == pytest.approx(h["ttft"] * 1e3, rel=1e-9)
    assert p["tpot_ms"][0] == pytest.approx(h["tpot"] * 1e3, rel=1e-9)
    assert p["decode_tokens_per_s"][0] == pytest.approx(1 / h["tpot"], rel=1e-9)
    assert p["request_latency_ms"][0] == pytest.approx((h["ttft"] + 128 * h["tpot"]) * 1e3, rel=1e-9)
    # ~9.2 ms to stream 16 GB at 0.87 x 2 TB/s, + 32 x 40 us + a 0.8 ms scheduler step: about 11.3 ms per token.
    assert 9e-3 < h["tpot"] < 12e-3


def test_memory_by_hand():
    p = estimate_table(workload(inference={"batch_size": 4}), gpu()).point
    weights = 8e9 * 2
    kv = 2 * 32 * 8 * 128 * 2 * (512 + 128) * 4          # per token x context x batch
    activations = 4 * (512 + 128) * 4096 * 2 * 4          # batch x context x hidden x 2 bytes x 4 live tensors
    total = weights + kv + activations
    overhead = E.RUNTIME_OVERHEAD_FRACTION * total + E.RUNTIME_OVERHEAD_GB * 1e9
    assert p["mem_weights_gb"][0] == pytest.approx(16.0)
    assert p["mem_kv_cache_gb"][0] == pytest.approx(kv / 1e9)
    assert p["mem_inf_activations_gb"][0] == pytest.approx(activations / 1e9)
    assert p["inf_memory_required_gb"][0] == pytest.approx((total + overhead) / 1e9)
    assert p["inf_devices"][0] == 1 and p["inf_fits"][0]
    # fp8 KV cache halves it.
    fp8 = estimate_table(workload(inference={"batch_size": 4, "kv_cache_precision": "fp8"}), gpu()).point
    assert fp8["mem_kv_cache_gb"][0] == pytest.approx(kv / 2 / 1e9)


def test_devices_to_hold_a_model_by_hand():
    # 60B at fp16: 120 GB of weights. Usable per device: 80 GB x 0.92 - 0.8 GB of runtime = 72.8 GB.
    w = workload(inference={"prompt_tokens": 16, "output_tokens": 16}, model={"params_b": 60, "layers": 80,
                                                                               "hidden": 8192, "heads": 64})
    p = estimate_table(w, gpu()).point
    weights = 120e9
    kv = 2 * 80 * 8 * 128 * 2 * 32
    act = 32 * 8192 * 2 * 4
    need = (weights + kv + act) * (1 + E.RUNTIME_OVERHEAD_FRACTION) / (80e9 * E.USABLE_MEMORY_FRACTION - 0.8e9)
    assert 1 < need < 2
    assert p["inf_devices"][0] == 2  # ceil(1.9x) = 2, a power of two
    assert p["inf_memory_per_device_gb"][0] == pytest.approx(
        ((weights + kv + act) * (1 + E.RUNTIME_OVERHEAD_FRACTION) / 2 + 0.8e9) / 1e9)
    # Forced onto one device it does not fit.
    assert not estimate_table(w, gpu(), count=1).point["inf_fits"][0]


def test_energy_with_pue_and_real_traffic_by_hand():
    # 1M requests a day keep the replicas busy more than half the time (not the idle path).
    h = serving_by_hand(1e6, pue=1.5)
    p = estimate_table(workload(inference={}, economics={"pue": 1.5}), gpu()).point
    assert h["duty"] > 0.5 and h["replicas"] > 10
    assert p["replicas_needed"][0] == h["replicas"]
    assert p["busy_power_w"][0] == pytest.approx(h["busy_w"])
    assert p["avg_power_w"][0] == pytest.approx(h["avg_w"], rel=1e-9)
    assert p["energy_kwh_per_day"][0] == pytest.approx(h["kwh_per_day"], rel=1e-9)
    assert p["energy_wh_per_request"][0] == pytest.approx(h["kwh_per_day"] * 1000 / 1e6, rel=1e-9)
    assert p["co2_kg_per_day"][0] == pytest.approx(h["kwh_per_day"] * 0.4, rel=1e-9)
    # PUE multiplies the facility's energy: 1.5 / 1.0.
    p1 = estimate_table(workload(inference={}, economics={"pue": 1.0}), gpu()).point
    assert p["energy_wh_per_request"][0] == pytest.approx(1.5 * p1["energy_wh_per_request"][0], rel=1e-9)


def test_idle_power_defaults_to_a_share_of_tdp():
    h = serving_by_hand(10)  # 10 requests a day: idle nearly all day
    p = estimate_table(workload(inference={"requests_per_day": 10}, economics={"pue": 1.0}),
                       gpu(idle_w=math.nan)).point
    idle = 700 * E.IDLE_FRACTION_OF_TDP
    busy = idle + E.POWER_BUSY_MEMORY.point * (700 - idle)
    duty = 10 * h["busy"] / 86_400
    assert p["avg_power_w"][0] == pytest.approx(idle + duty * (busy - idle), rel=1e-9)


def test_cloud_serving_cost_by_hand():
    h = serving_by_hand(1e6)
    p = estimate_table(workload(inference={}), gpu()).point
    per_day = 2.0 * 1 * h["replicas"] * 24  # $/device-hour x devices x replicas x 24 h
    assert p["hardware_cost_usd_per_day"][0] == pytest.approx(per_day)
    assert p["cost_usd_per_day"][0] == pytest.approx(per_day)
    assert p["cost_usd_per_year"][0] == pytest.approx(per_day * 365)
    assert p["cost_usd_per_million_tokens"][0] == pytest.approx(per_day / (1e6 * 640) * 1e6)
    assert p["cost_usd_per_million_requests"][0] == pytest.approx(per_day)
    assert p["hourly_usd"][0] == 2.0 and p["price_basis"][0] == "cloud"


def test_owned_serving_cost_by_hand():
    h = serving_by_hand(1e6, pue=1.3)
    w = workload(inference={}, economics={"mode": "owned", "amortization_years": 4, "electricity_usd_per_kwh": 0.2,
                                          "pue": 1.3})
    p = estimate_table(w, gpu()).point
    hourly = 30_000 / (4 * 8766) + h["avg_w"] / 1000 * 1.3 * 0.2  # purchase over 4 years of 8766 h + electricity
    assert p["hourly_usd"][0] == pytest.approx(hourly, rel=1e-9)
    assert p["hardware_cost_usd_per_day"][0] == pytest.approx(hourly * h["replicas"] * 24, rel=1e-9)
    assert p["price_basis"][0] == "owned"
    assert estimate_table(w, gpu(launch_price_usd=math.nan)).point["price_basis"][0] == "unknown"


def test_buy_vs_rent_uses_730_5_hours_a_month():
    h = serving_by_hand(1e6)
    p = estimate_table(workload(inference={}, economics={"electricity_usd_per_kwh": 0.1}), gpu()).point
    fleet = h["replicas"]
    rent_month = 2.0 * fleet * 730.5            # 8766 h / 12
    power_month = h["kwh_per_day"] * 30.44 * 0.1  # what the bought fleet burns per month
    assert p["buy_vs_rent_break_even_months"][0] == pytest.approx(30_000 * fleet / (rent_month - power_month), rel=1e-9)
    # ~21 months for a $30,000 card rented at $2/h.
    assert 19 < p["buy_vs_rent_break_even_months"][0] < 22


def test_known_price_per_request_replaces_the_hardware_cost():
    p = estimate_table(workload(inference={"cost_per_request_usd": 0.003}), gpu()).point
    assert p["cost_usd_per_day"][0] == pytest.approx(3000.0)
    assert p["hardware_cost_usd_per_day"][0] == pytest.approx(2.0 * serving_by_hand(1e6)["replicas"] * 24)


def test_headline_20000_dollars_a_day_from_hardware():
    """10M requests/day at $0.002 each = $20,000/day, reached from device-hours, not a given price."""
    h = serving_by_hand(1e7)
    price = 20_000 / (24 * h["replicas"])  # the device-hour price at which this fleet costs $20,000/day
    p = estimate_table(workload(inference={"requests_per_day": 1e7}), gpu(cloud_usd_per_hour=price)).point
    assert p["replicas_needed"][0] == h["replicas"]
    assert p["cost_usd_per_day"][0] == pytest.approx(20_000)
    assert p["cost_usd_per_million_requests"][0] / 1e6 == pytest.approx(0.002)  # $ per request
    assert p["cost_usd_per_year"][0] == pytest.approx(7.3e6)


# ---- training ------------------------------------------------------------------------------------------

def training_by_hand(tokens: float, devices: int, active_params: float = 8e9) -> dict:
    flops = 6 * active_params * tokens + 6 * 32 * 2048 * 4096 * tokens  # 6N per token + attention
    scale = (1 - E.SCALING_LOSS_FAST) ** math.log2(devices)            # NVLink-class: 900 GB/s >= 200
    rate = 1000e12 * E.TRAIN_MFU.point                                  # bf16 peak x MFU, per device
    hours = flops / (rate * devices * scale) / 3600
    busy_w = 100 + E.POWER_BUSY_COMPUTE.point * (700 - 100)
    return {"flops": flops, "hours": hours, "scale": scale, "busy_w": busy_w}


def test_training_time_cost_and_energy_by_hand():
    h = training_by_hand(1e11, 8)
    p = estimate_table(workload(training={"tokens": 1e11, "devices": 8}, economics={"pue": 1.4}), gpu()).point
    assert p["flops"][0] == pytest.approx(h["flops"])
    assert p["train_scaling_efficiency"][0] == pytest.approx(0.98**3 if E.SCALING_LOSS_FAST == 0.02 else h["scale"])
    assert p["time_hours"][0] == pytest.approx(h["hours"], rel=1e-9)
    assert p["device_hours"][0] == pytest.approx(8 * h["hours"], rel=1e-9)
    assert p["train_cost_usd"][0] == pytest.approx(2.0 * 8 * h["hours"], rel=1e-9)  # $2/device-hour
    assert p["energy_kwh"][0] == pytest.approx(8 * h["busy_w"] * h["hours"] / 1000 * 1.4, rel=1e-9)
    # Over PCIe only the scaling loss per doubling is larger.
    pcie = estimate_table(workload(training={"tokens": 1e11, "devices": 8}), gpu(interconnect_gbps=64.0)).point
    assert pcie["train_scaling_efficiency"][0] == pytest.approx((1 - E.SCALING_LOSS_PCIE) ** 3)


def test_training_memory_by_hand():
    p = estimate_table(workload(training={"tokens": 1e9, "devices": 8}), gpu()).point
    assert p["mem_train_weights_gb"][0] == pytest.approx(8 * 2)     # bf16 weights
    assert p["mem_gradients_gb"][0] == pytest.approx(8 * 2)         # bf16 gradients
    assert p["mem_optimizer_gb"][0] == pytest.approx(8 * 12)        # fp32 master + Adam m and v
    act = 2048 * 1 * 4096 * E.ACT_BYTES_PER_TOKEN_PER_HIDDEN * 32   # seq x micro-batch x hidden x 34 x layers
    assert p["mem_activations_gb"][0] == pytest.approx(act / 1e9)
    per_device = 8e9 * 16 / 8 + act + E.RUNTIME_OVERHEAD_GB * 1e9 + E.RUNTIME_OVERHEAD_FRACTION * act
    assert p["train_memory_per_device_gb"][0] == pytest.approx(per_device / 1e9)


def test_moe_training_flops_follow_active_parameters():
    # 47B total, 13B active per token: compute follows the 13B, memory holds the 47B.
    w = workload(training={"tokens": 1e10, "devices": 8}, model={"params_b": 47, "active_params_b": 13})
    p = estimate_table(w, gpu()).point
    h = training_by_hand(1e10, 8, active_params=13e9)
    assert p["flops"][0] == pytest.approx(h["flops"])
    assert p["time_hours"][0] == pytest.approx(h["hours"], rel=1e-9)
    assert p["mem_optimizer_gb"][0] == pytest.approx(47 * 12)


def test_headline_90_10_lifecycle_from_hardware():
    """$2M of training and $18M a year of serving: 90% of the first year's cost is inference."""
    serve = serving_by_hand(1e7)
    price = 18e6 / (365 * 24 * serve["replicas"])  # device-hour price: the serving fleet costs $18M a year
    # Tokens for which 8 devices train for $2M at that price: hours = 2e6 / (price x 8).
    hours = 2e6 / (price * 8)
    per_token = 6 * 8e9 + 6 * 32 * 2048 * 4096
    tokens = hours * 3600 * 1000e12 * E.TRAIN_MFU.point * 8 * (1 - E.SCALING_LOSS_FAST) ** 3 / per_token
    w = workload(inference={"requests_per_day": 1e7}, training={"tokens": tokens, "devices": 8})
    est = estimate_table(w, gpu(cloud_usd_per_hour=price))
    p = est.point
    assert p["train_cost_usd"][0] == pytest.approx(2e6)
    assert p["cost_usd_per_year"][0] == pytest.approx(18e6)
    assert p["inference_share"][0] == pytest.approx(0.90)
    assert p["inference_overtakes_month"][0] == pytest.approx(2e6 / (18e6 / 12))  # 1.33 months
    life = est.record(0)["lifecycle"]
    assert life["training_cost_usd"] == pytest.approx(2e6) and life["inference_share"] == pytest.approx(0.9)
    # Over a 3-year horizon serving is 54M of 56M.
    w3 = workload(inference={"requests_per_day": 1e7}, training={"tokens": tokens, "devices": 8},
                  economics={"horizon_years": 3})
    p3 = estimate_table(w3, gpu(cloud_usd_per_hour=price)).point
    assert p3["lifecycle_inference_cost_usd"][0] == pytest.approx(54e6)
    assert p3["inference_share"][0] == pytest.approx(54 / 56)


def test_devices_sized_to_the_target_days():
    # 1e12 tokens: 8 devices would take h8 hours; the advisor sizes the cluster to finish in 30 days.
    h1 = training_by_hand(1e12, 1)
    n_time = math.ceil(h1["hours"] / (30 * 24))
    p = estimate_table(workload(training={"tokens": 1e12, "target_days": 30}), gpu()).point
    n = p["train_devices"][0]
    assert n >= n_time and p["time_hours"][0] <= 30 * 24
    assert n == 2 ** math.ceil(math.log2(n)) or n % 8 == 0  # 1, 2, 4, 8 or a multiple of 8
    # One fewer step down (half, or 8 fewer) would miss the target.
    fewer = n / 2 if n <= 8 else n - 8
    assert training_by_hand(1e12, int(fewer))["hours"] > 30 * 24


def test_fp8_training_uses_its_own_mfu():
    p = estimate_table(workload(training={"precision": "fp8", "tokens": 1e11, "devices": 1}), gpu()).point
    flops = 6 * 8e9 * 1e11 + 6 * 32 * 2048 * 4096 * 1e11
    assert p["time_hours"][0] == pytest.approx(flops / (2000e12 * E.TRAIN_MFU_FP8.point) / 3600, rel=1e-9)


def test_checkpointing_by_hand():
    p = estimate_table(workload(training={"tokens": 1e11, "devices": 8, "activation_checkpointing": True}),
                       gpu()).point
    flops = (6 * 8e9 * 1e11 + 6 * 32 * 2048 * 4096 * 1e11) * E.CHECKPOINT_RECOMPUTE
    assert p["flops"][0] == pytest.approx(flops)
    act = 2048 * 4096 * (E.ACT_CKPT_BYTES_PER_TOKEN_PER_HIDDEN * 32 + E.ACT_BYTES_PER_TOKEN_PER_HIDDEN)
    assert p["mem_activations_gb"][0] == pytest.approx(act / 1e9)


def test_ranges_bracket_the_point():
    est = estimate_table(workload(inference={}, training={"tokens": 1e11, "devices": 8}), gpu())
    for key in ("ttft_ms", "tpot_ms", "time_hours"):
        lo, pt, hi = est.low[key][0], est.point[key][0], est.high[key][0]
        assert min(lo, hi) < pt < max(lo, hi), key
    # Pessimistic training: the low MFU.
    flops = 6 * 8e9 * 1e11 + 6 * 32 * 2048 * 4096 * 1e11
    slow = flops / (1000e12 * E.TRAIN_MFU.low * 8 * (1 - E.SCALING_LOSS_FAST) ** 3) / 3600
    assert est.low["time_hours"][0] == pytest.approx(slow, rel=1e-9)
    assert np.isclose(est.high["time_hours"][0], slow * E.TRAIN_MFU.low / E.TRAIN_MFU.high)
