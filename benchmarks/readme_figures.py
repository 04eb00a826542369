"""The figures README.md quotes, computed from the data they describe, so they cannot go stale.

    python benchmarks/readme_figures.py            # print every figure and the accuracy table
    python benchmarks/readme_figures.py --check    # exit 1 and list what README.md says differently
    python benchmarks/readme_figures.py --write    # put the current figures into README.md

Figures: the catalog's device and CPU counts (hardware_db/data), the number of presets
(workloads/), the size of the model library (advisor/models data) and the accuracy table
(predicted / measured over tests/data/measured_reference.csv, the same rows and arithmetic
as tests/advisor/test_model_accuracy.py). tests/advisor/test_readme_figures.py runs --check's
logic, so a catalog row, a reference row or a model change that moves a figure fails the tests
until the README is regenerated.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

README = ROOT / "README.md"
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve"]


@dataclass(frozen=True)
class Site:
    """A place in README.md: `pattern` has one group, the figure, between fixed text."""

    name: str
    pattern: str


SITES = (
    Site("catalog devices", r"\*\*Catalog\*\* \(`hardware_db/`\): (\d+) devices"),
    Site("catalog CPUs", r"Apple M1-M4, (\d+) CPUs, "),
    Site("presets", r"(\w+) presets ship inside the package"),
    Site("library models", r"a library of (\d+) published models"),
)
TABLE_HEAD = "| what | points | predicted / measured |"


def _word(n: int) -> str:
    """A count as the README writes it at the start of a sentence: "Ten", or digits from 13."""
    return NUMBER_WORDS[n].capitalize() if n < len(NUMBER_WORDS) else str(n)


def counts() -> dict[str, str]:
    from advisor.models import library
    from advisor.presets import list_presets
    from hardware_db import load_catalog

    cat = load_catalog(user_overlay=False)
    return {
        "catalog devices": str(len(cat)),
        "catalog CPUs": str(sum(r["kind"] == "cpu" for r in cat.rows)),
        "presets": _word(len(list_presets())),
        "library models": str(len(library())),
    }


def _median_error(ratios) -> float:
    return float(np.median(np.abs(np.asarray(ratios) - 1)))


def training_hours_ratios() -> list[tuple[str, float]]:
    """Llama 2 GPU-hours, the same rows and arithmetic as test_model_accuracy."""
    from tests.advisor import reference as R

    return R.training_hours_ratios()


def training_throughput_ratios() -> list[float]:
    """MosaicML llm-foundry tokens/s per GPU (bf16), the same rows and arithmetic as test_model_accuracy."""
    from tests.advisor import reference as R

    return R.training_throughput_ratios()


ENGINE_NAMES = {"llama.cpp": "llama.cpp", "mlc": "MLC", "exllamav2": "ExLlamaV2", "mlx": "MLX",
                "tensorrt-llm": "TensorRT-LLM", "vllm": "vLLM", "sglang": "SGLang", "transformers": "transformers"}


def _params(values) -> str:
    """Model sizes as "1B-671B" (or "7B/70B" for two), from the reference rows' params_b."""
    sizes = sorted({round(float(v)) or float(v) for v in values})
    names = [f"{s:g}B" for s in sizes]
    return names[0] if len(names) == 1 else ("/".join(names) if len(names) == 2 else f"{names[0]}-{names[-1]}")


