"""'this machine' whose CPU the catalog lacks (and no GPU): a row from the detected peaks, so
`estimate --device "this machine"` and `plan --option "this machine"` work (DESIGN.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from advisor.detect import nvml
from advisor.detect.cpu import CpuFacts, build_cpu
from advisor.machines import LOCAL_CPU_ID, detected_cpu_row, with_this_machine
from advisor.plan import Option, parse_option, plan, this_machine_devices
from hardware_db import load_catalog

H200 = Path(__file__).resolve().parents[1] / "fixtures" / "nvml" / "h200_sxm_141gb.json"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


def _machine(catalog, brand="Imaginary 9000 12-Core Processor"):
    """A machine with no GPU and a CPU no catalog row names: 12 cores at 4.0 GHz, AVX2 + FMA."""
    from advisor.detect import MachineInfo

    facts = CpuFacts(arch="x86_64", cores=12, threads=24, base_ghz=3.0, max_ghz=4.0, flags=("avx2", "fma"),
                     vendor="AuthenticAMD", family=25)
    cpu = build_cpu(facts, {"brand_raw": brand}, catalog)
    assert cpu.catalog_id is None, "premise: no catalog row is named like the imaginary CPU"
    return MachineInfo(cpu=cpu, memory_gb=64.0, memory_available_gb=60.0, gpus=(), driver_version=None,
                       cuda_version=None, warnings=(), gpu_backends=())


def test_the_row_carries_the_detected_peaks_ram_and_measured_bandwidth(catalog):
    m = _machine(catalog)
    row = detected_cpu_row(m, 48.0)
    # 12 cores x 4.0 GHz x 2 AVX2 FMA units x 8 fp32 lanes x 2 FLOP = 1,536 GFLOP/s
    assert row["fp32_tflops"] == pytest.approx(12 * 4.0 * 2 * 8 * 2 / 1000)
    assert row["memory_gb"] == 64.0 and row["memory_bandwidth_gbps"] == 48.0
    assert row["id"] == LOCAL_CPU_ID and row["kind"] == "cpu" and row["source"] == "detected on this machine"
    assert math.isnan(detected_cpu_row(m)["memory_bandwidth_gbps"])  # not probed: unknown, not guessed


def test_this_machine_is_estimated_and_planned_from_that_row(catalog):
    m = _machine(catalog)
    with pytest.raises(Exception, match="neither its GPUs nor its CPU is in the catalog"):
        this_machine_devices(m, catalog)
    cat = with_this_machine(catalog, m, 48.0)
    assert len(cat) == len(catalog) + 1 and LOCAL_CPU_ID not in catalog.ids()
    dev, n, text = this_machine_devices(m, cat)
    assert (dev, n) == (LOCAL_CPU_ID, 1) and "Imaginary 9000" in text
    opt = parse_option("this machine", cat, machine=m)
    assert opt == Option(LOCAL_CPU_ID, None, True, text, machine_devices=1)
    from advisor.workload import parse_text

    wl = parse_text(json.dumps({"model": {"params_b": 1}, "inference": {
        "precision": "q4_0", "requests_per_day": 100, "prompt_tokens": 100, "output_tokens": 100}}), "w.json", "json")
    out = plan(wl, cat, [opt], owned={LOCAL_CPU_ID: 1})
    o = out["options"][0]
    assert o["device"] == LOCAL_CPU_ID and o["owned"] == 1 and o["to_buy"] == 0 and o["fits"] is True
    # decode streams ~0.6 GB of 4.5-bit weights from 48 GB/s: tens of tokens/s, so a finite latency
    assert 0 < o["request_latency_ms"] < 60_000


def test_a_catalogued_gpu_or_cpu_adds_no_row(catalog, monkeypatch):
    from advisor.detect import detect_machine

    nvml.shutdown()
    monkeypatch.setenv(nvml.REPLAY_ENV, str(H200))
    try:
        m = detect_machine(catalog, cpu_info=json.loads(H200.read_text())["cpuinfo"])
    finally:
        nvml.shutdown()
    assert m.gpus and m.gpus[0].catalog_id == "h200-sxm-141gb"
    assert with_this_machine(catalog, m) is catalog
