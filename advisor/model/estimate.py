"""Memory, time, energy and cost of one workload on every device of a table, at once.

The roofline, per phase (Williams et al. 2009; applied to LLMs as in Pope et al. 2022,
"Efficiently Scaling Transformer Inference"):
- prefill: FLOPs = 2 * active params * prompt tokens + attention 2 * layers * prompt^2 * hidden
  (causal); compute-bound for any real prompt.
- decode: each step reads every weight and the KV cache of each stream once:
  time = max(FLOPs / (compute * eff), bytes / (bandwidth * eff)) + a fixed per-layer launch
  overhead. At batch 1 the bytes term wins (memory-bound); large batches turn it compute-bound.
- training: FLOPs = 6 * active params * tokens (Kaplan et al. 2020) + attention
  6 * layers * seq_len * hidden per token, x4/3 with activation checkpointing; time = FLOPs /
  (devices * peak * MFU * scaling).
Every figure is computed three times, with pessimistic, default and optimistic efficiency
factors (advisor.model.efficiency), giving the point estimate and its low/high range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from advisor.model import efficiency as E
from advisor.model import engines as ENG
from advisor.model.calibration import Calibration
from advisor.model.devices import DeviceTable
from advisor.model.shape import Shape, model_shape
from advisor.precision import PRECISIONS
from advisor.workload import Workload

SECONDS_PER_DAY = 86_400.0
MAX_TP_DEVICES = 64  # beyond this a model is not "split across devices" but a cluster design
MAX_PCIE_DEVICES = 8  # cards one server holds

# Bytes per parameter of the training state, by training precision (mixed precision keeps
# an fp32 master copy in the optimizer; Rajbhandari et al. 2020, ZeRO, section 3.1).
TRAIN_WEIGHT_BYTES = {"fp32": 4, "tf32": 4, "bf16": 2, "fp16": 2, "fp8": 2}
TRAIN_GRAD_BYTES = {"fp32": 4, "tf32": 4, "bf16": 2, "fp16": 2, "fp8": 2}
OPTIMIZER_BYTES = {  # (mixed precision, pure fp32)
    "adam": (12, 8),  # fp32 master + m + v; fp32 training keeps only m + v
    "sgd": (8, 4),  # fp32 master + momentum
    "adafactor": (4, 0.1),  # fp32 master + factored second moments (~sqrt of the matrix)
}
# Conv nets: activations are ~12 bytes per 1000 forward FLOPs per sample at 16 bit
# (ResNet-50: ~100 MB per 224px image for 8.2 GFLOPs, batch 256 fits a 32 GB V100).
CNN_ACT_BYTES_PER_FLOP = 0.012


@dataclass(frozen=True)
class Scenario:
    """One set of efficiency factors, per device (arrays) so calibration can differ by row."""

    gemm: np.ndarray
    prefill: np.ndarray
    decode_bw: np.ndarray
    overhead_s_per_layer: float | np.ndarray
    mfu: float | np.ndarray
    mfu_fp8: float | np.ndarray
    power_compute: float
    power_memory: float
    which: str = "point"  # low | point | high: picks the engine factors of the same scenario


#: A measured factor holds within a narrow band: (pessimistic, point, optimistic) multipliers.
MEASURED_BAND = (0.9, 1.0, 1.05)


def _scenarios(table: DeviceTable, calibrations: dict[str, Calibration] | None, compute_precision: str):
    """(pessimistic, default, optimistic) scenarios, the calibrated mask and, per device, the
    names of the factors a probe measured. Measured efficiencies replace defaults: the matmul
    efficiency sets gemm, prefill and training MFU (each scaled by its default's ratio to the
    default gemm efficiency), the bandwidth efficiency sets decode streaming, the measured
    per-layer overhead sets decode's fixed cost."""
    n = len(table)
    out = []
    for which in ("low", "point", "high"):
        g = np.full(n, getattr(E.GEMM, which))
        pre = np.full(n, getattr(E.PREFILL, which))
        bw = np.full(n, getattr(E.DECODE_BANDWIDTH, which))
        rev = {"low": "high", "point": "point", "high": "low"}[which]
        oh = np.full(n, getattr(E.DECODE_OVERHEAD_S_PER_LAYER, rev))
        mfu = np.full(n, getattr(E.TRAIN_MFU, which))
        mfu8 = np.full(n, getattr(E.TRAIN_MFU_FP8, which))
        out.append([g, pre, bw, oh, mfu, mfu8])
    calibrated = np.zeros(n, dtype=bool)
    figures: list[tuple[str, ...]] = [()] * n
    for i, dev in enumerate(table.ids):
        cal = (calibrations or {}).get(dev)
        if cal is None:
            continue
        names: list[str] = []
        measured_gemm = cal.compute_efficiency.get(compute_precision)
        if measured_gemm:
            for k, spread in enumerate(MEASURED_BAND):  # measured: a narrow band around it
                out[k][0][i] = min(1.0, measured_gemm * spread)
                out[k][1][i] = min(1.0, measured_gemm * spread * E.PREFILL.point / E.GEMM.point)
                out[k][4][i] = min(1.0, measured_gemm * spread * E.TRAIN_MFU.point / E.GEMM.point)
            names += ["gemm", "prefill", "train_mfu"]
        measured_fp8 = cal.compute_efficiency.get("fp8")
        if measured_fp8:
            for k, spread in enumerate(MEASURED_BAND):
                out[k][5][i] = min(1.0, measured_fp8 * spread * E.TRAIN_MFU_FP8.point / E.GEMM.point)
            names.append("train_mfu_fp8")
        if cal.bandwidth_efficiency:
            for k, spread in enumerate(MEASURED_BAND):
                out[k][2][i] = min(1.0, cal.bandwidth_efficiency * spread)
            names.append("decode_bandwidth")
        if cal.overhead_s_per_layer:
            for k, spread in enumerate(MEASURED_BAND):  # a bigger overhead is the pessimistic case
                out[k][3][i] = cal.overhead_s_per_layer / spread
            names.append("decode_overhead")
        calibrated[i] = bool(names)
        figures[i] = tuple(names)
    scen = []
    for k, which in enumerate(("low", "point", "high")):
        # Pessimistic efficiency pairs with the largest overhead and power draw.
        rev = {"low": "high", "point": "point", "high": "low"}[which]
        scen.append(Scenario(
            gemm=out[k][0], prefill=out[k][1], decode_bw=out[k][2],
            overhead_s_per_layer=out[k][3],
            mfu=out[k][4], mfu_fp8=out[k][5],
            power_compute=getattr(E.POWER_BUSY_COMPUTE, rev), power_memory=getattr(E.POWER_BUSY_MEMORY, rev),
            which=which,
        ))
    return scen, calibrated, figures


