"""CPU probes: figures checked against independent numpy measurements written here, not
against the probe's own code; the quick run's duration and JSON fields."""

from __future__ import annotations

import json
import threading
import time

import pytest

from advisor.probes import run_probes


@pytest.fixture(scope="module")
def quick_report():
    t = time.perf_counter()
    report = run_probes(quick=True)
    return report, time.perf_counter() - t


class _FakeClock:
    """Stands in for the probe module's `time`: each reading is `step` seconds after the last,
    so every timed call "takes" exactly `step` and the probe's figure follows from its
    arithmetic alone (no timing, nothing a loaded machine can change)."""

    def __init__(self, step: float):
        self.step, self.now = step, 0.0

    def perf_counter(self) -> float:
        self.now += self.step
        return self.now


def test_quick_run_is_planned_for_10_seconds_and_complete(quick_report):
    """The quick run's budgets add up to under 10 s (its measured duration is a benchmark
    figure, probe_quick_s: no timing asserts in unit tests)."""
    from advisor.probes import cpu

    report, _elapsed = quick_report
    assert sum(cpu.BUDGETS_QUICK.values()) < 10.0
    assert report.errors == []
    assert not report.cancelled
    d = report.to_dict()
    json.dumps(d, allow_nan=False)  # serialisable as is
    cpu = d["cpu"]
    for key in ("matmul_fp32_gflops", "matmul_fp64_gflops", "memory_bandwidth_gbps"):
        assert isinstance(cpu[key], float) and cpu[key] > 0, key
    assert set(cpu["latency_by_batch"]) == {"1", "8", "32", "256"}
    assert d["gpus"] == [] or all("matmul_tflops" in g for g in d["gpus"])
    assert d["duration_s"] > 0 and d["quick"] is True
    assert len(d["fingerprint"]) == 16 and d["machine"]["hostname"]


def _context(monkeypatch, name: str, budget_s: float, step: float | None = None, results: dict | None = None):
    """A real ProbeContext, outside any run (no timeout thread); with `step`, the probe module
    and the context read one fake clock, so budgets and timings are fake seconds."""
    from advisor.probes import cpu, runner

    if step is not None:
        clock = _FakeClock(step)
        monkeypatch.setattr(cpu, "time", clock)
        monkeypatch.setattr(runner, "time", clock)
    return runner.ProbeContext(name, budget_s, True, threading.Event(), lambda f, m: None, results or {}, [])


def test_matmul_figure_is_two_n_cubed_flops_per_timed_call(monkeypatch):
    """Every timed matmul "takes" 20 ms on the fake clock: over MAX_CALL_S / 8, so the probe keeps
    the first size (256) and reports 2 x 256^3 FLOP / 20 ms. (How close the real figure comes
    to a long numpy run: benchmarks/probe_accuracy.py.)"""
    from advisor.probes import cpu

    out = cpu.probe_matmul_fp32(_context(monkeypatch, "cpu.matmul_fp32", 0.5, step=0.02))
    figure = round(2 * 256**3 / 0.02 / 1e9, 2)  # 1.68
    assert out["matmul_fp32_gflops"] == figure and out["matmul_fp32_size"] == 256
    # the median of settled repetitions: every one took 20 ms, so no spread
    m = out["measurements"]["matmul_fp32_gflops"]
    assert m["median"] == figure and m["spread"] == 0.0 and m["reps"] >= 3
    assert out["conditions"]["matmul_fp32"]["threads"] >= 1


def test_matmul_grows_the_size_while_calls_are_short(monkeypatch):
    """1 ms a call (fake): the size doubles up to the quick run's largest, 2048."""
    from advisor.probes import cpu

    out = cpu.probe_matmul_fp32(_context(monkeypatch, "cpu.matmul_fp32", 0.06, step=0.001))
    assert out["matmul_fp32_size"] == 2048
    assert out["matmul_fp32_gflops"] == round(2 * 2048**3 / 0.001 / 1e9, 2)


