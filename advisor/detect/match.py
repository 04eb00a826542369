"""Match what the hardware calls itself (NVML names, CPU brand strings) to catalog rows.

Real strings carry noise ("NVIDIA", "GeForce", "Tesla", "(R)", "@ 2.10GHz", "96-Core
Processor") and often leave out what tells variants apart ("NVIDIA H100 80GB HBM3" is the SXM
board; "NVIDIA H200" names both 141 GB boards' chip). So:

1. an exact name/alias (ignoring case, spaces and hyphens) is a candidate, and so is
2. a row whose *model words* are exactly the device's model words, once vendor/brand words,
   form factors (SXM4, PCIe), memory sizes (40GB) and memory types (HBM3) are set aside.
   "RTX 4090" is then not "RTX 4090 D", "H100" not "H100 NVL", "A10" not "A100".
3. Candidates that contradict a measurement are dropped: memory size off by more than 12%,
   or the name says PCIe where the row says SXM. Among the rest, the one whose power limit,
   memory size and bandwidth (derived from bus width x clock) sit closest to its specs wins.

No candidate means no match: the device is reported with its measured specs instead of
being forced onto a wrong row. No ids are hard-coded; the catalog's names and aliases decide.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_SPLIT = re.compile(r"[-_/(),\s]+")
_NOISE_WORDS = {
    "nvidia", "geforce", "tesla", "quadro", "graphics", "gpu", "generation", "amd", "radeon", "instinct",
    "intel", "apple", "r", "tm", "cpu", "processor", "with", "and",
}
_MEMORY_TYPE = re.compile(r"^(hbm\d*e?|gddr\d*x?|lpddr\d*x?|ddr\d*)$")
_MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?(gb|g|gib|tb)$")
_FORM_FACTOR = re.compile(r"^(sxm\d*|pcie|pci|oam)$")
_CPU_NOISE = re.compile(r"\(r\)|\(tm\)|@\s*[\d.]+\s*[gm]hz|\b\d+\s*-?\s*core(s)?\b|\b\d+(st|nd|rd|th)\s+gen\b", re.I)

# Relative memory difference tolerated between a measurement and a row (GiB vs GB, reserved memory).
MEMORY_TOLERANCE = 0.12


def words(text: str) -> list[str]:
    """Lower-case words of `text`, with (R)/(TM), clock suffixes and "N-Core" removed."""
    return [w for w in _SPLIT.split(_CPU_NOISE.sub(" ", text.lower())) if w]


def _split_words(text: str) -> tuple[frozenset[str], str | None]:
    """(model words, form-factor family or None) of a device name."""
    model: set[str] = set()
    form = None
    for w in words(text):
        if w in _NOISE_WORDS or _MEMORY_TYPE.match(w) or _MEMORY_SIZE.match(w):
            continue
        if _FORM_FACTOR.match(w):
            form = "sxm" if w.startswith("sxm") else ("pcie" if w.startswith("pci") else w)
            continue
        model.add(w)
    return frozenset(model), form


def squash(text: str) -> str:
    return "".join(_SPLIT.split(text.lower()))


@dataclass(frozen=True)
class Measured:
    """What was read from the device; NaN where unknown."""

    memory_bytes: float = math.nan
    power_limit_w: float = math.nan
    bandwidth_gbps: float = math.nan


@dataclass(frozen=True)
class Match:
    row: dict | None
    reason: str

    @property
    def id(self) -> str | None:
        return None if self.row is None else self.row["id"]


def _rel(a: float, b: float) -> float:
    return abs(a - b) / b if b else math.inf


def memory_fit(memory_bytes: float, row_gb: float) -> float:
    """Relative difference of a measured size to a catalog size, reading the row as GB or GiB."""
    if not (math.isfinite(memory_bytes) and math.isfinite(row_gb) and row_gb > 0):
        return math.nan
    return min(_rel(memory_bytes / 2**30, row_gb), _rel(memory_bytes / 1e9, row_gb))


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def match_device(catalog, name: str, kinds: tuple[str, ...] = ("gpu",), measured: Measured = Measured(),
                 *, check_memory: bool = True) -> Match:
    """The catalog row for a device reporting `name` and `measured` specs, with the reason.

    `check_memory=False` for rows whose memory is a maximum configuration (Apple SoCs).
    """
    if catalog is None:
        return Match(None, "no catalog loaded")
    target = squash(name)
    model, form = _split_words(name)
    if not model:
        return Match(None, f"'{name}' names no model")
    candidates: list[tuple[tuple, dict, str]] = []
    rejected: list[str] = []
    for row in catalog.rows:
        if row.get("kind") not in kinds:
            continue
        texts = (row["id"], row["name"], *row.get("aliases", ()))
        exact = any(squash(t) == target for t in texts)
        how = "exact name" if exact else None
        row_form = None
        for t in texts:
            m, f = _split_words(t)
            row_form = row_form or f
            if how is None and m == model and any(ch.isdigit() for w in m for ch in w):
                how = "model words"
        if how is None:
            continue
        if not exact and form and row_form and form != row_form:
            rejected.append(f"{row['id']} ({row_form}, name says {form})")
            continue
        mem = memory_fit(measured.memory_bytes, row.get("memory_gb", math.nan)) if check_memory else math.nan
        if mem > MEMORY_TOLERANCE:
            rejected.append(f"{row['id']} ({_fmt(row['memory_gb'])} GB)")
            continue
        fit = 0.0
        notes = [f"{how} '{name}'"]
        if math.isfinite(mem):
            fit += mem
            notes.append(f"memory {measured.memory_bytes / 2**30:.1f} GiB ~ {_fmt(row['memory_gb'])} GB")
        tdp = row.get("tdp_w", math.nan)
        if math.isfinite(measured.power_limit_w) and math.isfinite(tdp) and tdp > 0:
            fit += abs(math.log(measured.power_limit_w / tdp))
            notes.append(f"power limit {measured.power_limit_w:.0f} W vs TDP {tdp:.0f} W")
        bw = row.get("memory_bandwidth_gbps", math.nan)
        if math.isfinite(measured.bandwidth_gbps) and math.isfinite(bw) and bw > 0 and measured.bandwidth_gbps > 0:
            fit += abs(math.log(measured.bandwidth_gbps / bw))
            notes.append(f"bandwidth {measured.bandwidth_gbps:,.0f} vs {bw:,.0f} GB/s")
        extra = min(len(_split_words(t)[0] - model) + (0 if squash(t) == target else 1) for t in texts)
        key = (0 if exact else 1, round(fit, 1), extra, fit, row["id"])
        candidates.append((key, row, "; ".join(notes)))
    if not candidates:
        if rejected:
            return Match(None, f"'{name}' matches no catalog row with its measured specs (ruled out: {', '.join(rejected)})")
        return Match(None, f"no catalog row is named '{name}'")
    candidates.sort(key=lambda c: c[0])
    _, row, reason = candidates[0]
    if len(candidates) > 1:
        reason += f"; closest of {len(candidates)} candidates ({', '.join(c[1]['id'] for c in candidates[1:4])} next)"
    return Match(row, reason)
