"""GPUs: the snapshot type every vendor fills in, and NVIDIA detection through `nvml`.

Peak memory bandwidth is derived as bus width x memory clock x 2 and checked against the
catalog. Why x 2 for every memory type: NVML reports HBM's real clock, and HBM transfers on both
edges (A100 40GB: 5120 bit x 1215 MHz x 2 / 8 = 1555 GB/s); for GDDR5X/6/6X/7 it reports
a "DDR-equivalent" clock that already includes the extra transfers per clock, i.e. half the
per-pin data rate (RTX 3090: 9751 MHz for 19.5 Gbit/s GDDR6X, 384 bit -> 936 GB/s; RTX 4090:
10501 MHz -> 1008 GB/s; RTX 5090 GDDR7: 14001 MHz, 512 bit -> 1792 GB/s). Source: NVIDIA
developer forum, "RTX 3090 & A100 memory frequency" (nvidia-smi shows the same clocks).
Where the derived figure is more than 15% away from the catalog's, the catalog's is reported
as peak and the derived one kept in `peak_bandwidth_derived_gbps` with a note.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from advisor.detect import nvml
from advisor.detect.match import Measured, match_device
from advisor.errors import HardwareUnavailable

BANDWIDTH_TOLERANCE = 0.15

ARCHITECTURES = {2: "Kepler", 3: "Maxwell", 4: "Pascal", 5: "Volta", 6: "Turing", 7: "Ampere", 8: "Ada",
                 9: "Hopper", 10: "Blackwell", 13: "Rubin"}


@dataclass(frozen=True)
class GpuInfo:
    """One GPU as detected. None = the device did not say. Memory in GiB (what nvidia-smi shows / 1024)."""

    index: int
    vendor: str
    name: str
    memory_gb: float | None
    memory_class_gb: float | None = None  # the catalog row's marketed size, when matched
    catalog_id: str | None = None
    catalog_name: str | None = None
    match_reason: str | None = None
    peak_bandwidth_gbps: float | None = None
    peak_bandwidth_derived_gbps: float | None = None
    bandwidth_source: str | None = None  # "derived" (bus width x clock) | "catalog"
    power_limit_w: float | None = None
    power_default_limit_w: float | None = None
    power_max_limit_w: float | None = None
    compute_capability: str | None = None
    architecture: str | None = None
    sm_clock_max_mhz: int | None = None
    mem_clock_max_mhz: int | None = None
    bus_width_bits: int | None = None
    cores: int | None = None
    pcie_gen: int | None = None
    pcie_width: int | None = None
    pcie_gen_current: int | None = None
    pcie_width_current: int | None = None
    mig_enabled: bool | None = None
    uuid: str | None = None
    pci_bus_id: str | None = None
    memory_total_bytes: int | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["notes"] = list(self.notes)
        return d


def derived_bandwidth_gbps(bus_width_bits, mem_clock_mhz) -> float | None:
    """bus width / 8 bytes x memory clock x 2 transfers (see the module docstring), GB/s."""
    if not isinstance(bus_width_bits, (int, float)) or not isinstance(mem_clock_mhz, (int, float)):
        return None
    if bus_width_bits <= 0 or mem_clock_mhz <= 0:
        return None
    return round(bus_width_bits / 8 * mem_clock_mhz * 2 / 1000, 1)


def _num(value) -> int | float | None:
    """An NVML value as a plain number, None for NA/garbage."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _watts(milliwatts) -> float | None:
    v = _num(milliwatts)
    return round(v / 1000, 1) if v is not None and v > 0 else None


def _version(cuda: int | None) -> str | None:
    return f"{cuda // 1000}.{cuda % 1000 // 10}" if isinstance(cuda, int) and cuda > 0 else None


