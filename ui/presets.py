"""Workload presets for the GUI: the built-in presets shipped in the package
(`advisor/presets/`), plus one built-in default should none of them load."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from advisor.presets import PRESET_DIR as WORKLOADS_DIR  # the folder the presets ship in

log = logging.getLogger(__name__)

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
    """Every valid preset in `folder` (invalid files are logged and skipped), in the order of
    `hwadvisor presets` (the default first)."""
    from advisor.errors import BadInput
    from advisor.workload import load_workload

    presets: list[Preset] = []
    from advisor.presets import sort_key

    for path in sorted(list(folder.glob("*.toml")) + list(folder.glob("*.json")), key=lambda p: sort_key(p.stem)):
        try:
            wl = load_workload(path)
        except BadInput as e:
            log.warning("preset skipped: %s", e)
            continue
        presets.append(Preset(wl.name or path.stem, wl.description, path, wl.to_dict()))
    if not presets:
        presets.append(Preset(BUILTIN_DEFAULT["name"], BUILTIN_DEFAULT["description"], None, BUILTIN_DEFAULT))
    return presets
