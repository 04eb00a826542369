"""Apple Silicon (macOS only): the SoC, its unified memory and GPU core count, via `sysctl`/`ioreg`.

Both tools ship with macOS and answer in milliseconds; no extra dependency. Parsing is kept
apart from running them so it is tested on any platform.
"""

from __future__ import annotations

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


def _run(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=5, check=False).stdout
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
    gpu = apple_gpu(values, cores, catalog)
    if gpu is None:
        return None, "not detectable: sysctl gave no Apple brand string"
    return gpu, f"{gpu.name} via sysctl/ioreg"
