"""Workload files (TOML or JSON): what the user wants to train and/or serve.

One table of field specifications (`SECTIONS`) drives validation, defaults, the GUI form
(labels, units, tooltips) and saving, so the three never disagree. Every rejection is a
`BadInput` with one line: `file: section.field must be ..., got ...`.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from advisor.errors import BadInput
from advisor.precision import PRECISIONS


@dataclass(frozen=True)
class FieldSpec:
    """One field of the workload file: its type, bounds, default and the help a user sees."""

    key: str
    type: str  # "number" | "whole" | "text" | "bool" | "choice"
    label: str
    help: str
    unit: str = ""
    required: bool = False
    default: Any = None
    lo: float | None = None  # lowest allowed value
    lo_open: bool = False  # True: value must be > lo rather than >= lo
    hi: float | None = None  # highest allowed value (catches 1e300-style slips)
    # Smallest meaningful value of a field that must be > 0: below it is a slip, not a plan
    # (1e-10 target days sizes 10 trillion devices; 1e-300 years of amortisation gives
    # 300-digit costs; 1e-300 days turns a device count into NaN).
    least: float | None = None
    choices: tuple[str, ...] = ()


def _num(key, label, help, unit="", **kw) -> FieldSpec:
    return FieldSpec(key, "number", label, help, unit, **kw)


def _whole(key, label, help, unit="", **kw) -> FieldSpec:
    return FieldSpec(key, "whole", label, help, unit, **kw)


PRECISION_NAMES = tuple(PRECISIONS)
# Serving engines (advisor.model.engines holds their profiles); ollama and LM Studio run llama.cpp.
ENGINE_NAMES = ("auto", "llama.cpp", "vllm", "sglang", "tensorrt-llm", "mlc", "exllamav2", "mlx", "transformers",
                "ollama", "lm studio")
TRAINING_PRECISIONS = ("fp32", "tf32", "bf16", "fp16", "fp8")

SECTIONS: dict[str, tuple[FieldSpec, ...]] = {
    "": (
        FieldSpec("name", "text", "Name", "A short name for this workload.", default=""),
        FieldSpec("description", "text", "Description", "One line on what this workload is.", default=""),
    ),
    "model": (
        FieldSpec("name", "text", "Library model", "A model of the library (`models` lists them, e.g. "
                  "llama-3.1-8b, qwen3-30b-a3b, deepseek-r1): fills the fields below; fields given here "
                  "override it.", default=""),
        _num("params_b", "Parameters", "Total parameters, in billions (7B model: 7; ResNet-50: 0.0256).",
             "B", lo=0, lo_open=True, least=1e-6, hi=100_000),
        FieldSpec("family", "choice", "Family", "transformer: LLM-style (tokens, KV cache); cnn: image "
                  "models (samples, FLOPs per sample); generic: 2 FLOPs per parameter per sample.",
                  default="transformer", choices=("transformer", "cnn", "generic")),
        _whole("layers", "Layers", "Transformer blocks. Derived from the parameter count when absent.", lo=1, hi=2000),
        _whole("hidden", "Hidden size", "Model width (d_model). Derived when absent.", lo=1, hi=1_000_000),
        _whole("heads", "Attention heads", "Query heads. Derived as hidden / 128 when absent.", lo=1, hi=100_000),
        _whole("kv_heads", "KV heads", "Key/value heads: fewer than heads with GQA/MQA, which shrinks the "
               "KV cache. Defaults to heads (no sharing).", lo=1, hi=100_000),
        _num("active_params_b", "Active parameters", "Mixture-of-experts: parameters used per token, "
             "in billions. Compute follows these; memory holds all parameters.", "B", lo=0, lo_open=True, least=1e-6, hi=100_000),
        _whole("head_dim", "Head size", "Width of one attention head (Qwen3, Gemma and gpt-oss set it apart from "
               "hidden / heads). Sizes the KV cache; defaults to hidden / heads.", lo=1, hi=100_000),
        _whole("experts", "Experts", "Mixture-of-experts: routed experts per MoE layer (num_local_experts, "
               "num_experts, n_routed_experts).", lo=1, hi=100_000),
        _whole("experts_per_token", "Experts per token", "Mixture-of-experts: experts each token is routed to "
               "(num_experts_per_tok). A batch touches more distinct experts than one token.", lo=1, hi=100_000),
        _num("forward_gflops_per_sample", "Forward GFLOPs/sample", "cnn/generic: FLOPs of one forward pass "
             "of one sample, in GFLOPs (ResNet-50 at 224x224: 8.2).", "GFLOP", lo=0, lo_open=True, least=1e-6, hi=1e9),
    ),
    "inference": (
        FieldSpec("precision", "choice", "Precision", "Weight precision while serving. Lower precision "
                  "(INT8/INT4, GGUF) needs less memory and bandwidth per token.", required=True,
                  choices=PRECISION_NAMES),
        _num("requests_per_day", "Requests per day", "Traffic: requests served per day.", "req/day",
             required=True, lo=0, lo_open=True, least=0.01, hi=1e13),
        _whole("prompt_tokens", "Prompt tokens", "Input tokens per request (prefill).", "tokens",
               default=512, lo=0, hi=10_000_000),
        _whole("output_tokens", "Output tokens", "Generated tokens per request (decode).", "tokens",
               default=128, lo=0, hi=1_000_000),
        _whole("batch_size", "Batch size", "Requests decoded together on one replica. Small batches: low "
               "latency, poor utilisation; large batches: throughput.", default=1, lo=1, hi=100_000),
        FieldSpec("kv_cache_precision", "choice", "KV cache precision", "Storage of the KV cache (the keys and "
                  "values of every past token, kept per stream). 16-bit by default; fp8/int8 halve it (vLLM "
                  "--kv-cache-dtype fp8, TensorRT-LLM --fp8_kv_cache).", default="fp16",
                  choices=("fp16", "bf16", "fp8", "int8")),
        _num("latency_slo_ms", "Latency target", "End-to-end latency target per request (TTFT + all "
             "output tokens).", "ms", lo=0, lo_open=True, least=0.001, hi=1e8),
        _num("cost_per_request_usd", "Known cost per request", "A known price per request, replacing the "
             "hardware-derived cost (e.g. an API price).", "$", lo=0, lo_open=True, hi=1e4),
        FieldSpec("engine", "choice", "Engine", "The software that serves the model; sets the efficiencies and how "
                  "devices split it (ollama and LM Studio are llama.cpp). auto: the usual one for the device and "
                  "batch.", default="auto", choices=ENGINE_NAMES),
        FieldSpec("split", "choice", "Split", "How several devices share one copy of the model: tensor (each layer "
                  "split, bandwidths add, an all-reduce per layer) or layers (llama.cpp: each device holds some "
                  "layers, they take turns). auto: the engine's style.", default="auto",
                  choices=("auto", "tensor", "layers")),
        FieldSpec("offload", "choice", "Offload", "auto: layers that do not fit on the devices run from host memory "
                  "at host bandwidth (llama.cpp -ngl); none: the model must fit.", default="none",
                  choices=("none", "auto")),
        _num("host_memory_gb", "Host memory", "System RAM for offloaded layers (default: this machine's RAM when "
             "known, else 64 GB).", "GB", lo=0, lo_open=True, least=0.01, hi=1_000_000),
        _num("host_bandwidth_gbps", "Host bandwidth", "System-memory bandwidth the offloaded layers stream at "
             "(default: a dual-channel DDR5 desktop, 64 GB/s; servers with 8-12 channels reach 300-460).", "GB/s",
             lo=0, lo_open=True, least=0.1, hi=100_000),
        _num("bits_per_weight", "Bits per weight", "Any quantisation's average bits per weight (EXL2 4.65, IQ2_XS "
             "2.3, AWQ 4.25 ...) instead of the precision's.", "bits", lo=1, hi=32),
    ),
    "training": (
        FieldSpec("precision", "choice", "Precision", "Math precision while training (bf16 mixed precision "
                  "is the norm; fp8 on Hopper and later).", required=True, choices=TRAINING_PRECISIONS,
                  default="bf16"),
        _num("tokens", "Training tokens", "Tokens processed over the whole run (transformer).", "tokens",
             lo=0, lo_open=True, least=1, hi=1e16),
        _num("samples", "Samples", "Samples per epoch (cnn/generic).", "samples", lo=0, lo_open=True, least=1, hi=1e13),
        _num("epochs", "Epochs", "Passes over the samples.", default=1, lo=0, lo_open=True, least=0.001, hi=100_000),
        _whole("seq_len", "Sequence length", "Tokens per training sequence; drives activation memory and "
               "the attention FLOPs.", "tokens", default=2048, lo=1, hi=10_000_000),
        _whole("batch_size", "Micro-batch", "Sequences (or samples) per device per step; activation memory "
               "grows with it.", default=1, lo=1, hi=1_000_000),
        FieldSpec("optimizer", "choice", "Optimizer", "adam keeps two fp32 moments + fp32 master weights "
                  "(16 bytes/parameter in mixed precision); sgd with momentum and adafactor keep less.",
                  default="adam", choices=("adam", "sgd", "adafactor")),
        FieldSpec("method", "choice", "Method", "full: every weight trains (weights, gradients, optimizer states); "
                  "lora: frozen 16-bit weights plus small adapters; qlora: frozen 4-bit weights plus adapters.",
                  default="full", choices=("full", "lora", "qlora")),
        _whole("lora_rank", "LoRA rank", "Rank of the LoRA adapters (on every attention and MLP projection).",
               default=16, lo=1, hi=65_536),
        FieldSpec("activation_checkpointing", "bool", "Activation checkpointing", "Recompute activations "
                  "in the backward pass: far less memory for ~33% more compute.", default=False),
        _whole("devices", "Devices", "Train on exactly this many devices; else the advisor sizes the "
               "cluster to finish within the target days.", lo=1, hi=1_000_000),
        _num("target_days", "Target days", "When devices is not set: the wall-clock time the advisor sizes "
             "the cluster for.", "days", default=30, lo=0, lo_open=True, least=0.01, hi=36_500),
        _num("cost_usd", "Known training cost", "A known cost of the training run, replacing the "
             "hardware-derived one.", "$", lo=0, lo_open=True, hi=1e12),
    ),
    "economics": (
        FieldSpec("mode", "choice", "Mode", "cloud: pay per device-hour; owned: buy the hardware (amortised) "
                  "and pay for electricity.", default="cloud", choices=("cloud", "owned")),
        _num("electricity_usd_per_kwh", "Electricity price", "Price of electricity.", "$/kWh",
             default=0.12, lo=0, hi=10),
        _num("pue", "PUE", "Power usage effectiveness: facility power / IT power (1.1 hyperscale, "
             "1.5 typical enterprise).", default=1.2, lo=1, hi=5),
        _num("carbon_kg_per_kwh", "Carbon intensity", "CO2 per kWh of electricity.", "kg/kWh",
             default=0.4, lo=0, hi=5),
        _num("amortization_years", "Amortisation", "Years over which owned hardware is written off.", "years",
             default=3, lo=0, lo_open=True, least=0.1, hi=30),
        _num("horizon_years", "Horizon", "Years of serving in the lifecycle view.", "years",
             default=1, lo=0, lo_open=True, least=0.01, hi=50),
        _num("target_utilization", "Target utilisation", "Fraction of a replica's capacity planned for "
             "(headroom for peaks).", default=0.6, lo=0, lo_open=True, least=0.01, hi=1),
        # Serving sized as finance would defend it (advisor/plan.py). Peak-to-mean 1.7: "for a
        # globally distributed user base somewhere in the range of 1.6 to 1.7 is typical"
        # (robustperception.io/do-you-know-your-peak-to-mean-ratio); office-hours traffic is higher.
        _num("peak_to_average", "Peak-to-average traffic", "Busiest hour's traffic over the day's average: "
             "1.7 is typical for users spread over time zones; traffic in one country's office hours "
             "is nearer 3.", default=1.7, lo=1, hi=100),
        _whole("spare_replicas", "Spare replicas", "Replicas kept on top of those the traffic needs, so "
               "one can fail without missing the target (1 = N+1).", default=0, lo=0, hi=1000),
        _num("latency_percentile", "Latency percentile", "The latency target is checked at this "
             "percentile of requests (queueing wait included), not at the average.", "%",
             default=95, lo=50, hi=99.9),
        _num("host_price_usd", "Host price", "Price of one host (case, CPU, board, memory, power supply) "
             "that holds the GPUs. Default by device class: desktop $2,600, workstation $6,500, "
             "server $15,000.", "$", lo=0, hi=10_000_000),
        _num("host_power_w", "Host power", "Average power one host draws besides its GPUs. Default by "
             "class: desktop 150 W, workstation 400 W, server 1,000 W.", "W", lo=0, hi=100_000),
        _whole("devices_per_host", "Devices per host", "GPUs one host holds. Default by class: desktop 2, "
               "workstation 4, server 8.", lo=1, hi=64),
        _num("hosting_usd_per_host_year", "Hosting per host", "Yearly cost of housing one host "
             "(colocation rack space, support); 0 for a machine in your office.", "$/year",
             default=0, lo=0, hi=10_000_000),
    ),
}

SPEC_BY_PATH = {(f"{s}.{f.key}" if s else f.key): f for s, specs in SECTIONS.items() for f in specs}


@dataclass(frozen=True)
class ModelSpec:
    params_b: float
    family: str = "transformer"
    layers: int | None = None
    hidden: int | None = None
    heads: int | None = None
    kv_heads: int | None = None
    active_params_b: float | None = None
    forward_gflops_per_sample: float | None = None
    name: str = ""
    head_dim: int | None = None
    experts: int | None = None
    experts_per_token: int | None = None


@dataclass(frozen=True)
class InferenceSpec:
    precision: str
    requests_per_day: float
    prompt_tokens: int = 512
    output_tokens: int = 128
    batch_size: int = 1
    kv_cache_precision: str = "fp16"
    latency_slo_ms: float | None = None
    cost_per_request_usd: float | None = None
    engine: str = "auto"
    split: str = "auto"
    offload: str = "none"
    host_memory_gb: float | None = None
    host_bandwidth_gbps: float | None = None
    bits_per_weight: float | None = None


@dataclass(frozen=True)
class TrainingSpec:
    precision: str
    tokens: float | None = None
    samples: float | None = None
    epochs: float = 1
    seq_len: int = 2048
    batch_size: int = 1
    optimizer: str = "adam"
    activation_checkpointing: bool = False
    devices: int | None = None
    target_days: float = 30
    cost_usd: float | None = None
    method: str = "full"
    lora_rank: int = 16


@dataclass(frozen=True)
class Economics:
    mode: str = "cloud"
    electricity_usd_per_kwh: float = 0.12
    pue: float = 1.2
    carbon_kg_per_kwh: float = 0.4
    amortization_years: float = 3
    horizon_years: float = 1
    target_utilization: float = 0.6
    peak_to_average: float = 1.7
    spare_replicas: int = 0
    latency_percentile: float = 95
    host_price_usd: float | None = None
    host_power_w: float | None = None
    devices_per_host: int | None = None
    hosting_usd_per_host_year: float = 0


@dataclass(frozen=True)
class Workload:
    """A validated workload. Immutable: edits make a new one via `workload_from_dict`."""

    model: ModelSpec
    inference: InferenceSpec | None = None
    training: TrainingSpec | None = None
    economics: Economics = Economics()
    name: str = ""
    description: str = ""

    @property
    def phase(self) -> str:
        """'training', 'inference' or 'both' (a lifecycle)."""
        if self.training and self.inference:
            return "both"
        return "training" if self.training else "inference"

    def to_dict(self) -> dict:
        """Plain dict in the file's layout, without unset optional fields."""
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.description:
            out["description"] = self.description
        for section in ("model", "inference", "training", "economics"):
            obj = getattr(self, section)
            if obj is not None:
                out[section] = {k: v for k, v in asdict(obj).items() if v is not None and v != ""}
        return out


