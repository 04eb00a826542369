"""Numeric precisions: how many bits a weight takes in memory, and what the math runs at.

GGUF (llama.cpp) block quantisations store a per-block scale next to the packed weights, so
their effective bits per weight exceed the nominal width:
- Q8_0: blocks of 32 int8 weights + one fp16 scale = 34 bytes / 32 weights = 8.5 bits.
- Q4_0: 32 4-bit weights + one fp16 scale = 18 bytes / 32 = 4.5 bits.
- K-quants (llama.cpp PR #1684, ggml-quants.h super-blocks of 256): Q6_K = 6.5625 bits,
  Q5_K = 5.5, Q4_K = 4.5, Q3_K = 3.4375, Q2_K = 2.5625 bits per weight. The `_M` file types mix
  in higher-precision tensors (attention V and FFN down at Q6_K, etc.), so a whole model file
  averages more: measured over Llama-3-8B files (llama.cpp `quantize` help table: Q5_K_M
  5.33 GiB, Q4_K_M 4.58 GiB, Q3_K_M 3.74 GiB, Q2_K 2.96 GiB for 8.03 B weights incl. the
  embedding, which K-quant files keep at higher precision) -> 5.70, 4.90, 4.00, 3.17 bits.
  See tests/data/efficiency_sources.md for the arithmetic.

GGUF weights are dequantised on the fly: the matrix math runs at fp16 (GPU) and decode speed
follows the bytes read, which is what the bits-per-weight figure captures.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Precision:
    name: str
    bits_per_weight: float
    compute: str  # the catalog peak column's precision the math runs at
    description: str

    @property
    def bytes_per_weight(self) -> float:
        return self.bits_per_weight / 8


PRECISIONS: dict[str, Precision] = {p.name: p for p in (
    Precision("fp32", 32, "fp32", "IEEE single precision"),
    Precision("tf32", 32, "tf32", "fp32 storage, TensorFloat-32 tensor-core math (NVIDIA Ampere+)"),
    Precision("bf16", 16, "bf16", "bfloat16: fp32's range, 8-bit mantissa; the training default"),
    Precision("fp16", 16, "fp16", "IEEE half precision"),
    Precision("fp8", 8, "fp8", "8-bit float (E4M3/E5M2; Hopper, Ada, Blackwell, MI300)"),
    Precision("int8", 8, "int8", "8-bit integer weights and activations (W8A8)"),
    # NVFP4: 16 fp4 values share an fp8 scale (4.5 bits); MXFP4 (gpt-oss): 32 share an 8-bit scale (4.25).
    Precision("fp4", 4.5, "fp4", "4-bit float weights and math (NVFP4/MXFP4; Blackwell tensor cores, catalog fp4_tflops)"),
    Precision("int4", 4, "int4", "4-bit integer weights (W4A16-style kernels run at fp16 when int4 math is absent)"),
    Precision("q8_0", 8.5, "fp16", "GGUF Q8_0: 32 int8 weights + fp16 scale per block"),
    Precision("q6_k", 6.5625, "fp16", "GGUF Q6_K k-quant"),
    Precision("q5_k_m", 5.70, "fp16", "GGUF Q5_K_M k-quant mix (file average)"),
    Precision("q4_k_m", 4.90, "fp16", "GGUF Q4_K_M k-quant mix (file average)"),
    Precision("q4_0", 4.5, "fp16", "GGUF Q4_0: 32 4-bit weights + fp16 scale per block"),
    Precision("q3_k_m", 4.00, "fp16", "GGUF Q3_K_M k-quant mix (file average)"),
    Precision("q2_k", 3.17, "fp16", "GGUF Q2_K k-quant mix (file average)"),
)}

#: Where a device lacks the compute precision, the math falls back along this chain
#: (e.g. int4 weights on a GPU without int4 tensor math are dequantised to fp16).
FALLBACK = {
    "fp4": ("fp4", "fp8", "fp16", "bf16", "fp32"),
    "int4": ("int4", "int8", "fp16", "bf16", "fp32"),
    "int8": ("int8", "fp16", "bf16", "fp32"),
    "fp8": ("fp8", "fp16", "bf16", "fp32"),
    "bf16": ("bf16", "fp16", "fp32"),
    "fp16": ("fp16", "bf16", "fp32"),
    "tf32": ("tf32", "fp32"),
    "fp32": ("fp32",),
}


def get(name: str) -> Precision:
    return PRECISIONS[name]
