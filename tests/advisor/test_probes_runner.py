"""The runner: cancellation within 0.5 s, timeouts, a failing probe does not stop the others,
efficiency against the catalog, and the calibration made from a report."""

from __future__ import annotations

import threading
import time

import pytest

from advisor.errors import BadInput
from advisor.probes import Probe, cpu, run_probes
from advisor.probes.calibrate import calibration_from_report
from hardware_db import load_catalog


def _cancel_when(started: threading.Event, **kwargs):
    """Run the probes in a thread and cancel them once `started` is set (a probe is running).
    How fast the cancel returns is a speed figure (benchmarks/run.py probe_cancel_s); here the
    run must end cancelled long before its probes would have (the join is only a hang guard)."""
    cancel = threading.Event()
    box = {}

    def work():
        box["report"] = run_probes(cancel=cancel, **kwargs)

    t = threading.Thread(target=work)
    t.start()
    assert started.wait(60)
    cancel.set()
    t.join(60)
    assert not t.is_alive()
    return box["report"]


def _signal_on_start(probe: Probe, started: threading.Event) -> Probe:
    def func(ctx, _f=probe.func):
        started.set()
        return _f(ctx)

    return Probe(probe.name, func, probe.budget_s, probe.target)


@pytest.mark.parametrize("which", [1, 2, 3])
def test_cancel_ends_a_full_run_in_any_of_its_probes(which):
    """Cancelled during the 1st, 2nd or 3rd CPU probe of a full run (budgets of tens of
    seconds): the run returns cancelled, with no figure from the probes after it."""
    from advisor.probes.runner import default_probes

    started = threading.Event()
    probes = [p for p in default_probes(False) if p.target != "gpus"]
    cpu_probes = [i for i, p in enumerate(probes) if p.name.startswith("cpu.")]
    k = cpu_probes[which - 1]
    probes[k] = _signal_on_start(probes[k], started)
    report = _cancel_when(started, quick=False, probes=probes)
    assert report.cancelled
    later = {"cpu.matmul_fp64": "matmul_fp64_gflops", "cpu.memory_bandwidth": "memory_bandwidth_gbps",
             "cpu.latency_by_batch": "latency_by_batch"}
    for p in probes[k + 1:]:
        assert later.get(p.name) not in report.cpu, p.name


def test_cancel_stops_the_bandwidth_probe_itself():
    """Not only does the runner return: the probe's thread stops too (page touching included)."""
    started = threading.Event()
    probes = [_signal_on_start(Probe("bw", cpu.probe_memory_bandwidth, 30.0), started)]
    report = _cancel_when(started, quick=False, probes=probes)
    assert report.cancelled
    for _ in range(600):  # the thread is left to finish its current chunk; a hang fails here
        if not [t for t in threading.enumerate() if t.name == "probe-bw"]:
            break
        time.sleep(0.1)
    assert not [t for t in threading.enumerate() if t.name == "probe-bw"]


def test_failing_probe_is_reported_and_the_others_still_run():
    def boom(ctx):
        raise RuntimeError("sensor on fire")

    probes = [Probe("boom", boom, 0.1), Probe("cpu.matmul_fp32", cpu.probe_matmul_fp32, 0.4)]
    report = run_probes(True, probes=probes)
    assert report.errors == [{"probe": "boom", "kind": "error", "message": "RuntimeError: sensor on fire"}]
    assert report.cpu["matmul_fp32_gflops"] > 0
    assert not report.cancelled


def test_hung_probe_times_out_instead_of_hanging():
    release = threading.Event()
    probes = [Probe("hang", lambda ctx: release.wait(60), 0.2), Probe("fast", lambda ctx: {"x": 1.0}, 0.1)]
    report = run_probes(True, probes=probes, timeout_s=1.0)  # returns: a hang would never get here
    release.set()
    assert report.errors[0]["probe"] == "hang" and report.errors[0]["kind"] == "timeout"
    assert report.errors[1] == {"probe": "fast", "kind": "timeout",
                                "message": "not run: the run's 1 s limit was reached"}