_SECTION_TYPES = {"model": ModelSpec, "inference": InferenceSpec, "training": TrainingSpec, "economics": Economics}


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, dict):
        return "table"
    if isinstance(v, list):
        return "list"
    return type(v).__name__


def _show(v: Any) -> str:
    if isinstance(v, str):
        return repr(v[:40] + ("..." if len(v) > 40 else ""))
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**21:
        return f"a {len(str(abs(v)))}-digit number"
    if isinstance(v, float):
        short = f"{v:g}"
        return short if v != v or float(short) == v else repr(v)  # never show 560551.4 as 560551
    if isinstance(v, (dict, list)):
        return f"a {_type_name(v)}"
    return str(v).lower() if isinstance(v, bool) else str(v)


def _key(k: Any) -> str:
    """A key as it can be shown on one line: as is when plain, else quoted with escapes."""
    k = str(k)
    return k if k.isprintable() and k.strip() == k and k else repr(k)


def _bound_text(spec: FieldSpec) -> str:
    if spec.lo is None:
        return ""
    return f" {'>' if spec.lo_open else '>='} {spec.lo:g}"


def check_value(spec: FieldSpec, path: str, value: Any, src: str) -> Any:
    """Validate one value against its spec; return it converted (whole numbers to int)."""
    def bad(what: str) -> BadInput:
        return BadInput(f"{src}: {path} {what}, got {_show(value)}")

    if spec.type in ("number", "whole"):
        noun = "a whole number" if spec.type == "whole" else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(f"must be {noun}{_bound_text(spec)}")
        if isinstance(value, float) and not math.isfinite(value):  # an int is finite (and may not fit a float)
            raise bad(f"must be a finite number{_bound_text(spec)}")
        if spec.type == "whole" and value != int(value):
            raise bad(f"must be a whole number{_bound_text(spec)}")
        if spec.lo is not None and (value <= spec.lo if spec.lo_open else value < spec.lo):
            raise bad(f"must be {noun}{_bound_text(spec)}")
        if spec.hi is not None and value > spec.hi:
            raise bad(f"must be at most {spec.hi:g}")
        if spec.least is not None and value < spec.least:
            raise bad(f"must be at least {spec.least:g}")
        return int(value) if spec.type == "whole" else float(value)
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise bad("must be true or false")
        return value
    if spec.type == "choice":
        if not isinstance(value, str) or value.strip().lower() not in spec.choices:
            raise bad(f"must be one of {', '.join(spec.choices)}")
        return value.strip().lower()
    if not isinstance(value, str):
        raise bad("must be text")
    if len(value) > 200 or any(ord(c) < 32 for c in value):
        raise bad("must be one line of at most 200 characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):  # cannot be saved as UTF-8, nor printed
        raise bad("must be valid Unicode text (a lone surrogate is not a character)")
    if any(0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in value):
        raise bad("must be printable text (no control or text-direction characters)")
    return value


def _check_section(section: str, data: Any, src: str) -> dict:
    specs = {f.key: f for f in SECTIONS[section]}
    if not isinstance(data, dict):
        raise BadInput(f"{src}: {section} must be a table of fields, got {_show(data)}")
    out = {}
    for key, value in data.items():
        path = f"{section}.{key}"
        if key not in specs:
            raise BadInput(f"{src}: {section}.{_key(key)} is not a known field (known: {', '.join(specs)})")
        out[key] = check_value(specs[key], path, value, src)
    for spec in specs.values():
        if spec.required and spec.key not in out:
            what = spec.help.split(" (")[0].split(". ")[0].rstrip(".")
            raise BadInput(f"{src}: {section}.{spec.key} is required ({what[0].lower() + what[1:]})")
    return out


def workload_from_dict(data: Any, source: str = "workload", model_overrides: dict | None = None) -> Workload:
    """Validate a plain dict (parsed TOML/JSON, or the GUI form) into a `Workload`.

    `model_overrides`: [model] fields from elsewhere (a `--model-config` config.json) that
    replace the file's own.
    """
    if not isinstance(data, dict):
        raise BadInput(f"{source}: the top level must be a table of sections, got {_show(data)}")
    if model_overrides:
        own = data.get("model") if isinstance(data.get("model"), dict) else {}
        data = {**data, "model": {**own, **model_overrides}}
    top_specs = {f.key: f for f in SECTIONS[""]}
    top = {}
    for key, value in data.items():
        if key in _SECTION_TYPES:
            continue
        if key not in top_specs:
            known = ", ".join([*top_specs, *_SECTION_TYPES])
            raise BadInput(f"{source}: {_key(key)} is not a known field or section (known: {known})")
        top[key] = check_value(top_specs[key], key, value, source)
    if "model" not in data:
        raise BadInput(f"{source}: model is required (a [model] section with params_b)")
    if "inference" not in data and "training" not in data:
        raise BadInput(f"{source}: inference or training is required (a workload serves, trains, or both)")
    parts = {s: _check_section(s, data[s], source) for s in _SECTION_TYPES if s in data}
    parts["model"] = _with_library_model(parts["model"], source)
    model = ModelSpec(**parts["model"])
    _check_model(model, source)
    inference = InferenceSpec(**parts["inference"]) if "inference" in parts else None
    training = TrainingSpec(**parts["training"]) if "training" in parts else None
    if inference is not None:
        _check_inference(model, inference, source)
    if training is not None:
        _check_training(model, training, source)
    economics = Economics(**parts.get("economics", {}))
    return Workload(model=model, inference=inference, training=training, economics=economics, **top)


def _with_library_model(fields_: dict, src: str) -> dict:
    """The [model] fields with a library model's filled in under the ones given explicitly."""
    name = fields_.get("name")
    if name:
        from advisor.models import find_model, model_ids

        lib = find_model(name)
        if lib is None:
            import difflib

            close = difflib.get_close_matches(name.lower(), model_ids(), n=3, cutoff=0.4)
            hint = f" (closest: {', '.join(close)})" if close else " (see the models command)"
            raise BadInput(f"{src}: model.name {_show(name)} is not a model of the library{hint}")
        fields_ = {**lib.model_fields(), **fields_}
    if "params_b" not in fields_:
        raise BadInput(f"{src}: model.params_b is required (total parameters, in billions), or model.name "
                       "of a library model")
    return fields_


def _check_model(m: ModelSpec, src: str) -> None:
    if m.active_params_b is not None and m.active_params_b > m.params_b:
        raise BadInput(f"{src}: model.active_params_b must be at most model.params_b ({m.params_b:g}), got {m.active_params_b:g}")
    if m.heads and m.kv_heads and m.kv_heads > m.heads:
        raise BadInput(f"{src}: model.kv_heads must be at most model.heads ({m.heads}), got {m.kv_heads}")
    if m.heads and m.hidden and m.hidden % m.heads and not m.head_dim:
        raise BadInput(f"{src}: model.heads must divide model.hidden ({m.hidden}), got {m.heads}")
    if m.experts_per_token and m.experts and m.experts_per_token > m.experts:
        raise BadInput(f"{src}: model.experts_per_token must be at most model.experts ({m.experts}), got {m.experts_per_token}")
    if m.family == "cnn" and m.forward_gflops_per_sample is None:
        raise BadInput(f"{src}: model.forward_gflops_per_sample is required for family 'cnn' (FLOPs of one forward pass)")


def _check_inference(m: ModelSpec, inf: InferenceSpec, src: str) -> None:
    if m.family == "transformer" and inf.prompt_tokens + inf.output_tokens < 1:
        raise BadInput(f"{src}: inference.prompt_tokens must be >= 1 when output_tokens is 0, got 0")


def _check_training(m: ModelSpec, tr: TrainingSpec, src: str) -> None:
    if m.family == "transformer" and tr.tokens is None and tr.samples is None:
        raise BadInput(f"{src}: training.tokens is required for a transformer (or samples of seq_len tokens)")
    if m.family != "transformer" and tr.samples is None and tr.tokens is None:
        raise BadInput(f"{src}: training.samples is required for family '{m.family}'")
    if tr.tokens is not None and tr.samples is not None:
        raise BadInput(f"{src}: training.samples must be absent when training.tokens is given (one or the other), got {tr.samples:g}")


def parse_text(text: str, source: str, fmt: str, model_overrides: dict | None = None) -> Workload:
    """Parse TOML or JSON text (fmt 'toml' | 'json') into a validated Workload."""
    try:
        if fmt == "json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"{source}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"{source}: not valid TOML: {e}") from None
    except RecursionError:
        raise BadInput(f"{source}: not a workload: nested too deeply") from None
    except ValueError as e:  # e.g. an integer of more than 4300 digits (int conversion limit)
        raise BadInput(f"{source}: not valid {fmt.upper()}: {str(e).split(';')[0]}") from None
    return workload_from_dict(data, source, model_overrides)


