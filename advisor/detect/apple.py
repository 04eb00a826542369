"""Macs: the Apple Silicon SoC, its unified memory and GPU core count (`sysctl`, `ioreg`, and
`system_profiler SPDisplaysDataType` when ioreg gives no core count), and the discrete GPUs of
Intel Macs (`system_profiler`: model, vendor, VRAM).

The tools ship with macOS; sysctl and ioreg answer in milliseconds, system_profiler in about a
second, so it runs only when the others cannot say. Parsing is kept apart from running them so
it is tested on any platform with recorded output.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
from types import SimpleNamespace

from advisor.detect.gpus import GpuInfo
from advisor.detect.match import match_device

SYSCTL_KEYS = (
    "machdep.cpu.brand_string", "hw.memsize", "hw.physicalcpu", "hw.perflevel0.physicalcpu",
    "hw.perflevel1.physicalcpu", "hw.optional.arm.FEAT_BF16", "hw.optional.arm.FEAT_I8MM",
    "hw.optional.arm.FEAT_DotProd", "hw.optional.arm.FEAT_SME",
)
_GPU_CORES = re.compile(r'"gpu-core-count"\s*=\s*(\d+)')


def parse_sysctl(text: str) -> dict[str, str]:
    """`sysctl KEY ...` output ("key: value" lines) as a dict; unknown keys are simply absent."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            out[key.strip()] = value.strip()
    return out


def parse_gpu_cores(ioreg_text: str) -> int | None:
    m = _GPU_CORES.search(ioreg_text)
    return int(m.group(1)) if m else None


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(GB|MB|TB)", re.I)
_VENDORS = {"apple": "Apple", "amd": "AMD", "ati": "AMD", "intel": "Intel", "nvidia": "NVIDIA"}


def _size_bytes(text) -> int | None:
    m = _SIZE.search(str(text or ""))
    if not m:
        return None
    return int(float(m.group(1)) * {"mb": 2**20, "gb": 2**30, "tb": 2**40}[m.group(2).lower()])


def parse_displays(text: str) -> list[dict]:
    """`system_profiler -json SPDisplaysDataType` as [{model, vendor, cores, vram_bytes, builtin}];
    [] for output that is not that JSON."""
    try:
        rows = json.loads(text or "{}").get("SPDisplaysDataType") or []
    except (json.JSONDecodeError, AttributeError, TypeError):
        return []
    out = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        model = str(row.get("sppci_model") or row.get("_name") or "").strip()
        if not model:
            continue
        raw_vendor = str(row.get("spdisplays_vendor") or "").lower().removeprefix("sppci_vendor_")
        vendor = next((v for k, v in _VENDORS.items() if raw_vendor.startswith(k) or model.lower().startswith(k)), "")
        cores = re.search(r"\d+", str(row.get("sppci_cores") or ""))
        vram = None
        for key in ("spdisplays_vram", "spdisplays_vram_shared"):
            vram = _size_bytes(row.get(key))
            if vram:
                break
        out.append({"model": model[:120], "vendor": vendor, "cores": int(cores.group()) if cores else None,
                    "vram_bytes": vram, "builtin": row.get("sppci_bus") == "spdisplays_builtin"})
    return out


def discrete_gpus(displays: list[dict], catalog) -> list[GpuInfo]:
    """An Intel Mac's GPUs other than Apple's, from `parse_displays`, matched to the catalog by
    name and VRAM; integrated Intel graphics (shared memory, built in) are left out."""
    from advisor.detect.match import Measured

    out = []
    for d in displays:
        if d["vendor"] in ("Apple", "") or (d["vendor"] == "Intel" and (d["builtin"] or not d["vram_bytes"])):
            continue
        memory = d["vram_bytes"]
        m = match_device(catalog, d["model"], kinds=("gpu",),
                         measured=Measured(memory_bytes=float(memory) if memory else float("nan")))
        row = m.row
        bw = row["memory_bandwidth_gbps"] if row and row["memory_bandwidth_gbps"] == row["memory_bandwidth_gbps"] else None
        out.append(GpuInfo(
            index=len(out), vendor=d["vendor"], name=d["model"], memory_gb=round(memory / 2**30, 1) if memory else None,
            catalog_id=m.id, catalog_name=row["name"] if row else None, match_reason=m.reason,
            peak_bandwidth_gbps=bw, bandwidth_source="catalog" if bw else None, memory_total_bytes=memory,
            notes=("via system_profiler",)))
    return out


