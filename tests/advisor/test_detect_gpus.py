"""NVIDIA detection through replayed captures, name matching and bandwidth derivation."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from advisor.detect import nvml
from advisor.detect.gpus import GpuInfo, derived_bandwidth_gbps, detect_nvidia, with_bandwidth_check
from advisor.detect.match import Measured, match_device
from hardware_db import COLUMNS, NUMERIC_COLUMNS, load_catalog
from hardware_db.loader import Catalog

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nvml"
GIB = 2**30


@pytest.fixture(autouse=True)
def _fresh_nvml():
    nvml.shutdown()
    yield
    nvml.shutdown()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


def row_with_alias(catalog, alias: str, memory_gb: float | None = None) -> dict:
    """The built-in row NVML's `alias` belongs to (ids are not hard-coded: data files change)."""
    rows = [r for r in catalog.rows if alias in r["aliases"]
            and (memory_gb is None or abs(r["memory_gb"] - memory_gb) < 1)]
    if len(rows) != 1:
        # A catalog change that breaks this premise must fail the test, not hide it.
        pytest.fail(f"the built-in catalog has {len(rows)} rows with alias {alias!r}, expected exactly 1")
    return rows[0]


def detect(monkeypatch, capture: str, catalog):
    monkeypatch.setenv(nvml.REPLAY_ENV, str(FIXTURES / capture))
    return detect_nvidia(catalog)


def make_catalog(*rows: dict) -> Catalog:
    full = []
    for r in rows:
        base = {c: (math.nan if c in NUMERIC_COLUMNS else ((), "")[c != "aliases"]) for c in COLUMNS}
        base.update(vendor="NVIDIA", kind="gpu", segment="datacenter", source="https://example.com")
        base.update(r)
        base["aliases"] = tuple(base["aliases"])
        full.append(base)
    return Catalog(full)


# ---- the real H200 capture ---------------------------------------------------------------------

def test_real_h200_capture_matches_its_catalog_row(monkeypatch, catalog):
    expected = row_with_alias(catalog, "NVIDIA H200", 141)
    result = detect(monkeypatch, "h200_sxm_141gb.json", catalog)
    assert result.warnings == ()
    assert result.driver_version == "580.159.04" and result.cuda_version == "13.0"
    assert result.status == "1 GPU(s) via NVML, driver 580.159.04, CUDA 13.0"
    (g,) = result.gpus
    assert g.name == "NVIDIA H200" and g.vendor == "NVIDIA" and g.index == 0
    assert g.catalog_id == expected["id"] and g.catalog_name == expected["name"]
    assert g.match_reason.startswith("exact name 'NVIDIA H200'; memory 140.4 GiB ~ 141 GB")
    assert g.memory_gb == 140.4 and g.memory_class_gb == 141 and g.memory_total_bytes == 150754820096
    assert g.peak_bandwidth_gbps == pytest.approx(4814.3) and g.bandwidth_source == "derived"
    assert g.peak_bandwidth_gbps == pytest.approx(expected["memory_bandwidth_gbps"], rel=0.05)  # ~4.8 TB/s
    assert (g.bus_width_bits, g.mem_clock_max_mhz, g.sm_clock_max_mhz) == (6016, 3201, 1980)
    assert (g.power_limit_w, g.power_default_limit_w, g.power_max_limit_w) == (700, 700, 700)
    assert (g.compute_capability, g.architecture, g.cores) == ("9.0", "Hopper", 16896)
    assert (g.pcie_gen, g.pcie_width, g.pcie_gen_current, g.pcie_width_current) == (5, 16, 5, 16)
    assert g.mig_enabled is False
    assert g.uuid == "GPU-c5d0cbba-f6fe-5e29-c3c9-336ce9f697c3" and g.pci_bus_id == "00000000:00:06.0"
    assert g.notes == ()


