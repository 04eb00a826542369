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
    head_size: float | None = None  # set apart from hidden / heads (Qwen3, Gemma, gpt-oss, MLA latents)
    experts: int | None = None
    experts_per_token: int | None = None

    @property
    def head_dim(self) -> float:
        return self.head_size or self.hidden / self.heads

    @property
    def routed_params(self) -> float:
        """Parameters in routed experts (MoE): total - active = routed x (1 - k/E).

        With the expert counts unknown, every parameter counts as routed and k/E = active/total,
        so one token still reads exactly the active parameters.
        """
        if self.active_params >= self.params:
            return 0.0
        frac = self.expert_fraction_per_token
        return (self.params - self.active_params) / (1 - frac)

    @property
    def expert_fraction_per_token(self) -> float:
        if self.experts and self.experts_per_token:
            return self.experts_per_token / self.experts
        return self.active_params / self.params

    def params_read(self, batch: float) -> float:
        """Parameters one decode step of `batch` streams reads: the shared part plus the distinct experts.

        A batch of b tokens, each routed to k of E experts, touches E * (1 - (1 - k/E)^b) distinct
        experts on average (uniform routing; real routers are skewed, so slightly fewer).
        """
        routed = self.routed_params
        touched = 1 - (1 - self.expert_fraction_per_token) ** max(batch, 1)
        return self.params - routed + routed * touched


def model_shape(m: ModelSpec) -> Shape:
    """The transformer shape of `m`: given fields win, the rest follow the rules above."""
    params = m.params_b * 1e9
    active = (m.active_params_b or m.params_b) * 1e9
    if m.family != "transformer":
        layers = m.layers or CNN_LAYERS
        hidden = m.hidden or 1
        return Shape(params, active, layers, hidden, 1, 1, experts=m.experts, experts_per_token=m.experts_per_token)
    layers = m.layers or max(1, round((params / (12 * ASPECT**2)) ** (1 / 3)))
    if m.hidden:
        hidden = m.hidden
    else:
        # Widths come in multiples of 512 in practice; rounding also absorbs the embedding params.
        hidden = max(HEAD_DIM, round(math.sqrt(params / (12 * layers)) / 512) * 512)
    heads = m.heads or max(1, hidden // HEAD_DIM)
    kv_heads = m.kv_heads or heads
    return Shape(params, active, layers, hidden, heads, kv_heads, head_size=m.head_dim,
                 experts=m.experts, experts_per_token=m.experts_per_token)