def _round_devices(n: np.ndarray) -> np.ndarray:
    """Device counts people deploy: 1, 2, 4, 8, then multiples of 8."""
    n = np.maximum(1.0, np.ceil(n))
    small = np.where(n <= 8, 2.0 ** np.ceil(np.log2(np.maximum(n, 1))), np.ceil(n / 8) * 8)
    return np.where(np.isfinite(n), small, np.nan)


def _scaling(table: DeviceTable, n: np.ndarray, fast_loss: float, pcie_loss: float) -> np.ndarray:
    fast = table.interconnect_gbps >= E.FAST_INTERCONNECT_GBPS  # NaN compares False: PCIe
    loss = np.where(fast, fast_loss, pcie_loss)
    return (1 - loss) ** np.log2(np.maximum(n, 1))


@dataclass
class Estimates:
    """Per-device results: `point[key]`, `low[key]`, `high[key]` arrays, plus shared facts."""

    workload: Workload
    table: DeviceTable
    shape: Shape
    point: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    calibrated: np.ndarray
    #: per device, the factors a probe measured ("gemm", "train_mfu", "decode_overhead", ...)
    calibrated_figures: tuple = ()

    def __len__(self) -> int:
        return len(self.table)

    def index_of(self, device_id: str) -> int:
        return int(np.flatnonzero(self.table.ids == device_id)[0])

    def record(self, i: int) -> dict:
        """The DESIGN.md `estimate --json` object for device `i`."""
        from advisor.model.report_fields import record

        return record(self, i)