def test_two_gpus(monkeypatch, catalog):
    result = detect(monkeypatch, "two_h200.json", catalog)
    assert [g.index for g in result.gpus] == [0, 1]
    assert len({g.uuid for g in result.gpus}) == 2
    assert result.gpus[1].pci_bus_id == "00000000:00:07.0"
    assert {g.catalog_id for g in result.gpus} == {row_with_alias(catalog, "NVIDIA H200", 141)["id"]}
    assert result.status.startswith("2 GPU(s) via NVML")


def test_mig_mode_is_reported_with_a_warning(monkeypatch, catalog):
    result = detect(monkeypatch, "h200_mig.json", catalog)
    assert result.gpus[0].mig_enabled is True
    assert result.warnings == ("GPU 0 (NVIDIA H200) is in MIG mode: its figures are for the whole GPU; "
                               "a job sees only its MIG slice.",)


def test_not_supported_calls_become_unknowns_and_bandwidth_comes_from_the_catalog(monkeypatch, catalog):
    expected = row_with_alias(catalog, "NVIDIA H200", 141)
    (g,) = detect(monkeypatch, "h200_not_supported.json", catalog).gpus
    assert g.cores is None and g.bus_width_bits is None and g.mem_clock_max_mhz is None and g.mig_enabled is None
    assert g.power_default_limit_w is None and g.power_limit_w == 700 and g.power_max_limit_w is None
    assert g.pcie_gen == 5  # max link generation unsupported: the current one stands in
    assert g.catalog_id == expected["id"]
    assert g.peak_bandwidth_derived_gbps is None
    assert g.peak_bandwidth_gbps == expected["memory_bandwidth_gbps"] and g.bandwidth_source == "catalog"


def test_unknown_gpu_is_reported_with_measured_specs(monkeypatch, catalog):
    result = detect(monkeypatch, "unknown_gpu.json", catalog)
    (g,) = result.gpus
    assert g.catalog_id is None and g.catalog_name is None and g.memory_class_gb is None
    assert g.match_reason == "no catalog row is named 'NVIDIA X900 Prototype'"
    assert g.memory_gb == 192.0 and g.peak_bandwidth_gbps == pytest.approx(8192 / 8 * 4000 * 2 / 1000)
    assert g.bandwidth_source == "derived" and g.compute_capability == "10.3" and g.power_limit_w == 1100
    assert result.warnings == ("GPU 0 (NVIDIA X900 Prototype) is not in the catalog: reported with its measured specs.",)


def test_no_devices(monkeypatch, catalog):
    result = detect(monkeypatch, "no_devices.json", catalog)
    assert result.gpus == ()
    assert result.warnings == ("No NVIDIA GPU found: the NVIDIA driver is loaded but reports no devices.",)


@pytest.mark.parametrize(("capture", "status"), [
    ("nvml_missing.json", "not detectable: no NVML library (no NVIDIA driver)"),
    ("driver_not_loaded.json", "not detectable: NVIDIA driver not loaded"),
    ("no_permission.json", "not detectable: no permission to use the NVIDIA driver"),
])
def test_missing_nvml_gives_one_warning_and_no_gpus(monkeypatch, catalog, capture, status):
    result = detect(monkeypatch, capture, catalog)
    assert result.gpus == () and len(result.warnings) == 1 and result.warnings[0].endswith("running CPU-only.")
    assert result.status == status and result.source is None


def test_gpu_on_the_pci_bus_without_a_driver_says_so(monkeypatch, catalog):
    monkeypatch.setenv(nvml.REPLAY_ENV, str(FIXTURES / "nvml_missing.json"))
    result = detect_nvidia(catalog, ("0000:01:00.0",))
    assert result.warnings == ("NVIDIA GPU found on the PCI bus (0000:01:00.0) but the NVML library (libnvidia-ml) "
                               "was not found: install the NVIDIA driver; running CPU-only.",)


