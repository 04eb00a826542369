"""AMD GPUs, and which GPUs sit on the PCI bus at all (Linux sysfs).

The PCI scan reads `/sys/bus/pci/devices/*/{class,vendor,device}`: milliseconds, no library.
It lets detection say "an NVIDIA GPU is there but its driver is not" and find AMD GPUs.
AMD details come from `amdsmi` (ROCm's Python bindings) when it is installed; without it an
AMD GPU is reported with what sysfs gives (VRAM size from the amdgpu driver) and a warning.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from dataclasses import dataclass

from advisor.detect.gpus import GpuInfo
from advisor.detect.match import Measured, match_device

log = logging.getLogger(__name__)

PCI_ROOT = "/sys/bus/pci/devices"
VENDOR_AMD, VENDOR_NVIDIA = "0x1002", "0x10de"
# PCI classes: 0x03xxxx display controllers (incl. 3D controllers, where compute GPUs sit),
# 0x12xxxx processing accelerators.
_GPU_CLASSES = ("0x03", "0x12")


@dataclass(frozen=True)
class PciDevice:
    bus_id: str
    vendor: str
    device: str
    path: str


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def pci_scannable(platform: str | None = None) -> bool:
    """Whether this OS has a PCI bus to read (Linux sysfs); elsewhere "no device found" would be a guess."""
    return (platform or sys.platform).startswith("linux") and os.path.isdir(PCI_ROOT)


def scan_pci(root: str | None = None) -> tuple[PciDevice, ...]:
    """Display/accelerator devices on the PCI bus; () where there is no sysfs (macOS, Windows)."""
    if root is None:
        if not pci_scannable():
            return ()
        root = PCI_ROOT
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return ()
    out = []
    for bus_id in entries:
        path = os.path.join(root, bus_id)
        cls = _read(os.path.join(path, "class")) or ""
        if not cls.startswith(_GPU_CLASSES):
            continue
        vendor = (_read(os.path.join(path, "vendor")) or "").lower()
        device = (_read(os.path.join(path, "device")) or "").lower()
        out.append(PciDevice(bus_id, vendor, device, path))
    return tuple(out)


def _amdsmi_gpus(catalog) -> tuple[list[GpuInfo], str | None]:
    """GPUs via amdsmi; (gpus, None) or ([], why it failed). Raises ImportError if absent."""
    import amdsmi

    gpus: list[GpuInfo] = []
    try:
        amdsmi.amdsmi_init()
    except Exception as e:  # amdsmi raises its own AmdSmiException family
        return [], f"amdsmi failed to start ({e})"
    try:
        for i, h in enumerate(amdsmi.amdsmi_get_processor_handles()):
            name = "AMD GPU"
            memory = None
            try:
                name = amdsmi.amdsmi_get_gpu_asic_info(h).get("market_name") or name
            except Exception as e:
                log.debug("amdsmi asic info: %s", e)
            try:
                mb = amdsmi.amdsmi_get_gpu_vram_info(h).get("vram_size")
                memory = int(mb) * 2**20 if mb else None
            except Exception as e:
                log.debug("amdsmi vram info: %s", e)
            gpus.append(_amd_gpu(i, name, memory, catalog, "via amdsmi"))
    finally:
        try:
            amdsmi.amdsmi_shut_down()
        except Exception as e:
            log.debug("amdsmi shutdown: %s", e)
    return gpus, None


def _amd_gpu(index: int, name: str, memory: int | None, catalog, how: str, bus_id: str | None = None) -> GpuInfo:
    m = match_device(catalog, name, kinds=("gpu", "accelerator"),
                     measured=Measured(memory_bytes=float(memory) if memory else math.nan))
    row = m.row
    bw = row["memory_bandwidth_gbps"] if row and math.isfinite(row["memory_bandwidth_gbps"]) else None
    return GpuInfo(
        index=index, vendor="AMD", name=name, memory_gb=round(memory / 2**30, 1) if memory else None,
        memory_class_gb=row["memory_gb"] if row and math.isfinite(row["memory_gb"]) else None,
        catalog_id=m.id, catalog_name=row["name"] if row else None, match_reason=m.reason,
        peak_bandwidth_gbps=bw, bandwidth_source="catalog" if bw else None,
        pci_bus_id=bus_id, memory_total_bytes=memory, notes=(how,),
    )


def detect_amd(catalog, pci: tuple[PciDevice, ...], *, scanned: bool = True,
               platform: str | None = None) -> tuple[list[GpuInfo], list[str], str]:
    """(AMD GPUs, warnings, one status line).

    `scanned`: whether `pci` comes from a PCI bus that could be read (Linux); without it the
    status never claims the bus has no AMD GPU.
    """
    amd = [d for d in pci if d.vendor == VENDOR_AMD]
    try:
        gpus, failure = _amdsmi_gpus(catalog)
    except ImportError:
        if not scanned:
            from advisor.detect.intel import os_name, unscanned_bus

            return [], [], (f"not detectable on {os_name(platform)}: amdsmi (ROCm) is not installed "
                            f"and {unscanned_bus(platform)}")
        if not amd:
            return [], [], "not detectable: amdsmi is not installed (and no AMD GPU on the PCI bus)"
        gpus = []
        for i, d in enumerate(amd):
            vram = _read(os.path.join(d.path, "mem_info_vram_total"))
            memory = int(vram) if vram and vram.isdigit() and int(vram) > 0 else None
            gpus.append(GpuInfo(index=i, vendor="AMD", name=f"AMD GPU (PCI {d.vendor[2:]}:{d.device[2:]})",
                                memory_gb=round(memory / 2**30, 1) if memory else None,
                                match_reason="not matched: amdsmi is not installed, so the model name is unknown",
                                pci_bus_id=d.bus_id, memory_total_bytes=memory, notes=("via sysfs",)))
        ids = ", ".join(d.bus_id for d in amd)
        warning = (f"AMD GPU found on the PCI bus ({ids}) but the amdsmi package is not installed: "
                   "reported with its memory size only, not matched to the catalog.")
        return gpus, [warning], "partly detectable: amdsmi is not installed (sysfs only)"
    if failure:
        if amd:
            return [], [f"AMD GPU found on the PCI bus but not readable: {failure}."], f"not detectable: {failure}"
        return [], [], f"not detectable: {failure}"
    return gpus, [], f"{len(gpus)} GPU(s) via amdsmi"
