"""Built-in workload presets: the TOML files in this folder, shipped inside the installed package.

A preset's name is its file stem (`chat_7b_workstation`): what `hwadvisor presets` lists and
`--preset NAME` takes. The files are package data (pyproject.toml `package-data`), so a wheel
installed anywhere has them; they are also ordinary workload files to copy and edit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from advisor.errors import BadInput
from advisor.workload import Workload, load_workload

PRESET_DIR = Path(__file__).resolve().parent
DEFAULT_PRESET = "chat_7b_workstation"
# The order people meet them in: serving first (where lifetime cost lives), then training.
ORDER = ("chat_7b_workstation", "chatgpt_scale_service", "lifecycle_2m_training_18m_serving", "serve_70b_at_scale",
         "mixtral_moe_serving", "batch_embeddings", "edge_vision_int8", "finetune_7b", "pretrain_7b_2t",
         "resnet50_training")


@dataclass(frozen=True)
class Preset:
    key: str  # file stem: the name `--preset` takes
    name: str
    description: str
    path: Path
    workload: Workload


def sort_key(stem: str) -> tuple[int, str]:
    """Presets in ORDER, then any others alphabetically."""
    return (ORDER.index(stem) if stem in ORDER else len(ORDER), stem)


def preset_files() -> list[Path]:
    """The preset files in display order (not read)."""
    return sorted(PRESET_DIR.glob("*.toml"), key=lambda p: sort_key(p.stem))


def preset_names() -> list[str]:
    """Every preset's name (file stem) in display order, without reading the files."""
    return [p.stem for p in preset_files()]


def list_presets() -> list[Preset]:
    """Every preset, in ORDER then alphabetically; all validated."""
    out = []
    for f in preset_files():
        wl = load_workload(f)
        out.append(Preset(f.stem, wl.name, wl.description, f, wl))
    return out


def _normal(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


def find_preset_file(name: str) -> Path:
    """The file of the preset called `name`: its file stem, or its title ("Serve a 7B chat
    model"); case, spaces, hyphens and underscores do not matter.

    Raises BadInput naming the closest presets when there is none by that name.
    """
    want = _normal(str(name))
    files = preset_files()
    for f in files:
        if _normal(f.stem) == want:
            return f
    for f in files:  # the title, as the GUI shows it
        try:
            title = load_workload(f).name
        except BadInput:
            continue
        if title and _normal(title) == want:
            return f
    stems = [f.stem for f in files]
    close = difflib.get_close_matches(want, stems, n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise BadInput(f"--preset: no preset named {str(name)[:80]!r}; {hint}the presets are: {', '.join(stems)} "
                   "(see `hwadvisor presets`)")


def get_preset(key: str = DEFAULT_PRESET) -> Preset:
    """One preset by name (see `find_preset_file`); raises BadInput when there is none."""
    f = find_preset_file(key)
    wl = load_workload(f)
    return Preset(f.stem, wl.name, wl.description, f, wl)
