"""The local CPU: what it is, which ML-relevant instructions it has, and its theoretical peak.

Two speeds. `read_cpu_facts()` asks the OS directly (psutil, /proc/cpuinfo, sysfs, sysctl) and
takes milliseconds; `cpuinfo_cached()` runs py-cpuinfo's `get_cpu_info()` (about 1.1 s: it
spawns a subprocess) once per process, thread-safely, for the brand string, advertised clock
and cache sizes. `build_cpu(facts, info, catalog)` is pure and combines the two; with
`info=None` it is the fast path (no brand, so no catalog match yet).

Peak = physical cores x clock x operations per cycle per core for the best instruction set the
flags show. The clock is the base (all-core, sustained) clock where known, else the maximum.
Per-cycle figures (dense, per core, FMA = 2 operations):

| ISA | fp32 | bf16 | int8 |
| --- | --- | --- | --- |
| SSE only | 8 | = fp32 | 2 x fp32 |
| AVX | 16 | = fp32 | 2 x fp32 |
| AVX2 + FMA (2 x 256-bit FMA) | 32 | = fp32 | 2 x fp32 (pmaddubsw); AVX-VNNI 4 x |
| AVX-512, Intel (2 x 512-bit FMA) | 64 | AVX512_BF16: 2 x fp32 | AVX512_VNNI: 4 x fp32 |
| AVX-512, AMD Zen 4 (256-bit datapaths) | 32 | AVX512_BF16: 2 x | VNNI: 4 x |
| AVX-512, AMD Zen 5 (family 0x1a) | 64 | 2 x | 4 x |
| AMX (Sapphire Rapids and later) | as AVX-512 | 1024 | 2048 |
| Arm NEON (2 x 128-bit FMA) | 16 | BF16 ext: 2 x | dotprod/i8mm: 4 x |
| Arm with SVE, or Apple M (4 x 128-bit) | 32 | 2 x | 4 x |

Checked against Intel's figures for the Xeon Platinum 8480+ (56 cores, 2.0 GHz base):
7.17 TFLOP/s fp32, 114.7 bf16 (AMX), 229.4 int8 (AMX). Server Xeons with one 512-bit FMA
port (some Silver/Bronze parts) reach half the AVX-512 fp32 figure; flags cannot tell them apart.
"""

from __future__ import annotations

import platform
import sys
import threading
from dataclasses import asdict, dataclass