def test_efficiency_against_a_catalog_row():
    cat = load_catalog()
    row = cat.row("epyc-9654")
    machine = {"hostname": "lab-1", "cpu": {"brand": "AMD EPYC 9654 96-Core Processor", "catalog_id": "epyc-9654"},
               "memory_gb": 768.0, "gpus": []}
    probes = [Probe("detect", lambda ctx: machine, 0.1, target="machine"),
              Probe("figures", lambda ctx: {"matmul_fp32_gflops": 3685.0, "memory_bandwidth_gbps": 345.6}, 0.1)]
    d = run_probes(True, probes=probes, catalog=cat).to_dict()
    assert d["cpu"]["efficiency"] == {"fp32": pytest.approx(3685.0 / (row["fp32_tflops"] * 1000), abs=1e-4),
                                      "memory_bandwidth": pytest.approx(345.6 / row["memory_bandwidth_gbps"], abs=1e-4)}
    assert d["efficiency"]["cpu"] == d["cpu"]["efficiency"]
    cal = calibration_from_report(d, row)
    assert cal.device_id == "epyc-9654"
    assert cal.compute_efficiency == {"fp32": pytest.approx(0.5, abs=1e-3)}
    assert cal.bandwidth_efficiency == pytest.approx(0.75, abs=1e-3)
    assert "lab-1" in cal.source


def test_efficiency_from_detected_peak_without_catalog_row():
    machine = {"hostname": "h", "cpu": {"brand": "Some CPU", "peak_gflops_fp32": 200.0}, "gpus": []}
    probes = [Probe("detect", lambda ctx: machine, 0.1, target="machine"),
              Probe("figures", lambda ctx: {"matmul_fp32_gflops": 150.0}, 0.1)]
    d = run_probes(True, probes=probes).to_dict()
    assert d["cpu"]["efficiency"] == {"fp32": 0.75}
    assert d["cpu"]["peak_source"] == "theoretical peak from detection"


def test_gpu_calibration_from_h200_reference_figures():
    """The H200 figures of shared/fixtures/README.md give the expected fractions."""
    cat = load_catalog()
    h200 = [r for r in cat.rows if r["kind"] == "gpu" and "h200" in r["id"]]
    if not h200:
        pytest.fail("no H200 row in the built-in catalog: the test's premise is gone")
    row = h200[0]
    report = {"cpu": {}, "gpus": [{"index": 0, "name": "NVIDIA H200", "catalog_id": row["id"],
                                   "matmul_tflops": {"bf16": 791.0, "fp32": 51.0, "fp8": 1435.0},
                                   "memory_bandwidth_gbps": 4271.0}]}
    cal = calibration_from_report(report, row)
    assert cal.compute_efficiency["bf16"] == pytest.approx(791.0 / row["bf16_tflops"], abs=1e-3)
    assert cal.bandwidth_efficiency == pytest.approx(4271.0 / row["memory_bandwidth_gbps"], abs=1e-3)
    with pytest.raises(BadInput, match="no figures measured on"):
        calibration_from_report({"cpu": {}, "gpus": []}, row)


def test_a_peak_at_the_reported_clock_says_the_cores_may_boost_past_it():
    """A VM that reports only its 2.6 GHz base clock: 196 GFLOP/s is 118% of that peak, and the
    report says why such a figure is possible rather than leaving '118% of peak' unexplained."""
    machine = {"hostname": "h", "cpu": {"brand": "AMD EPYC", "peak_gflops_fp32": 166.2, "peak_clock_ghz": 2.596,
                                        "peak_clock_source": "highest reported clock"}, "gpus": []}
    probes = [Probe("detect", lambda ctx: machine, 0.1, target="machine"),
              Probe("figures", lambda ctx: {"matmul_fp32_gflops": 196.0}, 0.1)]
    d = run_probes(True, probes=probes).to_dict()
    assert d["cpu"]["efficiency"] == {"fp32": 1.1793}
    assert d["cpu"]["peak_source"] == ("theoretical peak from detection at the reported 2.60 GHz clock "
                                       "(no boost clock reported; the cores may run faster)")
    machine["cpu"]["peak_clock_source"] = "max boost"
    assert run_probes(True, probes=probes).to_dict()["cpu"]["peak_source"] == "theoretical peak from detection"