@pytest.mark.parametrize(("capture", "alias", "memory_gb", "bandwidth"), [
    ("a100_sxm4_40gb.json", "NVIDIA A100-SXM4-40GB", 40, 1555.2),
    ("h100_pcie.json", "NVIDIA H100 PCIe", 80, 2039.0),
    ("h100_sxm.json", "NVIDIA H100 80GB HBM3", 80, 3352.3),
    ("tesla_t4.json", "Tesla T4", 16, 320.1),
    ("rtx_4090.json", "NVIDIA GeForce RTX 4090", 24, 1008.1),
])
def test_real_nvml_names_match_the_built_in_catalog(monkeypatch, catalog, capture, alias, memory_gb, bandwidth):
    expected = row_with_alias(catalog, alias, memory_gb)
    (g,) = detect(monkeypatch, capture, catalog).gpus
    assert g.catalog_id == expected["id"], g.match_reason
    assert g.peak_bandwidth_derived_gbps == pytest.approx(bandwidth, abs=0.1)


# ---- matching against a small hand-made catalog ---------------------------------------------------

SMALL = make_catalog(
    {"id": "a100-sxm-40", "name": "A100 SXM4 40GB", "memory_gb": 40, "memory_bandwidth_gbps": 1555, "tdp_w": 400},
    {"id": "a100-sxm-80", "name": "A100 SXM4 80GB", "memory_gb": 80, "memory_bandwidth_gbps": 2039, "tdp_w": 400},
    {"id": "a100-pcie-80", "name": "A100 PCIe 80GB", "memory_gb": 80, "memory_bandwidth_gbps": 1935, "tdp_w": 300},
    {"id": "a10", "name": "A10", "memory_gb": 24, "memory_bandwidth_gbps": 600, "tdp_w": 150},
    {"id": "h100-sxm", "name": "H100 SXM5 80GB", "memory_gb": 80, "memory_bandwidth_gbps": 3350, "tdp_w": 700},
    {"id": "h100-pcie", "name": "H100 PCIe 80GB", "memory_gb": 80, "memory_bandwidth_gbps": 2000, "tdp_w": 350},
    {"id": "h100-nvl", "name": "H100 NVL", "memory_gb": 94, "memory_bandwidth_gbps": 3900, "tdp_w": 400},
    {"id": "t4", "name": "T4", "memory_gb": 16, "memory_bandwidth_gbps": 320, "tdp_w": 70},
    {"id": "rtx-4090", "name": "GeForce RTX 4090", "memory_gb": 24, "memory_bandwidth_gbps": 1008, "tdp_w": 450},
    {"id": "rtx-4090-d", "name": "GeForce RTX 4090 D", "memory_gb": 24, "memory_bandwidth_gbps": 1008, "tdp_w": 425},
    {"id": "epyc-9654", "name": "AMD EPYC 9654", "kind": "cpu", "vendor": "AMD"},
)


def m(name: str, memory_gib: float = math.nan, power: float = math.nan, bw: float = math.nan):
    return match_device(SMALL, name, measured=Measured(memory_gib * GIB, power, bw))


@pytest.mark.parametrize(("name", "memory_gib", "power", "bw", "expected"), [
    ("NVIDIA A100-SXM4-40GB", 40, 400, 1555, "a100-sxm-40"),
    ("NVIDIA A100-SXM4-80GB", 79.2, 400, 2039, "a100-sxm-80"),
    ("NVIDIA A100 80GB PCIe", 79.2, 300, 1935, "a100-pcie-80"),
    ("NVIDIA A10", 22.5, 150, 600, "a10"),  # not the A100
    ("NVIDIA H100 80GB HBM3", 79.6, 700, 3352, "h100-sxm"),  # no form factor in the name: power/bandwidth decide
    ("NVIDIA H100 80GB HBM3", 79.6, 350, 2039, "h100-pcie"),
    ("NVIDIA H100 PCIe", 79.6, 700, 3352, "h100-pcie"),  # the name's form factor beats the power limit
    ("NVIDIA H100 NVL", 93.6, 400, 3938, "h100-nvl"),
    ("Tesla T4", 15, 70, 320, "t4"),
    ("NVIDIA GeForce RTX 4090", 24, 450, 1008, "rtx-4090"),
    ("NVIDIA GeForce RTX 4090 D", 24, 425, 1008, "rtx-4090-d"),
])
def test_matching_real_nvml_strings(name, memory_gib, power, bw, expected):
    assert m(name, memory_gib, power, bw).id == expected