_ARCH = {"amd64": "x86_64", "x86_64": "x86_64", "x64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}

# Canonical ML-relevant flag -> spellings seen in /proc/cpuinfo, py-cpuinfo and sysctl.
ML_FLAGS: dict[str, tuple[str, ...]] = {
    "sse4_2": ("sse4_2",),
    "avx": ("avx",),
    "avx2": ("avx2",),
    "fma": ("fma", "fma3"),
    "f16c": ("f16c",),
    "avx_vnni": ("avx_vnni", "avxvnni"),
    "avx512f": ("avx512f",),
    "avx512bw": ("avx512bw",),
    "avx512_vnni": ("avx512_vnni", "avx512vnni"),
    "avx512_bf16": ("avx512_bf16", "avx512bf16"),
    "avx512_fp16": ("avx512_fp16", "avx512fp16"),
    "amx_tile": ("amx_tile", "amxtile"),
    "amx_bf16": ("amx_bf16", "amxbf16"),
    "amx_int8": ("amx_int8", "amxint8"),
    "neon": ("neon", "asimd"),
    "dotprod": ("asimddp", "dotprod", "feat_dotprod"),
    "bf16": ("bf16", "feat_bf16"),
    "i8mm": ("i8mm", "feat_i8mm"),
    "sve": ("sve",),
    "sve2": ("sve2",),
    "sme": ("sme", "feat_sme"),
}


def ml_flags(raw: list[str] | tuple[str, ...] | set[str], arch: str = "") -> tuple[str, ...]:
    """The ML-relevant subset of raw CPU flags, in canonical names, in ML_FLAGS order."""
    have = {f.lower() for f in raw}
    out = [name for name, spellings in ML_FLAGS.items() if have.intersection(spellings)]
    if arch == "arm64" and "neon" not in out:
        out.insert(0, "neon")  # Advanced SIMD is mandatory on ARMv8-A
    return tuple(out)


@dataclass(frozen=True)
class CpuFacts:
    """What the OS says without py-cpuinfo (milliseconds). None = unknown."""

    arch: str
    cores: int | None
    threads: int | None
    base_ghz: float | None = None
    max_ghz: float | None = None
    current_ghz: float | None = None
    flags: tuple[str, ...] = ()  # raw flags, empty where the OS gives none cheaply
    vendor: str | None = None
    family: int | None = None


@dataclass(frozen=True)
class CpuInfo:
    """The CPU as `detect --json` reports it. Peaks in GFLOP/s (GOP/s for int8)."""

    brand: str | None
    vendor: str | None
    arch: str
    cores: int | None
    threads: int | None
    base_ghz: float | None
    max_ghz: float | None
    flags: tuple[str, ...]
    isa: str
    peak_clock_ghz: float | None
    peak_gflops_fp32: float | None
    peak_gflops_bf16: float | None
    peak_gops_int8: float | None
    l1_data_cache_kb: float | None = None
    l2_cache_kb: float | None = None
    l3_cache_kb: float | None = None
    catalog_id: str | None = None
    catalog_name: str | None = None
    match_reason: str | None = None
    complete: bool = False  # True once py-cpuinfo's brand string is in
    #: where `peak_clock_ghz` comes from: "max boost" (the OS reports the top clock the cores
    #: reach) or "highest reported clock" (no boost clock reported, as in most VMs: the cores
    #: may run faster than the peak says, so the probes' plausibility check allows for boost)
    peak_clock_source: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["flags"] = list(self.flags)
        return d


# ---- the fast facts ---------------------------------------------------------------------------

def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _proc_cpuinfo_first_block(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if out:
                break
            continue
        key, _, value = line.partition(":")
        out.setdefault(key.strip().lower(), value.strip())
    return out


def _ghz_from_khz_file(path: str) -> float | None:
    text = _read(path)
    try:
        khz = float(text) if text else 0.0
    except ValueError:
        return None
    return khz / 1e6 if khz > 0 else None


def read_cpu_facts() -> CpuFacts:
    """Cores, threads, clocks and (Linux) flags from the OS; no subprocess, a few ms."""
    import psutil

    arch = _ARCH.get(platform.machine().lower(), platform.machine().lower() or "unknown")
    threads = psutil.cpu_count(logical=True)
    cores = psutil.cpu_count(logical=False) or None
    base = max_ghz = current = None
    try:
        freq = psutil.cpu_freq()
    except Exception:  # psutil raises various errors on exotic platforms; clocks are optional
        freq = None
    if freq is not None:
        max_ghz = freq.max / 1000 if freq.max and freq.max > 0 else None
        current = freq.current / 1000 if freq.current and freq.current > 0 else None
    flags: tuple[str, ...] = ()
    vendor = family = None
    if sys.platform.startswith("linux"):
        base = _ghz_from_khz_file("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency")
        max_ghz = max_ghz or _ghz_from_khz_file("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        block = _proc_cpuinfo_first_block(_read("/proc/cpuinfo") or "")
        flags = tuple((block.get("flags") or block.get("features") or "").split())
        vendor = block.get("vendor_id") or None
        try:
            family = int(block.get("cpu family", ""))
        except ValueError:
            family = None
    elif sys.platform == "darwin" and arch == "arm64":
        from advisor.detect.apple import sysctl_values

        values = sysctl_values()
        flags = tuple(k.rsplit(".", 1)[-1] for k, v in values.items()
                      if k.startswith("hw.optional.arm.FEAT_") and v.strip() == "1")
        vendor = "Apple"
        cores = _int(values.get("hw.physicalcpu")) or cores
    return CpuFacts(arch=arch, cores=cores, threads=threads, base_ghz=base, max_ghz=max_ghz,
                    current_ghz=current, flags=flags, vendor=vendor, family=family)


def _int(text) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


# ---- py-cpuinfo, once per process -------------------------------------------------------------

_cpuinfo_lock = threading.Lock()
_cpuinfo_result: dict | None = None


def cpuinfo_cached() -> dict:
    """py-cpuinfo's `get_cpu_info()`, run once per process (about 1.1 s); {} if it fails.

    Thread-safe: a second caller waits for the first call instead of starting another.
    Never call it on the GUI thread.
    """
    global _cpuinfo_result
    with _cpuinfo_lock:
        if _cpuinfo_result is None:
            try:
                import cpuinfo

                _cpuinfo_result = dict(cpuinfo.get_cpu_info())
            except Exception as e:  # py-cpuinfo fails on unusual platforms; the rest still works
                _cpuinfo_result = {"_error": f"{type(e).__name__}: {e}"}
        return _cpuinfo_result


def cpuinfo_is_cached() -> bool:
    return _cpuinfo_result is not None


# ---- pure derivation ----------------------------------------------------------------------------

def per_cycle(flags: tuple[str, ...], arch: str, vendor: str | None = None, family: int | None = None,
              brand: str | None = None) -> tuple[str, float, float, float]:
    """(ISA label, fp32 FLOPs, bf16 FLOPs, int8 ops) per cycle per core, from canonical flags."""
    f = set(flags)
    amd = (vendor or "").lower().startswith(("authenticamd", "amd")) or (brand or "").upper().startswith("AMD")
    if arch == "arm64":
        wide = "sve" in f or (vendor or "").lower() == "apple" or (brand or "").startswith("Apple")
        fp32 = 32.0 if wide else 16.0
        isa = "sve" if "sve" in f else "neon"
        bf16 = 2 * fp32 if "bf16" in f else fp32
        int8 = 4 * fp32 if f & {"dotprod", "i8mm"} else 2 * fp32
        return isa, fp32, bf16, int8
    if "avx512f" in f:
        fp32 = 32.0 if amd and (family or 0) < 0x1A else 64.0
        isa = "avx512"
    elif "avx2" in f and "fma" in f:
        fp32, isa = 32.0, "avx2"
    elif "avx" in f:
        fp32, isa = 16.0, "avx"
    elif "sse4_2" in f or arch == "x86_64":
        fp32, isa = 8.0, "sse"
    else:
        return "unknown", float("nan"), float("nan"), float("nan")
    bf16 = 2 * fp32 if "avx512_bf16" in f else fp32
    vnni = ("avx512_vnni" in f and isa == "avx512") or "avx_vnni" in f
    int8 = 4 * fp32 if vnni else 2 * fp32
    if {"amx_bf16", "amx_tile"} <= f:
        bf16, isa = 1024.0, isa + "+amx"
    if {"amx_int8", "amx_tile"} <= f:
        int8 = 2048.0
    return isa, fp32, bf16, int8


def _hz_ghz(value) -> float | None:
    """py-cpuinfo's `hz_*` pair [hz, exponent-free] -> GHz."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)) and value[0] > 0:
        return value[0] / 1e9
    return None


def _kb(value) -> float | None:
    return value / 1024 if isinstance(value, (int, float)) and value > 0 else None


def build_cpu(facts: CpuFacts, info: dict | None = None, catalog=None) -> CpuInfo:
    """Combine the OS facts with py-cpuinfo's answer (None: fast path) and match the catalog."""
    info = info or {}
    complete = bool(info) and "_error" not in info
    brand = (info.get("brand_raw") or "").strip() or None
    vendor = info.get("vendor_id_raw") or facts.vendor
    family = info.get("family") if isinstance(info.get("family"), int) else facts.family
    raw_flags = set(facts.flags) | {str(x) for x in info.get("flags", ())}
    flags = ml_flags(raw_flags, facts.arch)
    base = _hz_ghz(info.get("hz_advertised")) or facts.base_ghz
    max_ghz = facts.max_ghz
    if max_ghz is not None and base is not None and max_ghz < base:
        max_ghz = None  # some VMs report a max below the advertised base: not trustworthy
    # The peak uses the clock the cores actually run at under load: the max (boost) clock
    # when the OS reports one, else the highest clock it reports at all. The base clock
    # understated this machine's peak by 1.5x (240 GFLOP/s measured against 156.5 from 2.44 GHz).
    reported = [c for c in (base, facts.current_ghz, _hz_ghz(info.get("hz_actual"))) if c]
    clock = max_ghz or (max(reported) if reported else None)
    clock_source = ("max boost" if max_ghz else "highest reported clock") if clock else None
    isa, fp32, bf16, int8 = per_cycle(flags, facts.arch, vendor, family, brand)
    cores = facts.cores or facts.threads

    def peak(per: float) -> float | None:
        if not cores or not clock or per != per:
            return None
        return round(cores * clock * per, 1)

    catalog_id = catalog_name = reason = None
    if brand and catalog is not None:
        from advisor.detect.match import match_device

        m = match_device(catalog, brand, kinds=("cpu",), check_memory=False)
        catalog_id, reason = m.id, m.reason
        catalog_name = m.row["name"] if m.row else None
    elif not brand:
        reason = "CPU brand not read yet" if not complete else "CPU brand not reported"
    return CpuInfo(
        brand=brand, vendor=vendor, arch=facts.arch, cores=facts.cores, threads=facts.threads,
        base_ghz=round(base, 3) if base else None, max_ghz=round(max_ghz, 3) if max_ghz else None,
        flags=flags, isa=isa, peak_clock_ghz=round(clock, 3) if clock else None, peak_clock_source=clock_source,
        peak_gflops_fp32=peak(fp32), peak_gflops_bf16=peak(bf16), peak_gops_int8=peak(int8),
        l1_data_cache_kb=_kb(info.get("l1_data_cache_size")), l2_cache_kb=_kb(info.get("l2_cache_size")),
        l3_cache_kb=_kb(info.get("l3_cache_size")),
        catalog_id=catalog_id, catalog_name=catalog_name, match_reason=reason, complete=complete,
    )
