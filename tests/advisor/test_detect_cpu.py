"""CPU detection: ISA flags, theoretical peaks, catalog match, the cached py-cpuinfo call."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from advisor.detect.cpu import CpuFacts, build_cpu, cpuinfo_cached, ml_flags, per_cycle, read_cpu_facts
from hardware_db import load_catalog

H200_CAPTURE = Path(__file__).resolve().parent.parent / "fixtures" / "nvml" / "h200_sxm_141gb.json"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


@pytest.fixture(scope="module")
def sapphire_rapids_info() -> dict:
    """py-cpuinfo's answer on the H200 host (a 16-vCPU Xeon with AMX), from the real capture."""
    return json.loads(H200_CAPTURE.read_text())["cpuinfo"]


def test_ml_flags_from_the_real_capture(sapphire_rapids_info):
    flags = ml_flags(sapphire_rapids_info["flags"])
    assert flags == ("sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw", "avx512_vnni",
                     "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8")


def test_arm_flags_always_include_neon():
    assert ml_flags(["fp", "asimd", "asimddp", "bf16", "i8mm", "sve", "sve2"], "arm64") == (
        "neon", "dotprod", "bf16", "i8mm", "sve", "sve2")
    assert ml_flags([], "arm64") == ("neon",)


def test_peaks_of_the_capture_host(sapphire_rapids_info, catalog):
    facts = CpuFacts(arch="x86_64", cores=16, threads=16)
    cpu = build_cpu(facts, sapphire_rapids_info, catalog)
    assert cpu.brand == "Intel(R) Xeon(R) Processor" and cpu.complete and cpu.vendor == "GenuineIntel"
    assert cpu.base_ghz == 2.1 and cpu.peak_clock_ghz == 2.1 and cpu.isa == "avx512+amx"
    assert cpu.peak_gflops_fp32 == pytest.approx(16 * 2.1 * 64)
    assert cpu.peak_gflops_bf16 == pytest.approx(16 * 2.1 * 1024)
    assert cpu.peak_gops_int8 == pytest.approx(16 * 2.1 * 2048)
    assert cpu.l2_cache_kb == 32768 and cpu.l3_cache_kb == 307200 and cpu.l1_data_cache_kb == 768
    # A VM's generic brand names no model: no catalog row is forced onto it.
    assert cpu.catalog_id is None and cpu.match_reason == "no catalog row is named 'Intel(R) Xeon(R) Processor'"


def test_amx_peaks_agree_with_intels_figures_for_the_8480_plus(sapphire_rapids_info, catalog):
    """56 cores at the 2.0 GHz base clock; the catalog carries Intel's published peaks."""
    rows = [r for r in catalog.rows if r["kind"] == "cpu" and "8480+" in r["name"]]
    if len(rows) != 1:
        pytest.fail(f"expected a single Xeon 8480+ row in the built-in catalog, found {len(rows)}")
    row = rows[0]
    # The peak uses the highest clock reported (the capture VM's 2.1 GHz actual clock is another
    # SKU's), so this 8480+ reports 2.0 GHz for both.
    info = dict(sapphire_rapids_info, brand_raw="Intel(R) Xeon(R) Platinum 8480+", hz_advertised=[2_000_000_000, 0],
                hz_actual=[2_000_000_000, 0])
    cpu = build_cpu(CpuFacts(arch="x86_64", cores=56, threads=112), info, catalog)
    assert cpu.catalog_id == row["id"]
    assert cpu.peak_gflops_fp32 / 1000 == pytest.approx(row["fp32_tflops"], rel=0.01)
    assert cpu.peak_gflops_bf16 / 1000 == pytest.approx(row["bf16_tflops"], rel=0.01)
    assert cpu.peak_gops_int8 / 1000 == pytest.approx(row["int8_tops"], rel=0.01)


@pytest.mark.parametrize(("flags", "arch", "vendor", "family", "expected"), [
    (("sse4_2",), "x86_64", "GenuineIntel", 6, ("sse", 8, 8, 16)),
    (("avx",), "x86_64", "GenuineIntel", 6, ("avx", 16, 16, 32)),
    (("avx", "avx2", "fma"), "x86_64", "AuthenticAMD", 25, ("avx2", 32, 32, 64)),
    (("avx", "avx2", "fma", "avx_vnni"), "x86_64", "GenuineIntel", 6, ("avx2", 32, 32, 128)),
    (("avx2", "fma", "avx512f", "avx512_vnni"), "x86_64", "GenuineIntel", 6, ("avx512", 64, 64, 256)),
    (("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"), "x86_64", "AuthenticAMD", 25, ("avx512", 32, 64, 128)),
    (("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"), "x86_64", "AuthenticAMD", 26, ("avx512", 64, 128, 256)),
    (("neon",), "arm64", None, None, ("neon", 16, 16, 32)),
    (("neon", "dotprod", "bf16", "i8mm", "sve"), "arm64", None, None, ("sve", 32, 64, 128)),
    (("neon", "dotprod", "bf16", "i8mm"), "arm64", "Apple", None, ("neon", 32, 64, 128)),
])
def test_operations_per_cycle(flags, arch, vendor, family, expected):
    assert per_cycle(flags, arch, vendor, family) == expected


