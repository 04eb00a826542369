"""CPU probes: figures checked against independent numpy measurements written here, not
against the probe's own code; the quick run's duration and JSON fields."""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from advisor.probes import run_probes


@pytest.fixture(scope="module")
def quick_report():
    t = time.perf_counter()
    report = run_probes(quick=True)
    return report, time.perf_counter() - t


def _independent_matmul_gflops(seconds: float = 4.0) -> float:
    """Best fp32 GFLOP/s over a long loop of plain np.dot at several sizes."""
    best = 0.0
    for n in (512, 1024, 2048):
        a = np.random.default_rng(5).random((n, n), dtype=np.float32)
        b = np.random.default_rng(6).random((n, n), dtype=np.float32)
        a @ b
        end = time.perf_counter() + seconds / 3
        while time.perf_counter() < end:
            t = time.perf_counter()
            np.dot(a, b)
            best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def _independent_copy_gbps() -> float:
    """Best copy bandwidth (read + write bytes) of np.copyto over 256 MB arrays, as one call
    and split over every CPU; whichever numpy reaches."""
    n = 32 * 2**20  # float64 elements = 256 MB
    a = np.ones(n)
    b = np.zeros(n)
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    halves = np.array_split(np.arange(n), threads)
    spans = [(int(h[0]), int(h[-1]) + 1) for h in halves]
    best = 0.0
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(15):
            t = time.perf_counter()
            np.copyto(b, a)
            best = max(best, 2 * a.nbytes / (time.perf_counter() - t) / 1e9)
            t = time.perf_counter()
            list(pool.map(lambda s: np.copyto(b[s[0]:s[1]], a[s[0]:s[1]]), spans))
            best = max(best, 2 * a.nbytes / (time.perf_counter() - t) / 1e9)
    return best


def test_quick_run_is_under_10_seconds_and_complete(quick_report):
    report, elapsed = quick_report
    assert elapsed < 10.0, f"quick probe took {elapsed:.1f} s"
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


def _agrees(probe_name, probe_fn, key, reference_fn, tolerance, rounds=3):
    """Probe and reference measured back to back, up to `rounds` times: a shared 2-core
    machine (CI, other processes) can slow either side, so one quiet round must agree."""
    from advisor.probes import Probe, cpu

    budget = cpu.BUDGETS_QUICK[probe_name.removeprefix("cpu.")]  # the quick run's own budget
    seen = []
    for _ in range(rounds):
        measured = run_probes(True, probes=[Probe(probe_name, probe_fn, budget)]).cpu[key]
        reference = reference_fn()
        seen.append((round(measured, 1), round(reference, 1)))
        if abs(measured - reference) / reference < tolerance:
            return True, seen
    return False, seen


def test_quick_matmul_within_20_percent_of_long_numpy_run():
    from advisor.probes import cpu

    ok, seen = _agrees("cpu.matmul_fp32", cpu.probe_matmul_fp32, "matmul_fp32_gflops", _independent_matmul_gflops, 0.20)
    assert ok, f"(probe, reference) GFLOP/s per round: {seen}"


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


def test_bandwidth_within_30_percent_of_independent_copy():
    from advisor.probes import cpu

    ok, seen = _agrees("cpu.memory_bandwidth", cpu.probe_memory_bandwidth, "memory_bandwidth_gbps",
                       _independent_copy_gbps, 0.30)
    assert ok, f"(probe, reference) GB/s per round: {seen}"


def test_batch_trade_off_is_visible(quick_report):
    """Small batches answer sooner; large batches do more work per second."""
    from advisor.probes import Probe, cpu

    def check(first=[quick_report[0]]):  # noqa: B006 - the module's quick run is round one
        report = first.pop() if first else run_probes(True, probes=[
            Probe("cpu.latency_by_batch", cpu.probe_latency_by_batch, cpu.BUDGETS_QUICK["latency_by_batch"])])
        lat = report.cpu["latency_by_batch"]
        ok = (lat["1"]["latency_ms"] < lat["256"]["latency_ms"]
              and lat["256"]["samples_per_s"] > 5 * lat["1"]["samples_per_s"]
              and lat["1"]["utilisation"] < lat["256"]["utilisation"])
        return ok, {b: round(v["latency_ms"], 2) for b, v in lat.items()}

    ok, seen = _eventually(check)
    assert ok, f"latency by batch per round: {seen}"


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
