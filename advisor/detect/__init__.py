"""Detect this machine (CPU, memory, GPUs) and match it to the spec catalog.

    machine = detect_machine()                  # everything, incl. py-cpuinfo (~1.1 s the first time)
    machine = detect_machine(fast=True)         # everything but the CPU brand: milliseconds
    machine = complete_cpu(machine)             # later, off the GUI thread: add the brand and CPU match
    machine.to_dict()                           # the `detect --json` fields (DESIGN.md)

Missing hardware or drivers never raise: they become `warnings` (one clear sentence each) and
the rest works CPU-only. `HWADVISOR_NVML_REPLAY=FILE` replays NVML from a capture.
Memory sizes are in GiB (2**30 bytes), as OS tools and nvidia-smi report them.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace

from advisor.detect.cpu import CpuInfo, build_cpu, cpuinfo_cached, cpuinfo_is_cached, read_cpu_facts
from advisor.detect.gpus import GpuInfo
from advisor.errors import BadInput

__all__ = ["MachineInfo", "CpuInfo", "GpuInfo", "detect_machine", "complete_cpu", "cpuinfo_cached",
           "cpuinfo_is_cached"]


@dataclass(frozen=True)
class MachineInfo:
    """An immutable snapshot of this machine."""

    cpu: CpuInfo
    memory_gb: float
    memory_available_gb: float
    gpus: tuple[GpuInfo, ...]
    driver_version: str | None
    cuda_version: str | None
    warnings: tuple[str, ...]
    gpu_backends: tuple[tuple[str, str], ...]  # (vendor, status line)
    nvml_source: str | None = None
    detect_ms: float | None = None

    @property
    def complete(self) -> bool:
        """True once the CPU brand (the slow py-cpuinfo call) is in."""
        return self.cpu.complete

    def to_dict(self) -> dict:
        return {
            "cpu": self.cpu.to_dict(),
            "memory_gb": self.memory_gb,
            "memory_available_gb": self.memory_available_gb,
            "gpus": [g.to_dict() for g in self.gpus],
            "driver_version": self.driver_version,
            "cuda_version": self.cuda_version,
            "warnings": list(self.warnings),
            "gpu_backends": dict(self.gpu_backends),
            "nvml_source": self.nvml_source,
            "complete": self.complete,
            "detect_ms": self.detect_ms,
        }


def _catalog_or_warning(catalog, warnings: list[str]):
    if catalog is not None:
        return catalog
    try:
        from hardware_db import load_catalog

        catalog = load_catalog()
    except BadInput as e:
        warnings.append(f"Catalog not loaded, so nothing is matched to it: {e}")
        return None
    warnings.extend(catalog.warnings)
    return catalog


def detect_machine(catalog=None, *, cpu_info: dict | None = None, fast: bool = False) -> MachineInfo:
    """Detect this machine and match it to `catalog` (default: the built-in catalog + overlay).

    `cpu_info`: a py-cpuinfo result to use instead of running it (tests, a cached answer).
    `fast=True`: skip py-cpuinfo unless `cpu_info` is given or already cached; the CPU then
    has no brand (`cpu.complete` False) until `complete_cpu()`.
    """
    import psutil

    from advisor.detect import amd, apple, gpus, intel

    t0 = time.perf_counter()
    warnings: list[str] = []
    catalog = _catalog_or_warning(catalog, warnings)
    if cpu_info is None and (not fast or cpuinfo_is_cached()):
        cpu_info = cpuinfo_cached()
    cpu = build_cpu(read_cpu_facts(), cpu_info, catalog)
    if cpu_info and "_error" in cpu_info:
        warnings.append(f"CPU brand not detectable: py-cpuinfo failed ({cpu_info['_error']}).")
    vm = psutil.virtual_memory()

    scanned = amd.pci_scannable()
    pci = amd.scan_pci()
    nv = gpus.detect_nvidia(catalog, tuple(d.bus_id for d in pci if d.vendor == amd.VENDOR_NVIDIA))
    found = list(nv.gpus)
    warnings.extend(nv.warnings)
    amd_gpus, amd_warnings, amd_status = amd.detect_amd(catalog, pci, scanned=scanned)
    found.extend(replace(g, index=len(found) + i) for i, g in enumerate(amd_gpus))
    warnings.extend(amd_warnings)
    intel_gpus, intel_warnings, intel_status = intel.detect_intel(catalog, pci, scanned=scanned)
    found.extend(replace(g, index=len(found) + i) for i, g in enumerate(intel_gpus))
    warnings.extend(intel_warnings)
    apple_gpu, apple_status = apple.detect_apple(catalog)
    if apple_gpu is not None:
        found.append(replace(apple_gpu, index=len(found)))
    elif sys.platform == "darwin":  # an Intel Mac: its Radeon (or other) GPUs, from system_profiler
        mac = apple.discrete_gpus(apple.displays(), catalog)
        found.extend(replace(g, index=len(found) + i) for i, g in enumerate(mac))
        for vendor in ("AMD", "Intel"):
            n = sum(g.vendor == vendor for g in mac)
            if n:
                status = f"{n} GPU(s) via system_profiler"
                amd_status, intel_status = (status, intel_status) if vendor == "AMD" else (amd_status, status)
    return MachineInfo(
        cpu=cpu,
        memory_gb=round(vm.total / 2**30, 1),
        memory_available_gb=round(vm.available / 2**30, 1),
        gpus=tuple(found),
        driver_version=nv.driver_version,
        cuda_version=nv.cuda_version,
        warnings=tuple(warnings),
        gpu_backends=(("nvidia", nv.status), ("amd", amd_status), ("intel", intel_status), ("apple", apple_status)),
        nvml_source=nv.source,
        detect_ms=round((time.perf_counter() - t0) * 1000, 1),
    )


def complete_cpu(machine: MachineInfo, catalog=None, *, cpu_info: dict | None = None) -> MachineInfo:
    """`machine` with the CPU brand, caches and catalog match filled in (runs py-cpuinfo once per
    process: call it from a worker thread, never the GUI thread)."""
    warnings = list(machine.warnings)
    catalog = _catalog_or_warning(catalog, warnings)
    info = cpu_info if cpu_info is not None else cpuinfo_cached()
    if "_error" in info:
        warnings.append(f"CPU brand not detectable: py-cpuinfo failed ({info['_error']}).")
    return replace(machine, cpu=build_cpu(read_cpu_facts(), info, catalog), warnings=tuple(dict.fromkeys(warnings)))