_displays_cache: list[dict] | None = None


def displays() -> list[dict]:
    """This Mac's `system_profiler SPDisplaysDataType` (cached; [] elsewhere)."""
    global _displays_cache
    if _displays_cache is None:
        _displays_cache = (parse_displays(_run(["system_profiler", "-json", "SPDisplaysDataType"], timeout=15))
                           if sys.platform == "darwin" else [])
    return _displays_cache


def _run(args: list[str], timeout: float = 5) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


_sysctl_cache: dict[str, str] | None = None


def sysctl_values() -> dict[str, str]:
    """The SYSCTL_KEYS this Mac answers (cached; {} elsewhere)."""
    global _sysctl_cache
    if _sysctl_cache is None:
        _sysctl_cache = parse_sysctl(_run(["sysctl", *SYSCTL_KEYS])) if sys.platform == "darwin" else {}
    return _sysctl_cache


def apple_gpu(values: dict[str, str], gpu_cores: int | None, catalog) -> GpuInfo | None:
    """The SoC's GPU as a GpuInfo (memory = unified memory), matched to the catalog; None if not Apple."""
    brand = values.get("machdep.cpu.brand_string", "")
    if not brand.startswith("Apple"):
        return None
    try:
        memory = int(values.get("hw.memsize", "0")) or None
    except ValueError:
        memory = None
    # The catalog's memory is the largest configuration of a chip, so size is no test here;
    # the GPU core count picks the variant ("Apple M3 Max (40-core GPU)") where rows differ by it.
    name = f"{brand} ({gpu_cores}-core GPU)" if gpu_cores else brand
    m = None
    if gpu_cores and catalog is not None:
        tag = f"{gpu_cores}-core"
        variants = [r for r in catalog.rows if tag in r["name"].lower() or r["id"].endswith(f"-{gpu_cores}c")]
        m = match_device(SimpleNamespace(rows=variants), brand, kinds=("gpu",), check_memory=False)
        m = m if m.row is not None else None
    if m is None:
        m = match_device(catalog, brand, kinds=("gpu",), check_memory=False)
    notes = ("unified memory: shared by the CPU and GPU",)
    return GpuInfo(
        index=0, vendor="Apple", name=name, memory_gb=round(memory / 2**30, 1) if memory else None,
        catalog_id=m.id, catalog_name=m.row["name"] if m.row else None, match_reason=m.reason,
        peak_bandwidth_gbps=(m.row["memory_bandwidth_gbps"] if m.row and m.row["memory_bandwidth_gbps"] == m.row["memory_bandwidth_gbps"] else None),
        bandwidth_source="catalog" if m.row else None, cores=gpu_cores, memory_total_bytes=memory, notes=notes,
    )


def detect_apple(catalog) -> tuple[GpuInfo | None, str]:
    """(the Apple GPU or None, one status line). Only macOS on Apple Silicon has one."""
    if sys.platform != "darwin":
        return None, "not detectable: not macOS"
    if platform.machine().lower() != "arm64":
        return None, "not present: an Intel Mac"
    values = sysctl_values()
    cores = parse_gpu_cores(_run(["ioreg", "-rd1", "-c", "AGXAccelerator"]))
    how = "sysctl/ioreg"
    if cores is None:  # some macOS versions hide the AGX node: system_profiler also says it
        cores = next((d["cores"] for d in displays() if d["vendor"] == "Apple" and d["cores"]), None)
        how = "sysctl/system_profiler"
    gpu = apple_gpu(values, cores, catalog)
    if gpu is None:
        return None, "not detectable: sysctl gave no Apple brand string"
    return gpu, f"{gpu.name} via {how}"
