"""Serving engines as profiles: how fast each streams weights, its fixed cost per token, how it splits a model.

Single-stream decode time per token (advisor.model.estimate):
    bytes read / (bandwidth x engine efficiency) + layers x engine overhead per layer
The overhead is launch and synchronisation work that does not shrink with the model: a few
kernels per layer, each a few microseconds (H200 capture: 8.1 us per launch), less where an
engine replays the whole step as one CUDA graph. Both factors were solved from pairs of public
measurements on the same device and engine (a small and a large model, so bandwidth and overhead
separate), never fitted to single rows; the arithmetic is in tests/data/efficiency_sources.md
("Engines"), the rows in tests/data/measured_reference.csv.

Split styles: `layers` (llama.cpp -sm layer, ExLlamaV2 gpu_split, MLX): each device holds some
layers and they take turns, so bandwidths do not add; `tensor` (vLLM, SGLang, TensorRT-LLM, MLC):
every layer is split, bandwidths add, and each layer pays two all-reduces of latency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.model.efficiency import Factor

US = 1e-6

# Platforms an engine's overhead differs on (advisor.model.engines.platforms).
PLATFORMS = ("cuda_consumer", "cuda_datacenter", "apple", "amd", "intel", "cpu")


@dataclass(frozen=True)
class Engine:
    name: str
    bandwidth: Factor  # fraction of datasheet bandwidth while streaming weights
    overhead_s_per_layer: dict[str, Factor]  # per platform; time per layer per generated token
    split: str  # "layers" | "tensor"
    continuous_batching: bool
    why: str
    step_overhead_s: Factor = Factor(0.0, 0.0, 0.0, "")  # per decode step, whatever the model (scheduler, sampler)


def _f(lo, pt, hi, why=""):
    return Factor(lo * US, pt * US, hi * US, why)


def _bw(lo, pt, hi, why=""):
    return Factor(lo, pt, hi, why)


ENGINES: dict[str, Engine] = {e.name: e for e in (
    # llama.cpp, from the pairs (tests/data/efficiency_sources.md, Engines):
    # RTX 4090 Llama 3 8B Q4_K_M 130.58 tok/s and 2x4090 70B Q4_K_M 19.22 (layer split: one card
    # at a time) solve to 0.91 of bandwidth + 72 us/layer; Llama 2 7B Q4_0 149.37 / F16 60.78
    # give 79 us at 0.91. A100 PCIe 7B Q4_0 136.24 / F16 73.83 and 70B Q4_0 25.68, H100 PCIe
    # 133.77 / 83.32: 160-205 us (datacenter parts run these small kernels slower). M2 Ultra
    # 7B Q4_0 91.89 / 70B Q4_0 14.37 solve to 0.85 + 150 us; M3 Max 155 us; M1 Pro / M3 Pro F16
    # ~60 us. The 2023-2025 builds differ, hence the ranges.
    Engine("llama.cpp", _bw(0.78, 0.88, 0.95), {
        "cuda_consumer": _f(50, 75, 110), "cuda_datacenter": _f(120, 170, 220), "apple": _f(60, 120, 170),
        "amd": _f(60, 100, 160), "intel": _f(80, 150, 250), "cpu": _f(5, 20, 50)},
        "layers", True, "llama.cpp (ollama, LM Studio): 0.88 of bandwidth + 75 us/layer on GeForce, 170 us on A100/H100, "
        "120 us on Apple (solved from pairs of llama-bench rows)"),
    # MLC LLM: RTX 4090 Llama2-7B 191.0 and 13B 108.8 tok/s (4.5-bit q4f16_1) solve to ~0.9 and
    # 28-33 us/layer; 2x RTX 4090 Llama2-70B 34.5 tok/s with the tensor-parallel all-reduce.
    Engine("mlc", _bw(0.80, 0.90, 0.95), {
        "cuda_consumer": _f(20, 30, 45), "cuda_datacenter": _f(25, 40, 60), "apple": _f(40, 60, 100),
        "amd": _f(25, 40, 70), "intel": _f(40, 70, 120), "cpu": _f(5, 20, 50)},
        "tensor", True, "MLC LLM: 0.90 of bandwidth + 30 us/layer on an RTX 4090 (llm-perf-bench 7B/13B)"),
    # ExLlamaV2 README table (RTX 4090): Llama2-7B EXL2 3.0/4.0/5.0 bpw 224/197/160 tok/s, GPTQ
    # 195, 70B 2.5 bpw 35 -> 0.9 of bandwidth + 40-60 us/layer.
    Engine("exllamav2", _bw(0.80, 0.90, 0.95), {
        "cuda_consumer": _f(35, 45, 60), "cuda_datacenter": _f(45, 60, 80), "apple": _f(45, 60, 80),
        "amd": _f(45, 60, 90), "intel": _f(60, 90, 150), "cpu": _f(5, 20, 50)},
        "layers", True, "ExLlamaV2: 0.90 of bandwidth + 45 us/layer (its README table, EXL2 2.5-5.0 bpw)"),
    # MLX: M2 Ultra Llama 3.1 70B 16-bit 4.7 tok/s and M3 Ultra Llama 3.1 8B 4-bit 119.4 tok/s
    # both fit 0.85 of bandwidth + 60 us/layer.
    Engine("mlx", _bw(0.75, 0.85, 0.92), {
        "cuda_consumer": _f(40, 60, 100), "cuda_datacenter": _f(40, 60, 100), "apple": _f(40, 60, 100),
        "amd": _f(40, 60, 100), "intel": _f(40, 60, 100), "cpu": _f(10, 30, 60)},
        "layers", False, "MLX: 0.85 of bandwidth + 60 us/layer (mlx-lm 70B bf16 on M2 Ultra, 8B 4-bit on M3 Ultra)"),
    # CUDA-graph serving engines: the decode step is one CUDA graph like MLC's, so MLC's per-layer
    # figures apply, plus a fixed CPU-side step (Python scheduler, sampler, output processing) that
    # dominates small models: "at small batch sizes ... CPU-side overheads may bottleneck execution"
    # (ML.ENERGY, LLM inference energy: a longitudinal analysis). Qwen3-4B fp8 on an RTX 4090 in
    # vLLM runs 137 tok/s single-stream (club-3090 #697): 7.3 ms = 4.6 ms of weights + 1.4 ms of
    # layers + ~1 ms per step (derived). TensorRT-LLM's batched 'peak throughput' rows (reference:
    # serving) check the bandwidth side.
    Engine("vllm", _bw(0.78, 0.87, 0.93), {
        "cuda_consumer": _f(25, 40, 70), "cuda_datacenter": _f(25, 40, 70), "apple": _f(60, 100, 160),
        "amd": _f(30, 50, 90), "intel": _f(50, 80, 140), "cpu": _f(10, 40, 80)},
        "tensor", True, "vLLM: CUDA-graph decode (0.87 + 40 us/layer) + ~0.8 ms per step of Python scheduling; "
        "continuous batching", Factor(0.4e-3, 0.8e-3, 1.5e-3, "")),
    Engine("sglang", _bw(0.78, 0.87, 0.93), {
        "cuda_consumer": _f(25, 40, 70), "cuda_datacenter": _f(25, 40, 70), "apple": _f(60, 100, 160),
        "amd": _f(30, 50, 90), "intel": _f(50, 80, 140), "cpu": _f(10, 40, 80)},
        "tensor", True, "SGLang: CUDA-graph decode and a Python scheduler step as vLLM; continuous batching",
        Factor(0.4e-3, 0.8e-3, 1.5e-3, "")),
    Engine("tensorrt-llm", _bw(0.80, 0.88, 0.95), {
        "cuda_consumer": _f(20, 35, 60), "cuda_datacenter": _f(20, 35, 60), "apple": _f(60, 100, 160),
        "amd": _f(30, 50, 90), "intel": _f(50, 80, 140), "cpu": _f(10, 40, 80)},
        "tensor", True, "TensorRT-LLM: fused kernels in one CUDA graph (0.88 + 35 us/layer); in-flight batching"),
    # Hugging Face transformers generate(): eager PyTorch, ~30 kernel launches per decoder layer
    # at ~8 us each (H200 capture) plus Python dispatch -> ~250 us/layer; no batching across requests.
    Engine("transformers", _bw(0.65, 0.78, 0.88), {p: _f(150, 250, 400) for p in PLATFORMS},
        "tensor", False, "Hugging Face transformers: eager PyTorch, ~250 us/layer of launches and Python"),
)}
ALIASES = {"ollama": "llama.cpp", "lm studio": "llama.cpp"}
GGUF_PRECISIONS = ("q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "q3_k_m", "q2_k")

# Two all-reduces per layer per token under tensor parallelism; at batch 1 each is latency-bound
# (a few kB): ~8 us over NVLink, ~20 us over PCIe through the host (NCCL all-reduce latency).
ALLREDUCE_S = {"fast": Factor(5 * US, 8 * US, 15 * US, ""), "pcie": Factor(12 * US, 20 * US, 35 * US, "")}
# llama.cpp layer split: handing the activations to the next device (a few kB over PCIe).
LAYER_HOP_S = Factor(20 * US, 40 * US, 80 * US, "")


ENGINE_LIST = tuple(ENGINES)
_CODE = {name: i for i, name in enumerate(ENGINE_LIST)}
# Per scenario: bandwidth by engine, overhead by engine x platform, as arrays for fancy indexing.
_BW = {w: np.array([getattr(ENGINES[e].bandwidth, w) for e in ENGINE_LIST]) for w in ("low", "point", "high")}
_OV = {w: np.array([[getattr(ENGINES[e].overhead_s_per_layer[p], w) for p in PLATFORMS] for e in ENGINE_LIST])
       for w in ("low", "point", "high")}
_SPLIT = np.array([ENGINES[e].split for e in ENGINE_LIST], dtype=object)
_CB = np.array([ENGINES[e].continuous_batching for e in ENGINE_LIST])
_STEP = {w: np.array([getattr(ENGINES[e].step_overhead_s, w) for e in ENGINE_LIST]) for w in ("low", "point", "high")}


def _platform_codes(table) -> np.ndarray:
    """Index into PLATFORMS per device, computed once per table (recommend runs it per scenario)."""
    codes = getattr(table, "_platform_codes", None)
    if codes is None or len(codes) != len(table):
        vendor, kind, segment = table.vendor, table.kind, table.segment
        codes = np.where(kind == "cpu", 5,
                         np.where(vendor == "Apple", 2,
                                  np.where(vendor == "AMD", 3,
                                           np.where(vendor == "Intel", 4,
                                                    np.where(np.isin(segment, ("datacenter", "cloud")), 1, 0)))))
        table._platform_codes = codes
        table._desktop = np.isin(segment, ("consumer", "workstation", "edge", "mobile"))
    return codes


def is_cpu(table) -> np.ndarray:
    return _platform_codes(table) == 5


def platforms(table) -> np.ndarray:
    """The overhead platform of each device (cuda_consumer, cuda_datacenter, apple, amd, intel, cpu)."""
    return np.array(PLATFORMS, dtype=object)[_platform_codes(table)]


def engine_name(name: str) -> str:
    return ALIASES.get(name, name)


def _engine_codes(wl, table) -> np.ndarray:
    inf = wl.inference
    if inf.engine != "auto":
        return np.full(len(table), _CODE[engine_name(inf.engine)])
    gguf = inf.precision in GGUF_PRECISIONS
    plat = _platform_codes(table)
    lcpp, mlx, vllm = _CODE["llama.cpp"], _CODE["mlx"], _CODE["vllm"]
    single_desktop = table._desktop & (inf.batch_size == 1)
    return np.where(plat == 5, lcpp,
                    np.where(plat == 2, lcpp if gguf else mlx,
                             np.where(gguf | single_desktop, lcpp, vllm)))


def choose(wl, table) -> np.ndarray:
    """The engine per device: the one given, or the usual one when `auto`.

    auto: CPUs and GGUF quantisations run llama.cpp; Apple runs MLX (llama.cpp for GGUF); a single
    stream on a desktop/workstation card runs llama.cpp (what ollama and LM Studio ship);
    batched serving and datacenter parts run vLLM.
    """
    return np.array(ENGINE_LIST, dtype=object)[_engine_codes(wl, table)]


@dataclass
class EngineFactors:
    """Per-device engine figures for one scenario (arrays of len(table))."""

    names: np.ndarray
    split: np.ndarray  # "tensor" | "layers"
    bandwidth: np.ndarray
    overhead_s_per_layer: np.ndarray
    continuous_batching: np.ndarray
    step_overhead_s: np.ndarray


def factors(wl, table, which: str) -> EngineFactors:
    """Engine efficiency, per-layer overhead and split style of every device for scenario `which`.

    `which` is low/point/high: the pessimistic scenario takes the low bandwidth and the high overhead.
    """
    codes = _engine_codes(wl, table)
    plat = _platform_codes(table)
    rev = {"low": "high", "point": "point", "high": "low"}[which]
    split = _SPLIT[codes]
    if wl.inference.split != "auto":
        split = np.full(len(table), wl.inference.split, dtype=object)
    return EngineFactors(np.array(ENGINE_LIST, dtype=object)[codes], split, _BW[which][codes],
                         _OV[rev][codes, plat], _CB[codes], _STEP[rev][codes])