def _eventually(check, rounds=3):
    """Run a timing comparison up to `rounds` times; one quiet round must satisfy it (other
    processes on a 2-core machine can slow any single measurement)."""
    seen = []
    for _ in range(rounds):
        ok, what = check()
        seen.append(what)
        if ok:
            return True, seen
    return False, seen


def test_fp64_is_slower_than_fp32(quick_report):
    from advisor.probes import Probe, cpu

    def check(first=[quick_report[0]]):  # noqa: B006 - the module's quick run is round one
        report = first.pop() if first else run_probes(True, probes=[
            Probe("cpu.matmul_fp32", cpu.probe_matmul_fp32, cpu.BUDGETS_QUICK["matmul_fp32"]),
            Probe("cpu.matmul_fp64", cpu.probe_matmul_fp64, cpu.BUDGETS_QUICK["matmul_fp64"])])
        f32, f64 = report.cpu["matmul_fp32_gflops"], report.cpu["matmul_fp64_gflops"]
        return f64 < f32 * 0.8, (f32, f64)

    ok, seen = _eventually(check)
    assert ok, f"(fp32, fp64) GFLOP/s per round: {seen}"


def test_bandwidth_figure_counts_bytes_read_and_written(monkeypatch):
    """STREAM convention: a copy of n float64 that takes 10 ms (fake clock) is 2 x 8 n bytes
    per 10 ms, whichever copy variant ran. (Against a real numpy copy: benchmarks/.)"""
    from advisor.probes import cpu

    monkeypatch.setattr(cpu, "STREAM_ARRAY_BYTES", 8 * 2**20)  # n = 2**20 float64, quick to copy
    out = cpu.probe_memory_bandwidth(_context(monkeypatch, "cpu.memory_bandwidth", 0.2, step=0.01))
    detail = out["memory_bandwidth_detail"]
    assert detail["array_mb"] == 8.0
    expected = round(2 * 8 * 2**20 / 0.01 / 1e9, 2)  # 1.68 GB/s
    assert out["memory_bandwidth_gbps"] == expected
    assert detail["one_thread_gbps"] == detail["all_threads_gbps"] == expected


def test_batch_trade_off_is_visible(monkeypatch):
    """Small batches answer sooner; large batches do more work per second. The probe runs on
    its own, with no time-out (a busy machine can time a quick run out, and the figures with it), against
    a given matmul peak, and once: batch 256 is 256x the work of batch 1 and each figure is a
    median of many calls, so the factors compared hold however busy the machine is."""
    from advisor.probes import cpu, runner

    # No time-out: on an oversubscribed machine one batch-256 call can take seconds, and a run's
    # time-out (tested in tests/robustness/test_faults.py) would drop the figures under test.
    monkeypatch.setattr(runner, "GRACE_S", float("inf"))
    ctx = _context(monkeypatch, "cpu.latency_by_batch", cpu.BUDGETS_QUICK["latency_by_batch"],
                   results={"cpu": {"matmul_fp32_gflops": 50.0}})
    lat = cpu.probe_latency_by_batch(ctx)["latency_by_batch"]
    seen = {b: round(v["latency_ms"], 3) for b, v in lat.items()}
    assert list(lat) == ["1", "8", "32", "256"] and all("utilisation" in e for e in lat.values()), lat
    assert lat["1"]["latency_ms"] < lat["256"]["latency_ms"], seen
    assert lat["256"]["samples_per_s"] > 2 * lat["1"]["samples_per_s"], seen
    assert lat["1"]["utilisation"] < lat["256"]["utilisation"], seen


def test_progress_is_reported_and_ends_at_one():
    from advisor.probes import Probe, cpu

    seen: list[tuple[float, str]] = []
    lock = threading.Lock()

    def progress(frac, msg):
        with lock:
            seen.append((frac, msg))

    run_probes(True, progress, probes=[Probe("cpu.matmul_fp32", cpu.probe_matmul_fp32, 0.5)])
    fracs = [f for f, _ in seen]
    assert fracs and fracs[-1] == pytest.approx(1.0)
    assert all(0.0 <= f <= 1.0 for f in fracs)
    assert fracs == sorted(fracs)
