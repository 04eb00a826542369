"""Workload presets: the TOML files in `workloads/`, plus one built-in default so the app has
something to show on a fresh checkout."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

WORKLOADS_DIR = Path(__file__).resolve().parent.parent / "workloads"
#: Preferred default preset file stems, best first.
DEFAULT_STEMS = ("chat_7b_workstation", "chat_7b", "serve_7b_chat")

BUILTIN_DEFAULT = {
    "name": "Serve a 7B chat model",
    "description": "A 7B transformer answering chat requests at small batch (built-in example).",
    "model": {"params_b": 6.74, "family": "transformer", "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 32},
    "inference": {"precision": "int8", "requests_per_day": 100_000, "prompt_tokens": 512, "output_tokens": 256,
                  "batch_size": 4, "latency_slo_ms": 10_000},
    "training": {"precision": "bf16", "tokens": 2e9, "seq_len": 4096, "optimizer": "adam"},
    "economics": {"mode": "cloud", "horizon_years": 1},
}


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    path: Path | None  # None: built in
    data: dict


def list_presets(folder: Path = WORKLOADS_DIR) -> list[Preset]:
    """Every valid preset in `folder` (invalid files are logged and skipped), default first."""
    from advisor.errors import BadInput
    from advisor.workload import load_workload

    presets: list[Preset] = []
    for path in sorted(folder.glob("*.toml")) + sorted(folder.glob("*.json")):
        try:
            wl = load_workload(path)
        except BadInput as e:
            log.warning("preset skipped: %s", e)
            continue
        presets.append(Preset(wl.name or path.stem, wl.description, path, wl.to_dict()))
    if not presets:
        presets.append(Preset(BUILTIN_DEFAULT["name"], BUILTIN_DEFAULT["description"], None, BUILTIN_DEFAULT))
    rank = {stem: i for i, stem in enumerate(DEFAULT_STEMS)}
    presets.sort(key=lambda p: rank.get(p.path.stem if p.path else "", len(rank)))
    return presets
