"""CPU probes through numpy: BLAS matmul throughput, STREAM-style memory bandwidth, and the
latency/throughput of a transformer MLP block against batch size.

Every loop runs in short timed chunks (well under 0.5 s) and calls `ctx.check()` between them,
so a cancel takes effect quickly; each probe keeps its best-so-far figure when its budget ends.
BLAS uses its default thread count (all cores); environment such as OPENBLAS_CORETYPE is left
as the user set it.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from advisor.probes.machine import usable_cpus

# seconds per probe
BUDGETS_QUICK = {"matmul_fp32": 1.2, "matmul_fp64": 1.0, "memory_bandwidth": 1.2, "latency_by_batch": 1.6}
BUDGETS_FULL = {"matmul_fp32": 5.0, "matmul_fp64": 5.0, "memory_bandwidth": 5.0, "latency_by_batch": 8.0}

#: One matmul call may take at most this long, so cancellation stays prompt.
MAX_CALL_S = 0.12
BATCHES = (1, 8, 32, 256)
MLP_HIDDEN = 1024  # d_model; the block is d -> 4d -> d, GELU in between
STREAM_ARRAY_BYTES = 256 * 2**20  # per array; STREAM asks for >= 4x the last-level cache


def _matmul_gflops(ctx, dtype) -> dict:
    """Best GFLOP/s of square matmuls, growing the size until a call takes ~MAX_CALL_S/8..
    MAX_CALL_S (bigger problems run nearer peak), then best of repeats until the budget ends."""
    rng = np.random.default_rng(0)
    max_n = 2048 if ctx.quick else 4096
    best, best_n, n = 0.0, 0, 256
    calls = 0
    while True:
        ctx.check()
        a = rng.standard_normal((n, n), dtype=dtype)
        b = rng.standard_normal((n, n), dtype=dtype)
        c = np.empty((n, n), dtype=dtype)
        np.matmul(a, b, out=c)  # warm-up: BLAS threads, page faults, caches
        ctx.check()
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        dt = time.perf_counter() - t
        calls += 2
        rate = 2.0 * n**3 / dt / 1e9
        if rate > best:
            best, best_n = rate, n
        if n >= max_n or dt * 8 > MAX_CALL_S or ctx.time_left() < ctx.budget_s * 0.5:
            break
        n *= 2
    # repeats at the chosen size (the largest that fits), best of them
    while ctx.time_left() > 0:
        ctx.check()
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        dt = time.perf_counter() - t
        calls += 1
        rate = 2.0 * n**3 / dt / 1e9
        if rate > best:
            best, best_n = rate, n
        ctx.progress(1 - ctx.time_left() / ctx.budget_s)
    return {"gflops": round(best, 2), "size": best_n, "calls": calls}


def probe_matmul_fp32(ctx) -> dict:
    r = _matmul_gflops(ctx, np.float32)
    return {"matmul_fp32_gflops": r["gflops"], "matmul_fp32_size": r["size"]}


def probe_matmul_fp64(ctx) -> dict:
    r = _matmul_gflops(ctx, np.float64)
    return {"matmul_fp64_gflops": r["gflops"], "matmul_fp64_size": r["size"]}


def _available_bytes() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:
        return 4 * 2**30


def probe_memory_bandwidth(ctx) -> dict:
    """Copy bandwidth in the STREAM convention: bytes read + bytes written per second.

    Arrays are filled before timing so page faults are not measured. Two ways of copying are
    tried, one call over the whole array (one thread; large copies may use streaming stores)
    and the array split over all usable CPUs (threads; numpy releases the GIL while it copies);
    the best is the machine's figure, both are reported.
    """
    nbytes = min(STREAM_ARRAY_BYTES, _available_bytes() // 8)
    n = max(1, nbytes // 8)
    src = np.empty(n, dtype=np.float64)
    dst = np.empty(n, dtype=np.float64)
    step = 4 * 2**20  # elements (32 MB): touch every page before timing, in cancellable pieces
    for lo in range(0, n, step):
        ctx.check()
        src[lo:lo + step] = 1.0
        dst[lo:lo + step] = 0.0
    threads = usable_cpus()
    bounds = np.linspace(0, n, threads + 1, dtype=np.int64)
    parts = [(int(bounds[i]), int(bounds[i + 1])) for i in range(threads)]

    def _copy_part(lo_hi):
        lo, hi = lo_hi
        np.copyto(dst[lo:hi], src[lo:hi])

    best = {"one_thread": 0.0, "all_threads": 0.0}
    with ThreadPoolExecutor(max_workers=threads) as pool:
        variants = {
            "one_thread": lambda: np.copyto(dst, src),
            "all_threads": lambda: list(pool.map(_copy_part, parts)),
        }
        for fn in variants.values():  # warm-up (thread start, TLB)
            fn()
        reps = 0
        while ctx.time_left() > 0 or reps < 2:
            for name, fn in variants.items():
                ctx.check()
                t = time.perf_counter()
                fn()
                dt = time.perf_counter() - t
                best[name] = max(best[name], 2 * n * 8 / dt / 1e9)
            reps += 1
            ctx.progress(1 - ctx.time_left() / ctx.budget_s)
    return {
        "memory_bandwidth_gbps": round(max(best.values()), 2),
        "memory_bandwidth_detail": {
            "method": "copy, STREAM convention (read + write bytes)",
            "array_mb": round(n * 8 / 2**20, 1),
            "one_thread_gbps": round(best["one_thread"], 2),
            "all_threads_gbps": round(best["all_threads"], 2),
            "threads": threads,
        },
    }


def _gelu_(h: np.ndarray, tmp: np.ndarray) -> None:
    """tanh-approximated GELU, in place (as GPT-style MLP blocks use)."""
    np.multiply(h, h, out=tmp)
    tmp *= 0.044715
    tmp += 1.0
    tmp *= h
    tmp *= 0.7978845608
    np.tanh(tmp, out=tmp)
    tmp += 1.0
    h *= tmp
    h *= 0.5


def probe_latency_by_batch(ctx) -> dict:
    """Latency and throughput of one transformer MLP block (d -> 4d -> d, fp32) at batch 1, 8,
    32, 256: small batches answer fast but leave the cores mostly idle (low utilisation), large
    batches fill them at the cost of latency. Utilisation is against the measured fp32 matmul
    rate of this run when there is one."""
    d = MLP_HIDDEN
    rng = np.random.default_rng(1)
    w1 = rng.standard_normal((d, 4 * d), dtype=np.float32) * np.float32(0.02)
    w2 = rng.standard_normal((4 * d, d), dtype=np.float32) * np.float32(0.02)
    flops_per_sample = 2 * 2 * d * 4 * d
    peak = (ctx.results.get("cpu") or {}).get("matmul_fp32_gflops")
    # bigger batches cost more per call: give them more of the budget
    weights = [1, 1, 1.5, 3]
    total_w = sum(weights)
    out: dict[str, dict] = {}
    for i, batch in enumerate(BATCHES):
        ctx.check()
        x = rng.standard_normal((batch, d), dtype=np.float32)
        h = np.empty((batch, 4 * d), dtype=np.float32)
        tmp = np.empty_like(h)
        y = np.empty((batch, d), dtype=np.float32)

        def block(x=x, h=h, tmp=tmp, y=y):
            np.matmul(x, w1, out=h)
            _gelu_(h, tmp)
            np.matmul(h, w2, out=y)

        block()  # warm-up
        share = ctx.time_left() * weights[i] / sum(weights[i:]) if ctx.time_left() > 0 else 0.0
        end = time.perf_counter() + share
        times: list[float] = []
        while not times or (time.perf_counter() < end and len(times) < 500):
            ctx.check()
            t = time.perf_counter()
            block()
            times.append(time.perf_counter() - t)
        lat = statistics.median(times)
        gflops = batch * flops_per_sample / lat / 1e9
        entry = {"latency_ms": round(lat * 1e3, 4), "samples_per_s": round(batch / lat, 2),
                 "gflops": round(gflops, 2), "repeats": len(times)}
        if isinstance(peak, (int, float)) and peak > 0:
            entry["utilisation"] = round(min(gflops / peak, 1.5), 4)
        out[str(batch)] = entry
        ctx.progress(sum(weights[: i + 1]) / total_w, f"MLP block batch {batch}")
    return {"latency_by_batch": out,
            "latency_model": {"kind": "transformer MLP block", "d_model": d, "d_ff": 4 * d,
                              "precision": "fp32", "flops_per_sample": flops_per_sample}}