def estimate_table(wl: Workload, table: DeviceTable, *, count: int | None = None,
                   calibrations: dict[str, Calibration] | None = None) -> Estimates:
    """Estimate `wl` on every device in `table`.

    Args:
        wl: the workload.
        table: devices (from `device_table(catalog)`, or `.take()` of it).
        count: devices per inference replica and for training; None sizes it per device
            (fewest that fit for inference; fit and `target_days` for training).
        calibrations: device id -> measured efficiencies replacing the defaults.
    """
    shape = model_shape(wl.model)
    compute_prec = PRECISIONS[(wl.training or wl.inference).precision].compute
    scen, calibrated, cal_figures = _scenarios(table, calibrations, compute_prec)
    point = _compute(wl, table, shape, scen[1], count=count, fixed=None)
    fixed = {k: point[k] for k in ("inf_devices", "train_devices") if k in point}
    low = _compute(wl, table, shape, scen[0], count=count, fixed=fixed)
    high = _compute(wl, table, shape, scen[2], count=count, fixed=fixed)
    return Estimates(wl, table, shape, point, low, high, calibrated, tuple(cal_figures))


def _hourly_price(wl: Workload, table: DeviceTable, avg_power_w: np.ndarray):
    """$ per device-hour and the basis it rests on, per device.

    cloud: the catalog's on-demand price (electricity included). owned: launch price over the
    amortisation years plus electricity at the facility's PUE. The two are never mixed in
    one comparison (an amortised card leaves out host, rack and staff that a cloud price
    covers): a device without a price for the workload's mode is 'unknown' (NaN).
    """
    e = wl.economics
    if e.mode == "cloud":
        price = table.cloud_usd_per_hour
    else:
        electricity = avg_power_w / 1000 * e.pue * e.electricity_usd_per_kwh
        price = table.launch_price_usd / (e.amortization_years * E.HOURS_PER_YEAR) + electricity
    basis = np.where(np.isnan(price), "unknown", e.mode).astype(object)
    return price, basis


