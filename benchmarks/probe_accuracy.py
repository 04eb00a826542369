"""How close the quick CPU probes come to independent numpy measurements on this machine.

A comparison of two timings, so it belongs here and not in the unit tests (a loaded 2-core CI
machine slows either side at random). `benchmarks/run.py --json` reports the ratios as
`probe_accuracy`; the unit tests check the probes' arithmetic with a fake clock instead.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def independent_matmul_gflops(seconds: float = 4.0) -> float:
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


def independent_copy_gbps() -> float:
    """Best copy bandwidth (read + write bytes) of np.copyto over 256 MB arrays, as one call
    and split over every CPU; whichever numpy reaches."""
    n = 32 * 2**20  # float64 elements = 256 MB
    a = np.ones(n)
    b = np.zeros(n)
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    spans = [(int(h[0]), int(h[-1]) + 1) for h in np.array_split(np.arange(n), threads)]
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


def probe_accuracy() -> dict:
    """probe / reference for the quick fp32 matmul and memory-bandwidth probes (1.0: equal)."""
    from advisor.probes import Probe, cpu, run_probes

    out = {}
    for name, fn, key, reference in (
        ("cpu.matmul_fp32", cpu.probe_matmul_fp32, "matmul_fp32_gflops", independent_matmul_gflops),
        ("cpu.memory_bandwidth", cpu.probe_memory_bandwidth, "memory_bandwidth_gbps", independent_copy_gbps),
    ):
        budget = cpu.BUDGETS_QUICK[name.removeprefix("cpu.")]
        measured = run_probes(True, probes=[Probe(name, fn, budget)]).cpu[key]
        out[f"{key}_vs_numpy"] = round(measured / reference(), 3)
    return out