def test_fast_path_has_no_brand_and_no_match_but_peaks(catalog):
    facts = CpuFacts(arch="x86_64", cores=8, threads=16, max_ghz=4.0, flags=("avx", "avx2", "fma"))
    cpu = build_cpu(facts, None, catalog)
    assert cpu.brand is None and not cpu.complete and cpu.catalog_id is None
    assert cpu.match_reason == "CPU brand not read yet"
    assert cpu.peak_clock_ghz == 4.0 and cpu.peak_gflops_fp32 == 8 * 4.0 * 32


def test_unknown_clock_or_cores_gives_no_peak():
    cpu = build_cpu(CpuFacts(arch="x86_64", cores=None, threads=None, flags=("avx2", "fma")), None)
    assert cpu.peak_gflops_fp32 is None and cpu.peak_gflops_bf16 is None and cpu.peak_gops_int8 is None


def test_max_clock_below_base_is_ignored():
    cpu = build_cpu(CpuFacts(arch="x86_64", cores=4, threads=4, base_ghz=2.5, max_ghz=1.2), None)
    assert cpu.base_ghz == 2.5 and cpu.max_ghz is None and cpu.peak_clock_ghz == 2.5


@pytest.mark.parametrize(("brand", "name"), [
    ("AMD EPYC 9654 96-Core Processor", "AMD EPYC 9654"),
    ("13th Gen Intel(R) Core(TM) i9-13900K", "Intel Core i9-13900K"),
    ("AMD Ryzen 9 7950X 16-Core Processor", "AMD Ryzen 9 7950X"),
    ("Intel(R) Xeon(R) Platinum 8480+", "Intel Xeon Platinum 8480+"),
])
def test_cpu_brand_strings_match_the_catalog(catalog, brand, name):
    rows = [r for r in catalog.rows if r["name"] == name]
    if not rows:
        pytest.fail(f"{name} is not in the built-in catalog: the test's premise is gone")
    cpu = build_cpu(CpuFacts(arch="x86_64", cores=16, threads=32), {"brand_raw": brand}, catalog)
    assert cpu.catalog_id == rows[0]["id"] and cpu.catalog_name == name


def test_read_cpu_facts_on_this_machine():
    facts = read_cpu_facts()
    assert facts.arch in ("x86_64", "arm64") or facts.arch
    assert facts.threads and facts.threads >= 1
    assert facts.cores is None or 1 <= facts.cores <= facts.threads


def test_cpuinfo_runs_once_per_process_even_from_many_threads():
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.append(cpuinfo_cached())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert cpuinfo_cached() is results[0]
    assert "brand_raw" in results[0] or "_error" in results[0]


def test_peak_uses_the_boost_clock_not_the_base_clock():
    """The cores run at their boost clock under a matmul: a 2.44 GHz base / 3.7 GHz boost EPYC
    with 2 cores and 32 fp32 FLOP per cycle peaks at 2 x 3.7 x 32 = 236.8 GFLOP/s, not 156.2."""
    facts = CpuFacts(arch="x86_64", cores=2, threads=2, base_ghz=2.44, max_ghz=3.7,
                     flags=("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"), vendor="AuthenticAMD", family=25)
    cpu = build_cpu(facts, None)
    assert cpu.peak_clock_ghz == 3.7 and cpu.peak_clock_source == "max boost"
    assert cpu.peak_gflops_fp32 == pytest.approx(236.8)


def test_without_a_boost_clock_the_highest_reported_clock_is_used():
    facts = CpuFacts(arch="x86_64", cores=2, threads=2, base_ghz=2.44, current_ghz=2.6, flags=("avx2", "fma"))
    cpu = build_cpu(facts, {"hz_actual": [2_596_000_000, 0], "brand_raw": "AMD EPYC"})
    assert cpu.peak_clock_ghz == 2.6 and cpu.peak_clock_source == "highest reported clock"
