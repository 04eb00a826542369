"""Model shape: layers, width and heads, given or derived from the parameter count."""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.workload import ModelSpec

# Decoder-only transformers keep hidden/layers near 128 (LLaMA-2 7B 4096/32, 13B 5120/40,
# GPT-3 175B 12288/96) and params ~ 12 * layers * hidden^2 (attention 4h^2 + MLP 8h^2 per
# layer, Kaplan et al. 2020). Solving both for layers gives the derivation below.
ASPECT = 128
HEAD_DIM = 128
CNN_LAYERS = 50  # launch-overhead count for conv nets (ResNet-50 has 50 weighted layers)


@dataclass(frozen=True)
class Shape:
    params: float  # total parameters
    active_params: float  # per token (MoE); = params for dense models
    layers: int
    hidden: int
    heads: int
    kv_heads: int

    @property
    def head_dim(self) -> float:
        return self.hidden / self.heads


def model_shape(m: ModelSpec) -> Shape:
    """The transformer shape of `m`: given fields win, the rest follow the rules above."""
    params = m.params_b * 1e9
    active = (m.active_params_b or m.params_b) * 1e9
    if m.family != "transformer":
        layers = m.layers or CNN_LAYERS
        hidden = m.hidden or 1
        return Shape(params, active, layers, hidden, 1, 1)
    layers = m.layers or max(1, round((params / (12 * ASPECT**2)) ** (1 / 3)))
    if m.hidden:
        hidden = m.hidden
    else:
        # Widths come in multiples of 512 in practice; rounding also absorbs the embedding params.
        hidden = max(HEAD_DIM, round(math.sqrt(params / (12 * layers)) / 512) * 512)
    heads = m.heads or max(1, hidden // HEAD_DIM)
    kv_heads = m.kv_heads or heads
    return Shape(params, active, layers, hidden, heads, kv_heads)