MAX_FILE_BYTES = 1_000_000  # a workload file is a few hundred bytes; anything huge is a mistake


def load_workload(path: str | Path, model_overrides: dict | None = None) -> Workload:
    """Read and validate a workload file; the format follows the suffix (.json, else TOML).

    `model_overrides`: [model] fields that replace the file's (from `--model-config`).
    """
    from advisor.files import read_user_file

    p = Path(path)
    src = p.name
    raw = read_user_file(p, MAX_FILE_BYTES, what="workload file", name=src)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{src}: not UTF-8 text (is it a workload file?)") from None
    if not text.strip():
        raise BadInput(f"{src}: file is empty")
    fmt = "json" if p.suffix.lower() == ".json" else "toml"
    wl = parse_text(text, src, fmt, model_overrides)
    if not wl.name:
        wl = Workload(**{f.name: getattr(wl, f.name) for f in fields(wl)} | {"name": p.stem})
    return wl


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    # A JSON string is a valid TOML basic string once DEL and C1 controls, which TOML does not
    # allow raw, are escaped too.
    return re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(v, ensure_ascii=False))


def dumps_toml(wl: Workload) -> str:
    """The workload as TOML text, readable by `parse_text(..., 'toml')`."""
    d = wl.to_dict()
    lines = [f"{k} = {_toml_value(d[k])}" for k in ("name", "description") if k in d]
    for section in ("model", "inference", "training", "economics"):
        if section in d:
            lines += ["", f"[{section}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in d[section].items()]
    return "\n".join(lines) + "\n"


def save_workload(wl: Workload, path: str | Path) -> None:
    """Save atomically as TOML (or JSON when the suffix is .json)."""
    from advisor.atomic import write_text_atomic

    p = Path(path)
    text = json.dumps(wl.to_dict(), indent=2) + "\n" if p.suffix.lower() == ".json" else dumps_toml(wl)
    write_text_atomic(p, text)
