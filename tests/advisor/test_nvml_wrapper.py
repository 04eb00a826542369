"""The NVML wrapper: NA sentinel, replay of captures (real and synthetic), the error tiers."""

from __future__ import annotations

import ctypes.util
import importlib.util
import json
import math
import sys
import threading
from pathlib import Path

import pytest

from advisor.detect import nvml
from advisor.errors import BadInput, HardwareUnavailable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nvml"
H200 = FIXTURES / "h200_sxm_141gb.json"


@pytest.fixture(autouse=True)
def _fresh_nvml():
    nvml.shutdown()
    yield
    nvml.shutdown()


def replay(monkeypatch, name: str) -> None:
    monkeypatch.setenv(nvml.REPLAY_ENV, str(FIXTURES / name))


def test_na_prints_na_is_falsy_and_nan_in_arithmetic():
    assert str(nvml.NA) == "N/A" and f"{nvml.NA}" == "N/A"
    assert not nvml.NA
    assert math.isnan(float(nvml.NA))
    assert math.isnan(nvml.NA + 1) and math.isnan(2 * nvml.NA) and math.isnan(nvml.NA / 3) and math.isnan(1 - nvml.NA)
    assert nvml.NaType() is nvml.NA
    assert repr(nvml.NA) == "NA"


def test_replay_answers_device_calls_from_the_real_h200_capture(monkeypatch):
    replay(monkeypatch, "h200_sxm_141gb.json")
    nvml.init()
    assert nvml.source() == f"replay:{H200}"
    assert nvml.device_count() == 1
    h = nvml.device_handle(0)
    assert nvml.query("nvmlDeviceGetName", h) == "NVIDIA H200"
    assert nvml.query("nvmlDeviceGetMaxClockInfo", h, nvml.CLOCK_SM) == 1980
    assert nvml.query("nvmlDeviceGetMaxClockInfo", h, nvml.CLOCK_MEM) == 3201
    assert nvml.query("nvmlDeviceGetClockInfo", h, nvml.CLOCK_SM) == 345
    assert nvml.query("nvmlDeviceGetTemperature", h, nvml.TEMPERATURE_GPU) == 29
    assert nvml.field(nvml.query("nvmlDeviceGetMemoryInfo", h), "total") == 150754820096
    assert nvml.query("nvmlSystemGetDriverVersion") == "580.159.04"


def test_one_unsupported_call_is_na_and_the_rest_still_answers(monkeypatch):
    replay(monkeypatch, "h200_sxm_141gb.json")
    nvml.init()
    h = nvml.device_handle(0)
    assert nvml.query("nvmlDeviceGetFanSpeed", h) is nvml.NA  # NotSupported on this passive board
    assert nvml.query("nvmlDeviceGetFanSpeed", h, default=None) is None
    assert nvml.query("nvmlDeviceGetSomethingNotCaptured", h) is nvml.NA
    assert nvml.query("nvmlDeviceGetMemoryBusWidth", h) == 6016


def test_v2_call_falls_back_to_v1(monkeypatch):
    replay(monkeypatch, "h200_sxm_141gb.json")
    nvml.init()
    assert nvml.query("nvmlDeviceGetName_v2", nvml.device_handle(0)) == "NVIDIA H200"


def test_a_missing_device_handle_is_na(monkeypatch):
    replay(monkeypatch, "h200_sxm_141gb.json")
    nvml.init()
    assert nvml.device_handle(5) is nvml.NA


def test_query_before_init_gives_the_default():
    assert nvml.query("nvmlDeviceGetCount") is nvml.NA
    assert nvml.device_count() == 0


@pytest.mark.parametrize(("capture", "message"), [
    ("nvml_missing.json", "No NVIDIA GPU detected: the NVML library (libnvidia-ml) was not found, "
                          "so no NVIDIA driver is installed; running CPU-only."),
    ("driver_not_loaded.json", "No NVIDIA GPU usable: the NVIDIA driver is not loaded (NVML: Driver Not Loaded); "
                               "running CPU-only."),
    ("no_permission.json", "No NVIDIA GPU usable: no permission to use the NVIDIA driver "
                           "(NVML: Insufficient Permissions); running CPU-only."),
])
def test_no_library_driver_or_permission_raise_one_clear_error(monkeypatch, capture, message):
    replay(monkeypatch, capture)
    with pytest.raises(HardwareUnavailable) as e:
        nvml.init()
    assert str(e.value) == message
    with pytest.raises(HardwareUnavailable) as again:  # cached: not retried on every call
        nvml.init()
    assert again.value is e.value


def test_switching_the_replay_file_reinitialises(monkeypatch):
    replay(monkeypatch, "nvml_missing.json")
    with pytest.raises(HardwareUnavailable):
        nvml.init()
    replay(monkeypatch, "two_h200.json")
    nvml.init()
    assert nvml.device_count() == 2


def test_unreadable_replay_file_is_bad_input(monkeypatch, tmp_path):
    monkeypatch.setenv(nvml.REPLAY_ENV, str(tmp_path / "nope.json"))
    with pytest.raises(BadInput, match=r"^HWADVISOR_NVML_REPLAY: cannot read '.*nope.json': No such file or directory$"):
        nvml.init()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    monkeypatch.setenv(nvml.REPLAY_ENV, str(bad))
    with pytest.raises(BadInput, match=r"is not a JSON NVML capture"):
        nvml.init()
    bad.write_text(json.dumps({"host": {}}))
    with pytest.raises(BadInput, match=r"has no 'nvml' object"):
        nvml.init()


@pytest.mark.skipif(ctypes.util.find_library("nvidia-ml") is not None, reason="this machine has an NVML library")
def test_real_library_absent_on_this_machine():
    with pytest.raises(HardwareUnavailable) as e:
        nvml.init()
    assert str(e.value) == ("No NVIDIA GPU detected: the NVML library (libnvidia-ml) was not found, "
                            "so no NVIDIA driver is installed; running CPU-only.")


def test_pynvml_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` fail
    with pytest.raises(HardwareUnavailable) as e:
        nvml.init()
    assert str(e.value) == "No NVIDIA GPU detected: the nvidia-ml-py package (pynvml) is not installed; running CPU-only."


def test_replay_works_without_pynvml(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)
    replay(monkeypatch, "h200_sxm_141gb.json")
    nvml.init()
    h = nvml.device_handle(0)
    assert nvml.query("nvmlDeviceGetFanSpeed", h) is nvml.NA
    assert nvml.query("nvmlDeviceGetName", h) == "NVIDIA H200"


def test_init_is_safe_from_many_threads(monkeypatch):
    replay(monkeypatch, "h200_sxm_141gb.json")
    errors: list[BaseException] = []

    def work():
        try:
            nvml.init()
            assert nvml.query("nvmlDeviceGetName", nvml.device_handle(0)) == "NVIDIA H200"
        except BaseException as e:  # collected and re-raised on the main thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_shutdown_is_idempotent(monkeypatch):
    replay(monkeypatch, "h200_sxm_141gb.json")
    nvml.init()
    nvml.shutdown()
    nvml.shutdown()
    assert nvml.source() is None


def test_synthetic_captures_match_their_generator():
    spec = importlib.util.spec_from_file_location("make_variants", FIXTURES / "make_variants.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, data in mod.variants().items():
        assert (FIXTURES / name).read_text(encoding="utf-8") == mod.render(data), f"regenerate {name}"
