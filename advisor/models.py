"""The model library: open models by name, with the shapes from their public configs.

Rows live in `advisor/data/models.csv` (shipped as package data), one model a row, each with
the config or card it was read from in `source`. A row gives either the parameter count or
the config fields it follows from; `hf_params` turns a Hugging Face `config.json` (dense or
mixture-of-experts) into total and active parameters the same way, so `--model-config` and
the library agree.

Parameter count of a decoder (gated MLP: gate, up and down projections, as in Llama, Qwen,
Mistral, Gemma, Phi-3, gpt-oss):
    per layer attention = hidden * head_dim * (2 * heads + 2 * kv_heads)
    per layer MLP       = 3 * hidden * intermediate              (dense layers)
    per layer MoE       = 3 * hidden * moe_intermediate * (experts + shared_experts)
    embeddings          = vocab * hidden, twice unless tied
Active parameters replace `experts` by `experts_per_token` (norms and biases are ignored: <0.1%).
Checked against published totals: Llama 3.1 8B 8.03 B, Qwen3-30B-A3B 30.5 B / 3.3 B active,
gpt-oss-20b 20.9 B / 3.6 B, Mixtral 8x7B 46.7 B / 12.9 B (tests/advisor/test_models.py).
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from advisor.errors import BadInput

DATA = Path(__file__).resolve().parent / "data" / "models.csv"


@dataclass(frozen=True)
class LibraryModel:
    """One model of the library (the `models --json` fields plus what fills a workload)."""

    id: str
    name: str
    family: str
    params_b: float
    active_params_b: float
    layers: int | None
    hidden: int | None
    heads: int | None
    kv_heads: int | None
    head_dim: int | None
    experts: int | None
    experts_per_token: int | None
    context: int | None
    forward_gflops_per_sample: float | None
    source: str

    def as_json(self) -> dict:
        return asdict(self)

    def model_fields(self) -> dict[str, Any]:
        """The workload `[model]` fields this model fills (absent ones left out)."""
        keys = ("params_b", "family", "layers", "hidden", "heads", "kv_heads", "head_dim", "active_params_b",
                "experts", "experts_per_token", "forward_gflops_per_sample")
        out = {k: getattr(self, k) for k in keys if getattr(self, k) is not None}
        if out.get("active_params_b") == out.get("params_b"):
            out.pop("active_params_b")
        return out


def _num(v: str, kind=float):
    v = (v or "").strip()
    return kind(float(v)) if v else None


def hf_params(cfg: dict) -> tuple[float, float]:
    """(total, active) parameters of a decoder from its Hugging Face config fields.

    Reads the field names of Llama/Qwen/Mistral/Mixtral/Gemma/Phi-3/gpt-oss/DeepSeek configs
    (num_local_experts, num_experts, n_routed_experts; num_experts_per_tok, experts_per_token;
    moe_intermediate_size; n_shared_experts; first_k_dense_replace). Raises KeyError when the
    shape fields are missing and ValueError when they are not positive numbers.
    """
    g = _hf_shape(cfg)
    h, L = g["hidden"], g["layers"]
    hd = g["head_dim"] or h / g["heads"]
    kv_lora = cfg.get("kv_lora_rank")
    if kv_lora:  # DeepSeek multi-head latent attention (MLA)
        q_lora = cfg.get("q_lora_rank") or 0
        qk = (cfg.get("qk_nope_head_dim") or 128) + (cfg.get("qk_rope_head_dim") or 64)
        v = cfg.get("v_head_dim") or 128
        H = g["heads"]
        q = h * q_lora + q_lora * H * qk if q_lora else h * H * qk
        attn = q + h * (kv_lora + (cfg.get("qk_rope_head_dim") or 64)) + kv_lora * H * (qk - (cfg.get("qk_rope_head_dim") or 64) + v) + H * v * h
    else:
        attn = h * hd * (2 * g["heads"] + 2 * g["kv_heads"])
    E, k = g["experts"] or 0, g["experts_per_token"] or 0
    moe_layers = L - (cfg.get("first_k_dense_replace") or 0) if E else 0
    dense_mlp = 3 * h * (g["intermediate"] or 0) * (L - moe_layers)
    expert = 3 * h * (g["moe_intermediate"] or g["intermediate"] or 0)
    shared = cfg.get("n_shared_experts") or 0
    routed = moe_layers * E * expert
    shared_p = moe_layers * shared * expert
    if cfg.get("shared_expert_intermediate_size"):  # Qwen1.5/2-MoE style shared expert
        shared_p = moe_layers * 3 * h * cfg["shared_expert_intermediate_size"]
    vocab = cfg.get("vocab_size") or 0
    embed = vocab * h * (1 if cfg.get("tie_word_embeddings") else 2)
    total = L * attn + dense_mlp + shared_p + routed + embed
    active = total - routed + moe_layers * k * expert
    return float(total), float(active)


# Hugging Face spellings of each shape field, first match wins.
HF_FIELDS = {
    "layers": ("num_hidden_layers", "n_layer", "num_layers", "n_layers"),
    "hidden": ("hidden_size", "n_embd", "d_model", "dim"),
    "heads": ("num_attention_heads", "n_head", "num_heads", "n_heads"),
    "kv_heads": ("num_key_value_heads", "num_kv_heads", "n_kv_heads", "multi_query_group_num"),
    "head_dim": ("head_dim",),
    "intermediate": ("intermediate_size", "ffn_hidden_size", "n_inner"),
    "moe_intermediate": ("moe_intermediate_size",),
    "experts": ("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts"),
    "experts_per_token": ("num_experts_per_tok", "experts_per_token", "moe_top_k", "num_experts_per_token"),
    "context": ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length"),
}


def _hf_shape(cfg: dict) -> dict:
    if isinstance(cfg.get("text_config"), dict):  # multimodal configs nest the language model
        cfg = {**cfg, **cfg["text_config"]}
    out: dict[str, Any] = {}
    for key, names in HF_FIELDS.items():
        out[key] = None
        for n in names:
            v = cfg.get(n)
            if v is not None:
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                    raise ValueError(f"{n} must be a positive number, got {v!r}")
                out[key] = int(v)
                break
    for key in ("layers", "hidden", "heads"):
        if out[key] is None:
            raise KeyError(HF_FIELDS[key][0])
    out["kv_heads"] = out["kv_heads"] or out["heads"]
    return out


MAX_CONFIG_BYTES = 2_000_000  # a config.json is a few kB


def model_fields_from_config(path: str | Path) -> dict[str, Any]:
    """The `[model]` fields a Hugging Face `config.json` gives (BadInput naming the file)."""
    import json

    p = Path(path)
    try:
        if not p.is_file():
            raise BadInput(f"{path}: not a regular file" if p.exists() else f"{path}: file not found")
        if p.stat().st_size > MAX_CONFIG_BYTES:
            raise BadInput(f"{p.name}: too large for a model config.json")
        from advisor.files import read_user_file  # bounded, regular files only (someone else's file)

        cfg = json.loads(read_user_file(p, MAX_CONFIG_BYTES, what="model config.json", name=p.name).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    except (json.JSONDecodeError, RecursionError, ValueError) as e:
        raise BadInput(f"{p.name}: not valid JSON ({str(e)[:80]})") from None
    if not isinstance(cfg, dict):
        raise BadInput(f"{p.name}: a config.json must be a JSON object")
    try:
        g = _hf_shape(cfg)
        total, active = hf_params(cfg if "text_config" not in cfg else {**cfg, **cfg["text_config"]})
    except KeyError as e:
        raise BadInput(f"{p.name}: {e.args[0]} is missing (needed for the model's shape)") from None
    except (ValueError, TypeError) as e:
        raise BadInput(f"{p.name}: {e}") from None
    if total <= 0:
        raise BadInput(f"{p.name}: the shape fields give no parameters")
    out: dict[str, Any] = {"params_b": total / 1e9, "layers": g["layers"], "hidden": g["hidden"],
                           "heads": g["heads"], "kv_heads": min(g["kv_heads"], g["heads"])}
    if cfg.get("kv_lora_rank"):  # MLA caches one latent of kv_lora_rank + rope dims per token and layer
        out["kv_heads"], out["head_dim"] = 1, int((cfg["kv_lora_rank"] + (cfg.get("qk_rope_head_dim") or 64)) / 2)
    elif g["head_dim"]:
        out["head_dim"] = g["head_dim"]
    if g["experts"] and g["experts_per_token"]:
        out.update(experts=g["experts"], experts_per_token=min(g["experts_per_token"], g["experts"]),
                   active_params_b=active / 1e9)
    if out["hidden"] % out["heads"] and "head_dim" not in out:
        out.pop("heads")  # heads that do not divide the width and no head_dim: derive both instead
        out.pop("kv_heads")
    return out


@cache
def library() -> tuple[LibraryModel, ...]:
    """Every model of the library, in file order."""
    out = []
    with open(DATA, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            params = _num(r["params_b"])
            active = _num(r["active_params_b"])
            experts, k = _num(r["experts"], int), _num(r["experts_per_token"], int)
            if params is None:
                cfg = {"num_hidden_layers": _num(r["layers"], int), "hidden_size": _num(r["hidden"], int),
                       "num_attention_heads": _num(r["heads"], int), "num_key_value_heads": _num(r["kv_heads"], int),
                       "head_dim": _num(r["head_dim"], int), "intermediate_size": _num(r["intermediate"], int),
                       "moe_intermediate_size": _num(r["moe_intermediate"], int), "num_local_experts": experts,
                       "num_experts_per_tok": k, "n_shared_experts": _num(r["shared_experts"], int),
                       "vocab_size": _num(r["vocab"], int), "tie_word_embeddings": r["tied_embeddings"] == "true"}
                moe_layers = _num(r["moe_layers"], int)
                if moe_layers is not None:
                    cfg["first_k_dense_replace"] = cfg["num_hidden_layers"] - moe_layers
                total, act = hf_params({k2: v for k2, v in cfg.items() if v is not None})
                params, active = round(total / 1e9, 3), round(act / 1e9, 3)
            out.append(LibraryModel(
                id=r["id"], name=r["name"], family=r["family"], params_b=params,
                active_params_b=active if active is not None else params,
                layers=_num(r["layers"], int), hidden=_num(r["hidden"], int), heads=_num(r["heads"], int),
                kv_heads=_num(r["kv_heads"], int), head_dim=_num(r["head_dim"], int), experts=experts,
                experts_per_token=k, context=_num(r["context"], int),
                forward_gflops_per_sample=_num(r["forward_gflops_per_sample"]), source=r["source"]))
    return tuple(out)


def _norm(s: str) -> str:
    return "".join(c for c in s.lower() if c.isalnum() or c == ".")


def find_model(name: str) -> LibraryModel | None:
    """The library model called `name` (id or name; case, spaces and hyphens do not matter)."""
    key = _norm(name)
    for m in library():
        if key in (_norm(m.id), _norm(m.name)):
            return m
    return None


def model_ids() -> list[str]:
    return [m.id for m in library()]