def accuracy_table() -> str:
    """The README's accuracy table: decode (all engines, then per engine), serving, energy, training."""
    from tests.advisor import reference as R

    rows = [TABLE_HEAD, "| --- | --- | --- |"]
    decode = R.decode_results()
    ratios = [d["ratio"] for d in decode]
    engines = sorted({d["engine"] for d in decode}, key=lambda e: -sum(d["engine"] == e for d in decode))
    counts = sorted({d["count"] for d in decode})
    moe = any((d["row"].get("notes") or "").lower().find("moe") >= 0 or d["model"] in ("deepseek-r1", "gpt-oss-20b")
              for d in decode)
    by_engine = "; by engine: " + ", ".join(
        f"{ENGINE_NAMES.get(e, e)} {_median_error([d['ratio'] for d in decode if d['engine'] == e]):.0%}"
        for e in engines)
    rows.append(
        f"| single-stream decode, {_params(d['row']['params_b'] for d in decode)}"
        f"{' (dense and MoE)' if moe else ''} in {', '.join(ENGINE_NAMES.get(e, e) for e in engines)}, "
        f"{counts[0]}-{counts[-1]} GPUs | {len(decode)} on {len({d['device'] for d in decode})} GPUs and Apple chips "
        f"| median error {_median_error(ratios):.0%}, range {min(ratios):.2f}-{max(ratios):.2f}{by_engine} |")
    serving = R.serving_results()
    ratios = [x["ratio"] for x in serving]
    serving_rows = R.rows("serving")
    devices = list(dict.fromkeys(r["device"].split()[0] for r in serving_rows))
    rows.append(f"| batched serving, {', '.join(ENGINE_NAMES.get(e, e) for e in sorted({x['engine'] for x in serving}))} "
                f"{_params(r['params_b'] for r in serving_rows)} throughput tables ({', '.join(devices)}) "
                f"| {len(serving)} | median error {_median_error(ratios):.0%}, range {min(ratios):.2f}-{max(ratios):.2f} |")
    energy = R.energy_results()
    ratios = [x["ratio"] for x in energy]
    rows.append(f"| energy per output token (ML.ENERGY H100 batch 64; system wall power at batch 1) | {len(energy)} "
                f"| median error {_median_error(ratios):.0%}, range {min(ratios):.2f}-{max(ratios):.2f} |")
    hours = training_hours_ratios()
    rows.append(f"| training GPU-hours, Llama 2 7B / 13B / 70B | {len(hours)} | "
                f"{' / '.join(f'{r:.2f}' for _, r in hours)} |")
    tput = training_throughput_ratios()
    rows.append(f"| training tokens/s per GPU, MosaicML MPT 7B-70B on A100/H100 | {len(tput)} | "
                f"{min(tput):.2f}-{max(tput):.2f} (median error {_median_error(tput):.0%}) |")
    return "\n".join(rows)


def _table_span(text: str) -> tuple[int, int] | None:
    start = text.find(TABLE_HEAD)
    if start < 0:
        return None
    end = text.find("\n\n", start)
    return start, (len(text) if end < 0 else end)


def differences(text: str, figures: dict[str, str], table: str) -> list[str]:
    """One line per README figure that disagrees with the data (or is missing)."""
    out = []
    for site in SITES:
        m = re.search(site.pattern, text)
        if m is None:
            out.append(f"{site.name}: README.md has no place matching {site.pattern!r}")
        elif m.group(1) != figures[site.name]:
            out.append(f"{site.name}: README.md says {m.group(1)}, the data says {figures[site.name]}")
    span = _table_span(text)
    if span is None:
        out.append("accuracy table: README.md has no table headed " + TABLE_HEAD)
    elif text[span[0]:span[1]] != table:
        out.append("accuracy table: README.md's differs from the data:\n" + table)
    return out


def rewrite(text: str, figures: dict[str, str], table: str) -> str:
    for site in SITES:
        m = re.search(site.pattern, text)
        if m:
            text = text[:m.start(1)] + figures[site.name] + text[m.end(1):]
    span = _table_span(text)
    if span:
        text = text[:span[0]] + table + text[span[1]:]
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when README.md differs from the data")
    ap.add_argument("--write", action="store_true", help="write the figures into README.md")
    args = ap.parse_args(argv)
    figures, table = counts(), accuracy_table()
    text = README.read_text(encoding="utf-8")
    if args.write:
        from advisor.atomic import write_text_atomic

        write_text_atomic(README, rewrite(text, figures, table))
        return 0
    if args.check:
        diffs = differences(text, figures, table)
        for d in diffs:
            print(d)
        return 1 if diffs else 0
    for k, v in figures.items():
        print(f"{k}: {v}")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
