"""Built-in workload presets: the TOML files shipped in `workloads/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.workload import Workload, load_workload

PRESET_DIR = Path(__file__).resolve().parent.parent / "workloads"
DEFAULT_PRESET = "chat_7b_workstation"
# The order people meet them in: serving first (where lifetime cost lives), then training.
ORDER = ("chat_7b_workstation", "chatgpt_scale_service", "lifecycle_2m_training_18m_serving", "serve_70b_at_scale",
         "mixtral_moe_serving", "batch_embeddings", "edge_vision_int8", "finetune_7b", "pretrain_7b_2t",
         "resnet50_training")


@dataclass(frozen=True)
class Preset:
    key: str  # file stem
    name: str
    description: str
    path: Path
    workload: Workload


def list_presets() -> list[Preset]:
    """Every preset in `workloads/`, in ORDER then alphabetically; all validated."""
    files = sorted(PRESET_DIR.glob("*.toml"), key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else 99, p.stem))
    out = []
    for f in files:
        wl = load_workload(f)
        out.append(Preset(f.stem, wl.name, wl.description, f, wl))
    return out


def get_preset(key: str = DEFAULT_PRESET) -> Preset:
    for p in list_presets():
        if p.key == key:
            return p
    raise KeyError(key)