def test_a_40gb_name_with_80gb_measured_is_not_forced_onto_a_row():
    result = m("NVIDIA A100-SXM4-40GB", 79.2, 400, 2039)
    assert result.id == "a100-sxm-80"  # name words match both A100 SXM rows; memory picks the 80 GB one
    result = m("NVIDIA A100 PCIe 40GB", 39.4)
    assert result.id is None
    assert result.reason == ("'NVIDIA A100 PCIe 40GB' matches no catalog row with its measured specs "
                             "(ruled out: a100-sxm-40 (sxm, name says pcie), a100-sxm-80 (sxm, name says pcie), "
                             "a100-pcie-80 (80 GB))")


@pytest.mark.parametrize("name", ["NVIDIA GeForce RTX 4090 Laptop GPU", "NVIDIA H200", "NVIDIA GeForce RTX 4080",
                                  "NVIDIA Graphics Device"])
def test_unknown_names_do_not_match(name):
    assert m(name, 24).id is None


def test_gpu_names_never_match_cpu_rows():
    assert match_device(SMALL, "AMD EPYC 9654 96-Core Processor", kinds=("gpu",)).id is None
    assert match_device(SMALL, "AMD EPYC 9654 96-Core Processor", kinds=("cpu",)).id == "epyc-9654"


def test_no_catalog():
    assert match_device(None, "NVIDIA H200").reason == "no catalog loaded"


# ---- bandwidth ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("bus", "clock", "expected"), [
    (6016, 3201, 4814.3),   # H200 HBM3e (the real capture); datasheet 4.8 TB/s
    (5120, 1215, 1555.2),   # A100 40GB HBM2; datasheet 1555 GB/s
    (384, 9751, 936.1),     # RTX 3090 GDDR6X: NVML's clock is half the 19.5 Gbit/s pin rate; 936 GB/s
    (384, 10501, 1008.1),   # RTX 4090 GDDR6X; 1008 GB/s
    (512, 14001, 1792.1),   # RTX 5090 GDDR7; 1792 GB/s
    (256, 5001, 320.1),     # T4 GDDR6; 320 GB/s
])
def test_bandwidth_from_bus_width_and_memory_clock(bus, clock, expected):
    assert derived_bandwidth_gbps(bus, clock) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize(("bus", "clock"), [(nvml.NA, 3201), (6016, nvml.NA), (0, 3201), (None, None)])
def test_bandwidth_unknown_when_an_input_is(bus, clock):
    assert derived_bandwidth_gbps(bus, clock) is None


def test_derived_bandwidth_far_from_the_catalog_reports_the_catalog_figure():
    gpu = GpuInfo(index=0, vendor="NVIDIA", name="x", memory_gb=80.0)
    row = {"memory_bandwidth_gbps": 2000.0}
    checked = with_bandwidth_check(gpu, row, 3352.3)
    assert checked.peak_bandwidth_gbps == 2000.0 and checked.bandwidth_source == "catalog"
    assert checked.peak_bandwidth_derived_gbps == 3352.3
    assert checked.notes == ("derived bandwidth 3,352 GB/s (bus width x memory clock) differs from the catalog's "
                             "2,000 GB/s by 68%: using the catalog figure",)
    close = with_bandwidth_check(gpu, {"memory_bandwidth_gbps": 3350.0}, 3352.3)
    assert close.peak_bandwidth_gbps == 3352.3 and close.bandwidth_source == "derived" and close.notes == ()
    unmatched = with_bandwidth_check(gpu, None, 3352.3)
    assert unmatched.peak_bandwidth_gbps == 3352.3 and unmatched.bandwidth_source == "derived"