def with_bandwidth_check(gpu: GpuInfo, row: dict | None, derived: float | None) -> GpuInfo:
    """Fill peak bandwidth from `derived`, or the catalog's figure where they disagree by >15%."""
    from dataclasses import replace

    cat_bw = row.get("memory_bandwidth_gbps", math.nan) if row else math.nan
    notes = list(gpu.notes)
    if derived is None:
        if math.isfinite(cat_bw):
            return replace(gpu, peak_bandwidth_gbps=cat_bw, bandwidth_source="catalog")
        return gpu
    peak, source = derived, "derived"
    if math.isfinite(cat_bw) and cat_bw > 0 and abs(derived - cat_bw) / cat_bw > BANDWIDTH_TOLERANCE:
        peak, source = cat_bw, "catalog"
        notes.append(f"derived bandwidth {derived:,.0f} GB/s (bus width x memory clock) differs from the "
                     f"catalog's {cat_bw:,.0f} GB/s by {abs(derived - cat_bw) / cat_bw:.0%}: using the catalog figure")
    return replace(gpu, peak_bandwidth_gbps=peak, peak_bandwidth_derived_gbps=derived, bandwidth_source=source,
                   notes=tuple(notes))


@dataclass(frozen=True)
class NvidiaResult:
    gpus: tuple[GpuInfo, ...]
    driver_version: str | None
    cuda_version: str | None
    warnings: tuple[str, ...]
    status: str  # one line for `gpu_backends.nvidia`
    source: str | None  # "pynvml" | "replay:FILE" | None


def read_nvidia_gpu(index: int, catalog) -> GpuInfo | None:
    """One device's snapshot; None if NVML cannot hand out its handle."""
    q = nvml.query
    h = nvml.device_handle(index)
    if nvml.is_na(h):
        return None
    name = q("nvmlDeviceGetName", h)
    name = str(name) if name else f"NVIDIA GPU {index}"
    mem = nvml.field(q("nvmlDeviceGetMemoryInfo", h), "total")
    mem_bytes = _num(mem)
    cc = q("nvmlDeviceGetCudaComputeCapability", h)
    cc_text = f"{cc[0]}.{cc[1]}" if isinstance(cc, (list, tuple)) and len(cc) == 2 else None
    bus = _num(q("nvmlDeviceGetMemoryBusWidth", h))
    mem_clock = _num(q("nvmlDeviceGetMaxClockInfo", h, nvml.CLOCK_MEM))
    sm_clock = _num(q("nvmlDeviceGetMaxClockInfo", h, nvml.CLOCK_SM))
    enforced = _watts(q("nvmlDeviceGetEnforcedPowerLimit", h)) or _watts(q("nvmlDeviceGetPowerManagementLimit", h))
    default = _watts(q("nvmlDeviceGetPowerManagementDefaultLimit", h))
    constraints = q("nvmlDeviceGetPowerManagementLimitConstraints", h)
    power_max = _watts(constraints[1]) if isinstance(constraints, (list, tuple)) and len(constraints) == 2 else None
    mig = q("nvmlDeviceGetMigMode", h)
    mig_enabled = bool(mig[0]) if isinstance(mig, (list, tuple)) and mig else None
    arch = _num(q("nvmlDeviceGetArchitecture", h))
    derived = derived_bandwidth_gbps(bus, mem_clock)
    uuid = q("nvmlDeviceGetUUID", h)
    pci_bus = nvml.field(q("nvmlDeviceGetPciInfo", h), "busId", None)
    pcie_gen_now = _num(q("nvmlDeviceGetCurrPcieLinkGeneration", h))
    pcie_width_now = _num(q("nvmlDeviceGetCurrPcieLinkWidth", h))
    measured = Measured(
        memory_bytes=float(mem_bytes) if mem_bytes else math.nan,
        power_limit_w=default or enforced or math.nan,
        bandwidth_gbps=derived or math.nan,
    )
    m = match_device(catalog, name, kinds=("gpu",), measured=measured)
    gpu = GpuInfo(
        index=index, vendor="NVIDIA", name=name,
        memory_gb=round(mem_bytes / 2**30, 1) if mem_bytes else None,
        memory_class_gb=(m.row["memory_gb"] if m.row and math.isfinite(m.row["memory_gb"]) else None),
        catalog_id=m.id, catalog_name=m.row["name"] if m.row else None, match_reason=m.reason,
        power_limit_w=enforced, power_default_limit_w=default, power_max_limit_w=power_max,
        compute_capability=cc_text, architecture=ARCHITECTURES.get(arch) if arch is not None else None,
        sm_clock_max_mhz=sm_clock, mem_clock_max_mhz=mem_clock, bus_width_bits=bus,
        cores=_num(q("nvmlDeviceGetNumGpuCores", h)),
        # The link the board can run (max), else what it runs now (links downshift at idle).
        pcie_gen=_num(q("nvmlDeviceGetMaxPcieLinkGeneration", h)) or pcie_gen_now,
        pcie_width=_num(q("nvmlDeviceGetMaxPcieLinkWidth", h)) or pcie_width_now,
        pcie_gen_current=pcie_gen_now, pcie_width_current=pcie_width_now,
        mig_enabled=mig_enabled, uuid=str(uuid) if uuid else None,
        pci_bus_id=str(pci_bus) if pci_bus else None,
        memory_total_bytes=int(mem_bytes) if mem_bytes else None,
    )
    return with_bandwidth_check(gpu, m.row, derived)


