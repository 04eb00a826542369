"""Default efficiency factors: what fraction of a datasheet peak real software reaches.

Every constant carries (low, point, high) and the public measurements behind it; the raw
figures, URLs and arithmetic are in tests/data/efficiency_sources.md and
tests/data/measured_reference.csv. Measured probe figures replace these per device
(`advisor.model.calibration`). Ranges in every estimate come from low/high here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Factor:
    low: float
    point: float
    high: float
    why: str


# Large dense GEMMs vs dense datasheet peak.
# stas00/ml-engineering "maximum achievable matmul FLOPS" (bf16): A100 SXM 86.9%, A100 PCIe
# 81.1%, H100 SXM 80.3%, GH200 83.6%, MI300X 60.1%. shared/fixtures H200 capture (PyTorch
# 2.11, 8192^3): bf16 791/989 = 0.80, fp16 0.76, tf32 0.82, fp32 0.77, fp8 0.73.
GEMM = Factor(0.60, 0.80, 0.87, "large matmuls reach 60-87% of dense peak (MAMF tables; H200 capture 0.80 bf16)")

# Prefill (prompt processing) vs dense peak: GEMM-bound plus attention, norms and
# sampling. llama.cpp pp512 on an RTX 4090 (Llama-3-8B F16, 9382 tok/s) reaches 0.91 of
# 165 TFLOPS; older engines far less (A100 PCIe llama.cpp 2023: 0.22). Serving engines
# (vLLM/TensorRT-LLM) sit at 0.5-0.7.
PREFILL = Factor(0.25, 0.55, 0.85, "prefill reaches 25-85% of dense peak depending on the engine (llama.cpp pp512 tables)")

# Single-stream decode: fraction of datasheet bandwidth while streaming weights, before
# the fixed per-token overhead below. llama.cpp tg on GDDR cards with F16 weights:
# RTX 4090 0.81-0.87, RTX 3090 0.75-0.81, L40S 0.81, A40 0.78; Apple M1 Pro 0.86,
# M3 Pro 0.89, M3 Max 0.83. shared/fixtures H200 d2d copy 4271/4800 = 0.89.
DECODE_BANDWIDTH = Factor(0.70, 0.85, 0.92, "decode streams weights at 70-92% of peak bandwidth (llama.cpp tg tables, H200 copy 0.89)")

# Fixed time per generated token that bandwidth does not explain: kernel launches and
# synchronisation, ~8-10 kernels per transformer layer x ~8 us launch latency (H200
# capture: 8.1 us) ~ 65-80 us per layer. Fitted to llama.cpp tg on HBM parts where it
# dominates: H100 PCIe Q4_0 7.48 ms/token vs a 1.9 ms bandwidth floor; A100 PCIe Q4_0
# 7.3 ms vs 2.0 ms (32 layers -> ~150 us/layer in 2023 llama.cpp). CUDA-graph engines
# reach ~30 us/layer.
DECODE_OVERHEAD_S_PER_LAYER = Factor(30e-6, 80e-6, 170e-6, "per-token launch/sync overhead 30-170 us per layer (launch latency x kernels)")

# Block-quantised weights (GGUF, int4) once looked ~20% slower to stream than 16-bit ones (Q4_0
# vs F16 tg); with the per-layer overhead modelled apart (advisor.model.engines) the same rows
# solve to one streaming efficiency for both (RTX 4090: 0.91), so no separate penalty remains.

# Training model-FLOPs utilisation on one node, vs dense peak of the training precision.
# MosaicML llm-foundry benchmarks: MPT-7B 8xA100 64%, MPT-70B 64xA100 53%, MPT-7B 8xH100
# 46%; Megatron-LM 1T on 3072 A100 52%; PaLM 540B 46%. FP8 reaches less of its (2x)
# peak: MPT-3B 8xH100 fp8 27.7%.
TRAIN_MFU = Factor(0.35, 0.50, 0.64, "training reaches 35-64% MFU on one node (MosaicML, Megatron, PaLM)")
TRAIN_MFU_FP8 = Factor(0.20, 0.28, 0.40, "fp8 training reaches ~28% of fp8 peak (MosaicML MPT fp8)")

# Loss of efficiency per doubling of the device count. With NVLink/ICI-class links the
# published end-to-end runs fit ~2%/doubling: 0.50 x 0.98^11 = 0.40 at 2048 GPUs, matching
# Llama 2 7B (39%) and 70B (43%) from their model-card GPU-hours. Over PCIe only,
# gradient all-reduce is ~10x slower: ~7%/doubling.
SCALING_LOSS_FAST = 0.02
SCALING_LOSS_PCIE = 0.07
FAST_INTERCONNECT_GBPS = 200  # NVLink 3+/Infinity Fabric/ICI are >= 300; PCIe 5.0 x16 is 128

# Tensor parallel inference across n devices: two all-reduces per layer per token.
# ~10% per doubling over NVLink, ~25% over PCIe (TensorRT-LLM TP scaling tables).
TP_LOSS_FAST = 0.10
TP_LOSS_PCIE = 0.25

# Power draw as a fraction of (TDP - idle) above idle. H200 capture: 691 W of a 700 W limit
# under a bf16 matmul (0.99 busy), 78 W idle (0.11 of TDP). Memory-bound decode leaves the
# tensor cores mostly idle: about 0.5-0.7 of TDP on the same boards.
POWER_BUSY_COMPUTE = Factor(0.75, 0.90, 1.00, "compute-bound work draws 75-100% of TDP (H200: 691 W of 700 W)")
POWER_BUSY_MEMORY = Factor(0.45, 0.60, 0.75, "memory-bound decode draws 45-75% of TDP")
IDLE_FRACTION_OF_TDP = 0.12  # when idle_w is not published: H200 capture 78/700 = 0.11

# Memory overheads.
RUNTIME_OVERHEAD_GB = 0.8  # CUDA context + allocator slack (~0.5-1 GB per process)
RUNTIME_OVERHEAD_FRACTION = 0.05  # fragmentation/workspace on top of weights + KV
USABLE_MEMORY_FRACTION = 0.92  # leave headroom: a device is never filled to the byte

# Activations per transformer layer per token with flash attention, 16-bit activations,
# no tensor parallelism: 34 * hidden bytes (Korthikanti et al. 2022, "Reducing Activation
# Recomputation in Large Transformer Models", eq. 1 without the 5*a*s/h attention-score
# term, which flash attention never stores). With full checkpointing only the layer input
# (2 * hidden bytes) is kept per layer, plus one layer's full activations during backward.
ACT_BYTES_PER_TOKEN_PER_HIDDEN = 34
ACT_CKPT_BYTES_PER_TOKEN_PER_HIDDEN = 2
CHECKPOINT_RECOMPUTE = 4 / 3  # recomputing the forward pass: 8N instead of 6N FLOPs per token

# Hours in a year, for amortisation.
HOURS_PER_YEAR = 8766

# Offload: layers that do not fit on the devices run from system RAM (llama.cpp -ngl, the CPU
# computes them). Streaming from host memory reaches ~0.7 of its theoretical bandwidth: 4090 +
# Ryzen 9 7900X (dual-channel DDR5, 83.2 GB/s) runs Llama 3.1 70B Q4_K_M at 3.10 tok/s with
# ~half the 42.5 GB in RAM -> 20 GB / (0.31 s) = 65 GB/s = 0.78 (geerlingguy/ai-benchmarks).
# CPUs running a model themselves stream at the same fraction: Raspberry Pi 5 (17.1 GB/s) runs
# Llama 3.2 3B Q4_K_M at 4.88 tok/s (1.97 GB: 9.6 GB/s = 0.56) and a 14B Q4_K_M at 1.20 tok/s
# (9.07 GB: 10.9 GB/s = 0.64) in llama.cpp (geerlingguy/ai-benchmarks README).
HOST_BANDWIDTH_EFFICIENCY = Factor(0.55, 0.72, 0.85, "offloaded layers stream at ~0.7 of the host memory bandwidth")
DEFAULT_HOST_BANDWIDTH_GBPS = 64.0  # a dual-channel DDR5-4000 desktop (DDR4-3200: 51, DDR5-5600: 90)
DEFAULT_HOST_MEMORY_GB = 64.0  # when this machine's RAM cannot be read

# Fine-tuning with LoRA/QLoRA (Hu et al. 2021; Dettmers et al. 2023, "QLoRA"):
# - frozen weights: 16-bit (LoRA) or NF4 with nested (double) quantisation, ~4.1 bits/parameter
#   ("nested quantization to reduce the average memory footprint from 4.5 to 4.1 bits per
#   parameter", T. Dettmers, huggingface/peft PR #476);
# - adapters (rank r on q, k, v, o, gate, up, down) keep the same state per parameter as full
#   training (bf16 weights and gradients + fp32 master and Adam moments = 16 bytes);
# - FLOPs: the forward (2N) and the backward through the frozen weights to the activations (2N)
#   remain, the weight gradients (2N) do not: 4N per token instead of 6N.
QLORA_BYTES_PER_PARAM = 4.127 / 8
LORA_FLOPS_PER_PARAM = 4
# QLoRA dequantises every NF4 block in the forward and the backward pass. Its author: "4-bit
# QLoRA training speed is roughly on par with 16-bit LoRA" (artidoro/qlora issue #107); the
# dequantisation is pure overhead on top (Lightning-AI/litgpt issue #595), hence a small
# slowdown with a range up to 1.4x.
QLORA_SLOWDOWN = Factor(1.0, 1.1, 1.4, "QLoRA trains about as fast as LoRA; dequantising NF4 adds up to ~40%")
