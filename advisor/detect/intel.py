"""Intel GPUs (Arc, Data Center GPU Max/Flex) and Intel Gaudi accelerators, by PCI id.

On Linux the PCI scan (`advisor.detect.amd.scan_pci`) lists every display controller and
processing accelerator with its vendor and device id; the ids below turn those into the names
Intel's drivers report, which the catalog matcher then resolves. No library is needed, so this
works before oneAPI/Level Zero or the Habana stack is installed. Elsewhere there is no sysfs:
the status line says so rather than "none found".

The memory size is not read (i915/xe and habanalabs do not publish it in sysfs); a matched
device takes its catalog row's memory as its class.

Sources for the ids:
- Intel GPUs: intel/compute-runtime, shared/source/dll/devices/devices_base.inl
  (NAMEDDEVICE(0x56A0, Dg2HwConfig, "Intel(R) Arc(TM) A770 Graphics") ...), read 2026-11-30.
- Gaudi: vendor 0x1da3 (Habana Labs) and PCI_IDS_GAUDI2 0x1020, PCI_IDS_GAUDI3 0x1060 /
  0x1062 (single die) / 0x1063 (HL-338 PCIe card) in the habanalabs kernel driver,
  drivers/accel/habanalabs/common/habanalabs_drv.c (Linux) and HabanaAI's out-of-tree copy.
"""

from __future__ import annotations

import math
import sys

from advisor.detect.gpus import GpuInfo
from advisor.detect.match import Measured, match_device

VENDOR_INTEL, VENDOR_HABANA = "0x8086", "0x1da3"

#: device id -> the name the driver reports (compute-runtime's NAMEDDEVICE strings).
INTEL_GPU_IDS = {
    # Xe-HPG discrete (DG2 "Alchemist") and Data Center GPU Flex
    "0x56a0": "Intel(R) Arc(TM) A770 Graphics",
    "0x56a1": "Intel(R) Arc(TM) A750 Graphics",
    "0x56a2": "Intel(R) Arc(TM) A580 Graphics",
    "0x56a5": "Intel(R) Arc(TM) A380 Graphics",
    "0x56a6": "Intel(R) Arc(TM) A310 LP Graphics",
    "0x5690": "Intel(R) Arc(TM) A770M Graphics",
    "0x5691": "Intel(R) Arc(TM) A730M Graphics",
    "0x5692": "Intel(R) Arc(TM) A550M Graphics",
    "0x5693": "Intel(R) Arc(TM) A370M Graphics",
    "0x5694": "Intel(R) Arc(TM) A350M Graphics",
    "0x56b3": "Intel(R) Arc(TM) Pro A60 Graphics",
    "0x56c0": "Intel(R) Data Center GPU Flex 170",
    "0x56c1": "Intel(R) Data Center GPU Flex 140",
    # Xe2-HPG discrete (BMG "Battlemage")
    "0xe20b": "Intel(R) Arc(TM) B580 Graphics",
    "0xe20c": "Intel(R) Arc(TM) B570 Graphics",
    # Xe-HPC (PVC "Ponte Vecchio"): Data Center GPU Max
    "0x0bd5": "Intel(R) Data Center GPU Max 1550",
    "0x0bd6": "Intel(R) Data Center GPU Max 1550",
    "0x0bd7": "Intel(R) Data Center GPU Max 1350",
    "0x0bd8": "Intel(R) Data Center GPU Max 1350",
    "0x0bd9": "Intel(R) Data Center GPU Max 1100",
    "0x0bda": "Intel(R) Data Center GPU Max 1100",
    "0x0bdb": "Intel(R) Data Center GPU Max 1100",
    "0x0b69": "Intel(R) Data Center GPU Max 1450",
}
GAUDI_IDS = {
    "0x1020": "Intel Gaudi 2",
    "0x1060": "Intel Gaudi 3",
    "0x1062": "Intel Gaudi 3",
    "0x1063": "Intel Gaudi 3 HL-338",  # the PCIe card: not the catalog's OAM board, so left unmatched
}


def os_name(platform: str | None = None) -> str:
    platform = platform or sys.platform
    return {"darwin": "macOS", "win32": "Windows"}.get(platform, "Linux" if platform.startswith("linux") else platform)


def unscanned_bus(platform: str | None = None) -> str:
    """Why there is no PCI scan to go by, in a few words."""
    if (platform or sys.platform).startswith("linux"):
        return "/sys/bus/pci is not readable here"
    return "the PCI bus is read on Linux only"


def intel_devices(pci) -> tuple[list, list]:
    """(known Intel GPUs and Gaudis as (PciDevice, name), other Intel display devices) of a PCI scan."""
    known, other = [], []
    for d in pci:
        if d.vendor == VENDOR_INTEL and d.device in INTEL_GPU_IDS:
            known.append((d, INTEL_GPU_IDS[d.device]))
        elif d.vendor == VENDOR_HABANA and d.device in GAUDI_IDS:
            known.append((d, GAUDI_IDS[d.device]))
        elif d.vendor in (VENDOR_INTEL, VENDOR_HABANA):
            other.append(d)
    return known, other


def detect_intel(catalog, pci, *, scanned: bool, platform: str | None = None) -> tuple[list[GpuInfo], list[str], str]:
    """(Intel GPUs/Gaudis, warnings, one status line) from a PCI scan.

    `scanned`: whether the PCI bus could be read at all (Linux sysfs); when it could not, the
    status says detection is not possible here instead of reporting an empty bus.
    """
    if not scanned:
        return [], [], (f"not detectable on {os_name(platform)}: Intel GPUs and Gaudi accelerators are "
                        f"found by PCI id, and {unscanned_bus(platform)}")
    known, other = intel_devices(pci)
    gpus = []
    for i, (d, name) in enumerate(known):
        kinds = ("accelerator",) if d.vendor == VENDOR_HABANA else ("gpu",)
        m = match_device(catalog, name, kinds=kinds, measured=Measured(memory_bytes=math.nan))
        row = m.row
        memory_class = row["memory_gb"] if row and math.isfinite(row["memory_gb"]) else None
        bw = row["memory_bandwidth_gbps"] if row and math.isfinite(row["memory_bandwidth_gbps"]) else None
        gpus.append(GpuInfo(
            index=i, vendor="Intel", name=name, memory_gb=None, memory_class_gb=memory_class,
            catalog_id=m.id, catalog_name=row["name"] if row else None, match_reason=m.reason,
            peak_bandwidth_gbps=bw, bandwidth_source="catalog" if bw else None, pci_bus_id=d.bus_id,
            notes=(f"via sysfs PCI id {d.vendor[2:]}:{d.device[2:]}; memory size not readable, "
                   "the catalog row's is used",),
        ))
    warnings = [f"{g.name} (PCI {g.pci_bus_id}) is not in the catalog: reported by name only."
                for g in gpus if g.catalog_id is None and catalog is not None]
    status = f"{len(gpus)} device(s) via sysfs PCI ids" if gpus else "none on the PCI bus"
    if other:
        status += (f"; {len(other)} other Intel display device(s) ({', '.join(d.bus_id for d in other)}), "
                   "integrated graphics or ids not in the table, left out")
    return gpus, warnings, status
