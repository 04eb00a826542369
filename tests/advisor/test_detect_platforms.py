"""Detection on each OS, with a fake sysfs tree, recorded tool output and a faked platform:
Intel GPUs and Gaudi by PCI id, honest per-OS vendor status lines, no NVML warning on macOS,
Apple GPU cores from system_profiler, an Intel Mac's discrete GPU."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil  # noqa: F401 - imported for real before tests fake sys.platform
import pytest

from advisor.detect import amd, apple, detect_machine, gpus, intel, nvml
from advisor.detect.amd import scan_pci
from hardware_db import load_catalog
from tests.advisor.test_detect_machine import make_pci

APPLE = Path(__file__).resolve().parent.parent / "fixtures" / "apple"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    nvml.shutdown()
    monkeypatch.setattr(apple, "_displays_cache", None)
    yield
    nvml.shutdown()


@pytest.fixture
def no_amdsmi(monkeypatch):
    monkeypatch.setitem(sys.modules, "amdsmi", None)  # `import amdsmi` raises ImportError


def row_for(catalog, alias: str) -> dict:
    rows = [r for r in catalog.rows if alias in r["aliases"] or r["name"] == alias]
    if len(rows) != 1:
        # A catalog change that breaks this premise must fail the test, not hide it.
        pytest.fail(f"the built-in catalog has {len(rows)} rows for {alias!r}, expected exactly 1")
    return rows[0]


# ---- Intel on Linux: PCI ids from sysfs --------------------------------------------------------

def _intel_tree(root: Path) -> Path:
    make_pci(root, "0000:00:02.0", "0x030000", "0x8086", "0x4680")  # UHD 770, integrated
    make_pci(root, "0000:00:1f.6", "0x020000", "0x8086", "0x15fa")  # an Intel network card: not a GPU class
    make_pci(root, "0000:03:00.0", "0x030000", "0x8086", "0x56a0")  # Arc A770
    make_pci(root, "0000:29:00.0", "0x038000", "0x8086", "0x0bd5")  # Data Center GPU Max 1550
    make_pci(root, "0000:4d:00.0", "0x120000", "0x1da3", "0x1020")  # Gaudi 2
    return root


def test_intel_gpus_and_gaudi_are_found_by_pci_id_and_matched(tmp_path, catalog):
    pci = scan_pci(str(_intel_tree(tmp_path)))
    found, warnings, status = intel.detect_intel(catalog, pci, scanned=True)
    names = [g.name for g in found]
    assert names == ["Intel(R) Arc(TM) A770 Graphics", "Intel(R) Data Center GPU Max 1550", "Intel Gaudi 2"]
    assert [g.pci_bus_id for g in found] == ["0000:03:00.0", "0000:29:00.0", "0000:4d:00.0"]
    assert [g.catalog_id for g in found] == [row_for(catalog, "Intel(R) Arc(TM) A770 Graphics")["id"],
                                             row_for(catalog, "Intel(R) Data Center GPU Max 1550")["id"],
                                             row_for(catalog, "Intel Gaudi 2")["id"]]
    assert all(g.vendor == "Intel" and g.memory_gb is None and g.memory_class_gb for g in found)
    assert warnings == []
    assert status == ("3 device(s) via sysfs PCI ids; 1 other Intel display device(s) (0000:00:02.0), "
                      "integrated graphics or ids not in the table, left out")


def test_an_intel_gpu_missing_from_the_catalog_is_named_and_warned_about(tmp_path, catalog):
    make_pci(tmp_path, "0000:03:00.0", "0x030000", "0x8086", "0x56a5")  # Arc A380: not a catalog row
    found, warnings, _ = intel.detect_intel(catalog, scan_pci(str(tmp_path)), scanned=True)
    (g,) = found
    assert g.name == "Intel(R) Arc(TM) A380 Graphics" and g.catalog_id is None
    assert warnings == ["Intel(R) Arc(TM) A380 Graphics (PCI 0000:03:00.0) is not in the catalog: reported by name only."]


def test_no_intel_device_on_a_scanned_bus(catalog):
    assert intel.detect_intel(catalog, (), scanned=True) == ([], [], "none on the PCI bus")


# ---- honest status where nothing could be scanned ----------------------------------------------

@pytest.mark.parametrize(("platform", "os_name"), [("win32", "Windows"), ("darwin", "macOS")])
def test_off_linux_the_status_says_not_scanned_never_none_found(catalog, no_amdsmi, platform, os_name):
    _, _, intel_status = intel.detect_intel(catalog, (), scanned=False, platform=platform)
    found, warnings, amd_status = amd.detect_amd(catalog, (), scanned=False, platform=platform)
    assert found == [] and warnings == []
    for status in (intel_status, amd_status):
        assert status.startswith(f"not detectable on {os_name}") and "no AMD GPU" not in status


def test_detect_machine_on_windows_claims_nothing_about_a_bus_it_never_read(monkeypatch, catalog, no_amdsmi):
    monkeypatch.setattr(sys, "platform", "win32")
    m = detect_machine(catalog, cpu_info={"brand_raw": "Test CPU"})
    backends = dict(m.gpu_backends)
    assert not amd.pci_scannable() and amd.scan_pci() == ()
    assert backends["amd"].startswith("not detectable on Windows")
    assert backends["intel"].startswith("not detectable on Windows")
    assert not any("PCI bus" in w for w in m.warnings)


def test_a_mac_gets_no_nvml_warning(monkeypatch, catalog):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.delenv(nvml.REPLAY_ENV, raising=False)
    result = gpus.detect_nvidia(catalog)
    assert result.warnings == () and result.gpus == ()
    assert result.status == "not present: NVIDIA has no driver for macOS"


def test_a_mac_still_replays_an_nvml_capture(monkeypatch, catalog):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv(nvml.REPLAY_ENV, str(Path(__file__).resolve().parent.parent / "fixtures" / "nvml"
                                            / "h200_sxm_141gb.json"))
    assert [g.name for g in gpus.detect_nvidia(catalog).gpus] == ["NVIDIA H200"]


# ---- Macs: system_profiler ------------------------------------------------------------------------

def test_system_profiler_gives_apple_gpu_cores_and_an_intel_macs_radeon():
    m3 = apple.parse_displays((APPLE / "m3_max.json").read_text())
    assert m3 == [{"model": "Apple M3 Max", "vendor": "Apple", "cores": 40, "vram_bytes": None, "builtin": True}]
    mbp = apple.parse_displays((APPLE / "intel_mac_radeon_pro_5500m.json").read_text())
    assert [(d["model"], d["vendor"], d["vram_bytes"], d["builtin"]) for d in mbp] == [
        ("Intel UHD Graphics 630", "Intel", 1536 * 2**20, True), ("AMD Radeon Pro 5500M", "AMD", 8 * 2**30, False)]
    assert apple.parse_displays("not json") == [] and apple.parse_displays('{"SPDisplaysDataType": 3}') == []


def test_an_intel_macs_discrete_gpu_is_listed_and_its_integrated_one_left_out(catalog):
    found = apple.discrete_gpus(apple.parse_displays((APPLE / "intel_mac_radeon_pro_5500m.json").read_text()), catalog)
    (g,) = found
    assert (g.vendor, g.name, g.memory_gb, g.notes) == ("AMD", "AMD Radeon Pro 5500M", 8.0, ("via system_profiler",))


def test_apple_silicon_takes_the_core_count_from_system_profiler_when_ioreg_is_silent(monkeypatch, catalog):
    from tests.advisor.test_detect_machine import SYSCTL_M3_MAX

    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(apple.platform, "machine", lambda: "arm64")
    monkeypatch.setattr(apple, "_sysctl_cache", apple.parse_sysctl(SYSCTL_M3_MAX))
    outputs = {"ioreg": "", "system_profiler": (APPLE / "m3_max.json").read_text()}
    monkeypatch.setattr(apple, "_run", lambda args, timeout=5: outputs[args[0]])
    gpu, status = apple.detect_apple(catalog)
    assert gpu.cores == 40 and gpu.name == "Apple M3 Max (40-core GPU)" and gpu.memory_gb == 128.0
    assert status == "Apple M3 Max (40-core GPU) via sysctl/system_profiler"


def test_detect_machine_on_an_intel_mac_reports_its_radeon(monkeypatch, catalog, no_amdsmi):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.delenv(nvml.REPLAY_ENV, raising=False)
    monkeypatch.setattr(apple.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(apple, "_run", lambda args, timeout=5: (APPLE / "intel_mac_radeon_pro_5500m.json").read_text()
                        if args[0] == "system_profiler" else "")
    m = detect_machine(catalog, cpu_info={"brand_raw": "Intel(R) Core(TM) i9-9880H CPU @ 2.30GHz"})
    assert [g.name for g in m.gpus] == ["AMD Radeon Pro 5500M"]
    backends = dict(m.gpu_backends)
    assert backends["amd"] == "1 GPU(s) via system_profiler"
    assert backends["nvidia"] == "not present: NVIDIA has no driver for macOS"
    assert backends["apple"] == "not present: an Intel Mac"
    assert m.warnings == ()


def test_a_linux_without_a_readable_pci_bus_says_so(catalog, no_amdsmi):
    _, _, intel_status = intel.detect_intel(catalog, (), scanned=False, platform="linux")
    _, _, amd_status = amd.detect_amd(catalog, (), scanned=False, platform="linux")
    assert intel_status.endswith("/sys/bus/pci is not readable here")
    assert amd_status == "not detectable on Linux: amdsmi (ROCm) is not installed and /sys/bus/pci is not readable here"