def detect_nvidia(catalog, pci_nvidia: tuple[str, ...] = ()) -> NvidiaResult:
    """Every NVIDIA GPU NVML sees, matched to `catalog`. Never raises for missing hardware.

    `pci_nvidia`: bus ids of NVIDIA display devices found on the PCI bus, to tell "no GPU"
    from "a GPU but no driver" in the warning.
    """
    import os
    import sys

    if sys.platform == "darwin" and not os.environ.get(nvml.REPLAY_ENV):
        # NVIDIA has shipped no macOS driver since CUDA 10.2 (macOS 10.13): not a problem to warn about.
        return NvidiaResult((), None, None, (), "not present: NVIDIA has no driver for macOS", None)
    try:
        nvml.init()
    except HardwareUnavailable as e:
        msg = str(e)
        if pci_nvidia and getattr(e, "nvml_error", None) in ("NVMLError_LibraryNotFound", None):
            msg = (f"NVIDIA GPU found on the PCI bus ({', '.join(pci_nvidia)}) but the NVML library "
                   "(libnvidia-ml) was not found: install the NVIDIA driver; running CPU-only.")
        why = {"NVMLError_LibraryNotFound": "no NVML library (no NVIDIA driver)",
               "NVMLError_DriverNotLoaded": "NVIDIA driver not loaded",
               "NVMLError_NoPermission": "no permission to use the NVIDIA driver"}
        code = getattr(e, "nvml_error", None)
        status = f"not detectable: {why.get(code, code or 'pynvml is not installed')}"
        return NvidiaResult((), None, None, (msg,), status, None)
    driver = nvml.query("nvmlSystemGetDriverVersion")
    cuda = _version(_num(nvml.query("nvmlSystemGetCudaDriverVersion_v2")))
    count = nvml.device_count()
    warnings: list[str] = []
    gpus: list[GpuInfo] = []
    for i in range(count):
        gpu = read_nvidia_gpu(i, catalog)
        if gpu is None:
            warnings.append(f"NVIDIA GPU {i} did not answer NVML (lost or being reset); it is left out.")
            continue
        gpus.append(gpu)
        if gpu.mig_enabled:
            warnings.append(f"GPU {i} ({gpu.name}) is in MIG mode: its figures are for the whole GPU; "
                            "a job sees only its MIG slice.")
        if gpu.catalog_id is None and catalog is not None:
            warnings.append(f"GPU {i} ({gpu.name}) is not in the catalog: reported with its measured specs.")
    driver_text = str(driver) if driver else None
    if count == 0:
        warnings.append("No NVIDIA GPU found: the NVIDIA driver is loaded but reports no devices.")
    status = f"{len(gpus)} GPU(s) via NVML, driver {driver_text or 'N/A'}, CUDA {cuda or 'N/A'}"
    return NvidiaResult(tuple(gpus), driver_text, cuda, tuple(warnings), status, nvml.source())