def _power(table: DeviceTable, busy_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(idle W, busy W) per device: idle + busy_fraction * (TDP - idle)."""
    idle = np.where(np.isnan(table.idle_w), table.tdp_w * E.IDLE_FRACTION_OF_TDP, table.idle_w)
    return idle, idle + busy_fraction * (table.tdp_w - idle)


def _compute(wl: Workload, table: DeviceTable, s: Shape, sc: Scenario, *, count, fixed) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    mem_cap = table.memory_gb * 1e9 * E.USABLE_MEMORY_FRACTION
    if wl.inference is not None:
        _inference(wl, table, s, sc, mem_cap, count, fixed, out)
    if wl.training is not None:
        _training(wl, table, s, sc, mem_cap, count, fixed, out)
    if wl.inference is not None and wl.training is not None:
        _lifecycle(wl, table, out)
    return out


def _host_memory_gb(inf) -> float:
    """Host RAM for offloaded layers: the workload's, else this machine's, else a 64 GB desktop."""
    if inf.host_memory_gb:
        return inf.host_memory_gb
    try:
        import psutil

        return psutil.virtual_memory().total / 1e9
    except Exception:  # noqa: BLE001 - no psutil answer: the planning default
        return E.DEFAULT_HOST_MEMORY_GB


def _inference(wl, table, s, sc, mem_cap, count, fixed, out) -> None:
    inf = wl.inference
    prec = PRECISIONS[inf.precision]
    transformer = wl.model.family == "transformer"
    P, O, b = inf.prompt_tokens, inf.output_tokens, inf.batch_size
    bytes_per_param = (inf.bits_per_weight or prec.bits_per_weight) / 8
    weights = s.params * bytes_per_param
    # The KV cache has its own precision (engines default to 16-bit whatever the weights).
    kv_bytes_per_value = 1 if inf.kv_cache_precision in ("fp8", "int8") else 2
    kv_per_token = 2 * s.layers * s.kv_heads * s.head_dim * kv_bytes_per_value if transformer else 0.0
    kv_cache = kv_per_token * (P + O) * b
    if transformer:
        activations = b * (P + O) * s.hidden * 2 * 4  # a few live activation tensors at 16 bit
    else:
        activations = b * CNN_ACT_BYTES_PER_FLOP * _sample_flops(wl, s) / 3  # inference keeps one layer's
    total = weights + kv_cache + activations
    overhead_shared = E.RUNTIME_OVERHEAD_FRACTION * total
    per_device_fixed = E.RUNTIME_OVERHEAD_GB * 1e9
    offload = inf.offload == "auto"
    if fixed is not None:
        n = fixed["inf_devices"]
    elif count is not None:
        n = np.full(len(table), float(count))
    elif offload:
        n = np.ones(len(table))  # offloading: the one device plus host memory
    else:
        room = mem_cap - per_device_fixed
        need = np.where(room > 0, (total + overhead_shared) / np.where(room > 0, room, 1), np.inf)
        n = _round_devices(need)
        # One replica spans at most one server of PCIe cards (8), or a fast-interconnect
        # domain (NVLink/Infinity Fabric/ICI: up to 64 here); beyond that it does not fit.
        fast = table.interconnect_gbps >= E.FAST_INTERCONNECT_GBPS
        n = np.where(n > np.where(fast, MAX_TP_DEVICES, MAX_PCIE_DEVICES), np.nan, n)
    n_eff = np.where(np.isnan(n), 1.0, n)
    # Offload: what does not fit the devices' memory stays in host RAM (weights only; llama.cpp -ngl).
    spill = np.maximum(0.0, total + overhead_shared - n_eff * (mem_cap - per_device_fixed)) if offload \
        else np.zeros(len(table))
    offloaded = np.minimum(spill, weights)
    off_frac = offloaded / weights if weights > 0 else np.zeros(len(table))
    host_ok = offloaded <= _host_memory_gb(inf) * 1e9 * E.USABLE_MEMORY_FRACTION if offload else True
    per_device = (total + overhead_shared - offloaded) / n_eff + per_device_fixed
    fits = (per_device <= mem_cap * (1 + 1e-9)) & ~np.isnan(n) & host_ok

    eng = ENG.factors(wl, table, sc.which)
    layer_split = eng.split == "layers"
    compute_peak, used = table.peak_for(prec.compute)
    fast_link = table.interconnect_gbps >= E.FAST_INTERCONNECT_GBPS
    # Tensor split: bandwidths and compute add (compute loses a little per doubling to the
    # all-reduces); layer split: the devices take turns, one device's bandwidth and compute.
    tp = _scaling(table, n_eff, E.TP_LOSS_FAST, E.TP_LOSS_PCIE)
    width = np.where(layer_split, 1.0, n_eff)
    C = compute_peak * 1e12 * width * np.where(layer_split, 1.0, tp)
    B = table.bandwidth_gbps * 1e9 * width
    # Measured bandwidth (probes) scales the engine's efficiency by measured / default.
    calib = sc.decode_bw / getattr(E.DECODE_BANDWIDTH, sc.which)
    # CPUs stream DRAM at the host-memory efficiency (the same factor as offloaded layers), unless
    # a probe measured this one (then the measurement already holds it).
    host_eff = getattr(E.HOST_BANDWIDTH_EFFICIENCY, sc.which)
    cpu_cap = ENG.is_cpu(table) & (calib == 1.0)
    bw_eff = np.where(cpu_cap, np.minimum(eng.bandwidth, host_eff), eng.bandwidth) * calib
    host_B = (inf.host_bandwidth_gbps or E.DEFAULT_HOST_BANDWIDTH_GBPS) * 1e9 * host_eff
    rev = {"low": "high", "point": "point", "high": "low"}[sc.which]
    calib_overhead = sc.overhead_s_per_layer / getattr(E.DECODE_OVERHEAD_S_PER_LAYER, rev)
    allreduce = np.where(fast_link, getattr(ENG.ALLREDUCE_S["fast"], rev), getattr(ENG.ALLREDUCE_S["pcie"], rev))
    comm = np.where(n_eff > 1, np.where(layer_split, (n_eff - 1) * getattr(ENG.LAYER_HOP_S, rev),
                                        2 * s.layers * allreduce), 0.0)
    if transformer:
        overhead = (s.layers * eng.overhead_s_per_layer + eng.step_overhead_s) * calib_overhead + comm
    else:
        overhead = s.layers * sc.overhead_s_per_layer + comm

    # A layer in host RAM never streams faster than it would from the device (else it would not be offloaded).
    host_B = np.minimum(host_B, B * bw_eff)

    def read_time(nbytes):
        """Seconds to stream `nbytes` of weights: the resident part from the devices, the rest from host RAM."""
        return nbytes * (1 - off_frac) / (B * bw_eff) + nbytes * off_frac / host_B

    weight_read = read_time(weights)
    if transformer:
        Na = s.active_params
        prefill_flops = 2 * Na * P + 2 * s.layers * P**2 * s.hidden
        ttft = np.maximum(prefill_flops / (C * sc.prefill), read_time(s.params_read(P) * bytes_per_param)) + overhead
        ctx = P + O / 2
        step_flops = b * (2 * Na + 4 * s.layers * ctx * s.hidden)
        # MoE: a step reads the shared weights and the distinct experts the batch touches.
        t_memory = read_time(s.params_read(b) * bytes_per_param) + b * kv_per_token * ctx / (B * bw_eff)
        t_compute = step_flops / (C * sc.gemm)
        # fmax: a device without a published compute peak still decodes at its bandwidth.
        tpot = np.fmax(t_compute, t_memory) + overhead
        bound_compute = (t_compute > t_memory) if O > 0 else np.ones(len(table), dtype=bool)
        latency = ttft + O * tpot
        busy_per_request = ttft + O * tpot / b
        tokens_per_request = P + O
        out["ttft_ms"] = ttft * 1e3
        out["tpot_ms"] = tpot * 1e3 if O > 0 else np.full(len(table), np.nan)
        out["decode_tokens_per_s"] = 1 / tpot if O > 0 else np.full(len(table), np.nan)
        out["throughput_tokens_per_s"] = b / tpot if O > 0 else b * P / ttft
        # Output tokens/s of a replica serving batches back to back, prefill included
        # (static batching, as TensorRT-LLM's "peak throughput" tables measure it).
        out["serving_tokens_per_s"] = b * O / (b * ttft + O * tpot) if O > 0 else b * P / (b * ttft)
    else:
        flops = b * _sample_flops(wl, s)
        t_compute = flops / (C * sc.gemm)
        batch_time = np.maximum(t_compute, weight_read) + overhead
        bound_compute = t_compute > weight_read
        latency = batch_time
        busy_per_request = batch_time / b
        tokens_per_request = 0
        out["samples_per_s"] = b / batch_time
    out.update({
        "engine": eng.names, "split": np.where(n_eff > 1, eng.split, "none").astype(object),
        "continuous_batching": eng.continuous_batching,
        "offloaded_gb": offloaded / 1e9,
        "offloaded_layers": np.ceil(off_frac * s.layers - 1e-9),
        # Speed lost to offloading: decode time with the host part / decode time were it all resident.
        "offload_slowdown": weight_read / (weights / (B * bw_eff)) if weights > 0 else np.ones(len(table)),
    })
    requests_per_s_replica = 1 / busy_per_request
    capacity_per_day = requests_per_s_replica * SECONDS_PER_DAY * wl.economics.target_utilization
    replicas = np.ceil(inf.requests_per_day / capacity_per_day)
    # Energy: each device idles between requests; busy time draws the phase's power.
    busy_frac = np.where(bound_compute, sc.power_compute, sc.power_memory)
    idle_w, _ = _power(table, 0.0)
    busy_w = idle_w + busy_frac * (table.tdp_w - idle_w)
    duty = np.minimum(1.0, inf.requests_per_day * busy_per_request / (SECONDS_PER_DAY * replicas))
    avg_w = idle_w + duty * (busy_w - idle_w)
    fleet_w = avg_w * n_eff * replicas
    kwh_per_day = fleet_w * 24 / 1000 * wl.economics.pue
    price, basis = _hourly_price(wl, table, avg_w)
    hardware_per_day = price * n_eff * replicas * 24
    known = inf.cost_per_request_usd
    per_day = np.full(len(table), inf.requests_per_day * known) if known else hardware_per_day

    out.update({
        "inf_devices": n, "inf_fits": fits, "inf_memory_per_device_gb": per_device / 1e9,
        "inf_memory_required_gb": (total + overhead_shared + per_device_fixed * n_eff) / 1e9,
        "mem_weights_gb": np.full(len(table), weights / 1e9),
        "mem_kv_cache_gb": np.full(len(table), kv_cache / 1e9),
        "mem_inf_activations_gb": np.full(len(table), activations / 1e9),
        "mem_inf_overhead_gb": (overhead_shared + per_device_fixed * n_eff) / 1e9,
        "compute_precision_used": used, "request_latency_ms": latency * 1e3,
        "bound_compute": bound_compute, "replicas_needed": replicas,
        "capacity_requests_per_day": capacity_per_day,
        "energy_wh_per_request": kwh_per_day * 1000 / inf.requests_per_day,
        "energy_kwh_per_day": kwh_per_day, "avg_power_w": avg_w, "busy_power_w": busy_w,
        "hourly_usd": price, "price_basis": basis, "hardware_cost_usd_per_day": hardware_per_day,
        "cost_usd_per_day": per_day, "cost_usd_per_year": per_day * 365,
        "co2_kg_per_day": kwh_per_day * wl.economics.carbon_kg_per_kwh,
    })
    if tokens_per_request:
        out["cost_usd_per_million_tokens"] = per_day / (inf.requests_per_day * tokens_per_request) * 1e6
        out["energy_wh_per_million_tokens"] = out["energy_wh_per_request"] / tokens_per_request * 1e6
    else:
        out["cost_usd_per_million_tokens"] = np.full(len(table), np.nan)
    out["cost_usd_per_million_requests"] = per_day / inf.requests_per_day * 1e6
    # Buy vs rent: months until buying the fleet (and paying its electricity) costs less than
    # renting it. NaN where either price is unknown or renting is cheaper than the power bill.
    fleet = n_eff * replicas
    cloud_month = table.cloud_usd_per_hour * fleet * 730.5
    power_month = kwh_per_day * 30.44 * wl.economics.electricity_usd_per_kwh
    saving = cloud_month - power_month
    out["buy_vs_rent_break_even_months"] = np.where(saving > 0, table.launch_price_usd * fleet / np.where(saving > 0, saving, 1), np.nan)
    slo = inf.latency_slo_ms
    out["meets_latency_slo"] = (latency * 1e3 <= slo) if slo else np.ones(len(table), dtype=bool)


def _sample_flops(wl: Workload, s: Shape) -> float:
    """Forward FLOPs of one sample for cnn/generic models."""
    if wl.model.forward_gflops_per_sample:
        return wl.model.forward_gflops_per_sample * 1e9
    return 2 * s.active_params


def _training(wl, table, s, sc, mem_cap, count, fixed, out) -> None:
    tr = wl.training
    prec = tr.precision
    transformer = wl.model.family == "transformer"
    mixed = prec not in ("fp32", "tf32")
    opt_bytes = OPTIMIZER_BYTES[tr.optimizer][0 if mixed else 1]
    w_b, g_b = TRAIN_WEIGHT_BYTES[prec], TRAIN_GRAD_BYTES[prec]
    # A LoRA whose adapters reach half the model is no longer low-rank: larger ranks are clipped there.
    adapters = min(lora_params(s, tr.lora_rank), 0.5 * s.params) if tr.method != "full" else 0.0
    if tr.method == "full":
        weights_mem, grads_mem, opt_mem = s.params * w_b, s.params * g_b, s.params * opt_bytes
    else:
        # Frozen weights (the training precision for LoRA, NF4 for QLoRA) + adapters that keep the
        # same training state per parameter as full training (bf16 Adam: 2 + 2 + 12 = 16 bytes).
        frozen = E.QLORA_BYTES_PER_PARAM if tr.method == "qlora" else w_b
        weights_mem = s.params * frozen + adapters * w_b
        grads_mem = adapters * g_b
        opt_mem = adapters * opt_bytes
    states = weights_mem + grads_mem + opt_mem
    if transformer:
        tokens = tr.tokens if tr.tokens is not None else tr.samples * tr.epochs * tr.seq_len
        mb_tokens = tr.seq_len * tr.batch_size
        if tr.activation_checkpointing:
            act = mb_tokens * s.hidden * (E.ACT_CKPT_BYTES_PER_TOKEN_PER_HIDDEN * s.layers
                                          + E.ACT_BYTES_PER_TOKEN_PER_HIDDEN)
        else:
            act = mb_tokens * s.hidden * E.ACT_BYTES_PER_TOKEN_PER_HIDDEN * s.layers
        per_param = 6 if tr.method == "full" else E.LORA_FLOPS_PER_PARAM
        flops = per_param * s.active_params * tokens + 6 * s.layers * tr.seq_len * s.hidden * tokens
        work_units = tokens
    else:
        samples = (tr.samples if tr.samples is not None else tr.tokens) * tr.epochs
        per_sample = _sample_flops(wl, s)
        act = tr.batch_size * CNN_ACT_BYTES_PER_FLOP * per_sample
        if tr.activation_checkpointing:
            act = act / math.sqrt(s.layers)  # sqrt(n) checkpointing (Chen et al. 2016)
        flops = 3 * per_sample * samples
        work_units = samples
    if tr.activation_checkpointing:
        flops *= E.CHECKPOINT_RECOMPUTE
    # Tensor parallelism inside a node (Megatron-LM) splits each layer's activations across
    # up to 8 devices; use the smallest degree that leaves half the memory for the states.
    tp = np.ones(len(table))
    for degree in (2, 4, 8):
        tp = np.where(act / tp > 0.5 * mem_cap, degree, tp)
    act = act / tp
    overhead = E.RUNTIME_OVERHEAD_GB * 1e9 + E.RUNTIME_OVERHEAD_FRACTION * act
    peak, used = table.peak_for(prec)
    mfu = sc.mfu_fp8 if prec == "fp8" else sc.mfu
    if tr.method == "qlora":
        mfu = mfu / getattr(E.QLORA_SLOWDOWN, {"low": "high", "point": "point", "high": "low"}[sc.which])
    rate_1 = peak * 1e12 * mfu  # FLOP/s of one device
    room = mem_cap - act - overhead
    fit_n = np.where(room > 0, np.ceil(states / np.where(room > 0, room, 1)), np.nan)
    if fixed is not None:
        n = fixed["train_devices"]
    elif count is not None or tr.devices is not None:
        n = np.full(len(table), float(count or tr.devices))
    else:
        target_s = tr.target_days * SECONDS_PER_DAY
        n_time = np.ceil(flops / (rate_1 * target_s))
        n = np.fmax(fit_n, n_time)
        for _ in range(3):  # scaling losses need a few more devices; converge
            n = np.ceil(np.fmax(fit_n, n_time / _scaling(table, n, E.SCALING_LOSS_FAST, E.SCALING_LOSS_PCIE)))
        n = _round_devices(np.fmax(n, tp))
    n_eff = np.where(np.isnan(n), np.nan, n)
    per_device = states / n_eff + act + overhead
    fits = per_device <= mem_cap
    scale = _scaling(table, n_eff, E.SCALING_LOSS_FAST, E.SCALING_LOSS_PCIE)
    seconds = flops / (rate_1 * n_eff * scale)
    hours = seconds / 3600
    _, busy_w = _power(table, sc.power_compute)
    kwh = n_eff * busy_w * hours / 1000 * wl.economics.pue
    price, basis = _hourly_price(wl, table, busy_w)
    derived_cost = price * n_eff * hours
    cost = np.full(len(table), tr.cost_usd) if tr.cost_usd else derived_cost
    out.update({
        "train_devices": n, "train_fits": fits, "train_memory_per_device_gb": per_device / 1e9,
        "train_min_devices_to_fit": fit_n,
        "mem_train_weights_gb": np.full(len(table), weights_mem / 1e9),
        "mem_gradients_gb": np.full(len(table), grads_mem / 1e9),
        "mem_optimizer_gb": np.full(len(table), opt_mem / 1e9),
        "trainable_params": np.full(len(table), adapters if tr.method != "full" else s.params),
        "mem_activations_gb": act / 1e9, "train_tensor_parallel": tp,
        "mem_train_overhead_gb": overhead / 1e9,
        "train_precision_used": used, "flops": np.full(len(table), flops),
        "time_hours": hours, "device_hours": n_eff * hours, "energy_kwh": kwh,
        "co2_kg": kwh * wl.economics.carbon_kg_per_kwh, "train_hourly_usd": price,
        "train_price_basis": basis, "train_hardware_cost_usd": derived_cost, "train_cost_usd": cost,
        "train_scaling_efficiency": scale, "work_units": np.full(len(table), work_units),
    })


def lora_params(s: Shape, rank: int) -> float:
    """Adapter parameters of LoRA rank `rank` on q, k, v, o, gate, up and down of every layer.

    Each adapted d_in x d_out matrix gains rank x (d_in + d_out). The MLP width follows from the
    per-layer parameters left after attention (gated MLP: 3 x hidden x width).
    """
    h, L = s.hidden, s.layers
    q = s.heads * s.head_dim
    kv = s.kv_heads * s.head_dim
    attn = h * (2 * q + 2 * kv)
    width = max(h, (s.active_params / L - attn) / (3 * h))
    per_layer = (h + q) + 2 * (h + kv) + (q + h) + 2 * (h + width) + (width + h)
    return float(rank * per_layer * L)


def _lifecycle(wl, table, out) -> None:
    horizon = wl.economics.horizon_years
    train = out["train_cost_usd"]
    inference = out["cost_usd_per_year"] * horizon
    out["lifecycle_training_cost_usd"] = train
    out["lifecycle_inference_cost_usd"] = inference
    out["inference_share"] = inference / (train + inference)
    per_month = out["cost_usd_per_year"] / 12
    out["inference_overtakes_month"] = np.where(per_month > 0, train / per_month, np.nan)
    # The same lifecycle in energy: training once vs serving over the horizon (PUE included in both).
    train_kwh = out["energy_kwh"]
    inf_kwh = out["energy_kwh_per_day"] * 365 * horizon
    out["lifecycle_training_energy_kwh"] = train_kwh
    out["lifecycle_inference_energy_kwh"] = inf_kwh
    out["inference_energy_share"] = inf_kwh / (train_kwh + inf_kwh)
    out["lifecycle_training_co2_kg"] = train_kwh * wl.economics.carbon_kg_per_kwh
    out["lifecycle_inference_co2_kg"] = inf_kwh * wl.economics.carbon_kg_per_kwh
