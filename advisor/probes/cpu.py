"""CPU probes through numpy: BLAS matmul throughput, STREAM-style memory bandwidth, and the
latency/throughput of a transformer MLP block against batch size.

Every figure follows `advisor.probes.measure`: untimed warm-up (BLAS threads start, pages
fault in, clocks ramp up), then timed repetitions until the spread settles or the budget
ends; the figure is the median and its spread is reported next to it
(`measurements[figure]`). Quick and full runs time the same problem sizes, so they measure
the same thing; the full run only takes more repetitions. Every timed call is short (well
under 0.5 s) and `ctx.check()` runs between calls, so a cancel takes effect quickly.
BLAS uses its default thread count (all cores); the threads and clocks seen are recorded.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from advisor.probes.machine import usable_cpus
from advisor.probes.measure import repeat_until_settled

# seconds per probe
BUDGETS_QUICK = {"matmul_fp32": 1.2, "matmul_fp64": 1.0, "memory_bandwidth": 1.2, "latency_by_batch": 1.6}
BUDGETS_FULL = {"matmul_fp32": 5.0, "matmul_fp64": 5.0, "memory_bandwidth": 5.0, "latency_by_batch": 8.0}

#: One matmul call may take at most this long, so cancellation stays prompt.
MAX_CALL_S = 0.12
#: The matmul grows until one call takes at least this long (bigger problems run nearer peak)
#: or reaches MAX_MATMUL_N; the same ladder in quick and full runs.
MIN_CALL_S = MAX_CALL_S / 8
MAX_MATMUL_N = 2048
BATCHES = (1, 8, 32, 256)
#: Past its budget by this much, the latency probe measures no further batch sizes (the
#: runner abandons a probe GRACE_S = 3 s past its budget, losing everything it measured).
LATE_S = 1.0
MLP_HIDDEN = 1024  # d_model; the block is d -> 4d -> d, GELU in between
STREAM_ARRAY_BYTES = 256 * 2**20  # per array; STREAM asks for >= 4x the last-level cache
BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")


def timed(fn):
    """`fn` wrapped to return how long one call took, read from this module's `time` (so a test
    can stand a fake clock in for it and check the arithmetic without timing anything)."""
    def run() -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t
    return run


class CpuShareWatch:
    """How much of the CPUs this process may use went to someone else while a probe ran.

    The load average (sampled once, smoothed over a minute) misses short bursts and cannot see
    the hypervisor: on a VM, another tenant's work shows up only as *steal* time. So the probe
    reads the CPU time counters of its usable CPUs at its start and end (psutil, /proc/stat on
    Linux) and this process's own CPU time: what was busy, or stolen, beyond our own use was
    taken by others. Measured here: a quick run whose fp32 matmul came out at half the usual
    rate (102 vs 185 GFLOP/s, benchmarks/results/cpu_repeat_2vcpu_run_to_run.json) ran with a
    load average of 0.5: the load average could not tell.
    """

    def __init__(self):
        self.wall0 = time.perf_counter()
        self.own0 = _own_cpu_s()
        self.cpus0 = _cpu_times()

    def shares(self) -> dict:
        """{'others_cpu_share', 'steal_share'} as fractions of the usable CPUs' time since the
        start (rounded; empty where the OS gives no per-CPU counters)."""
        cpus1 = _cpu_times()
        wall = time.perf_counter() - self.wall0
        if self.cpus0 is None or cpus1 is None or wall <= 0:
            return {}
        capacity = wall * len(cpus1)
        busy = sum(b.busy - a.busy for a, b in zip(self.cpus0, cpus1))
        steal = sum(b.steal - a.steal for a, b in zip(self.cpus0, cpus1))
        own = _own_cpu_s() - self.own0
        # The counters tick at 100 Hz: a share over a probe of a second or two is +/- a few %.
        others = max(0.0, busy - own) + max(0.0, steal)
        return {"others_cpu_share": round(min(1.0, others / capacity), 3),
                "steal_share": round(min(1.0, max(0.0, steal) / capacity), 3)}


@dataclass(frozen=True)
class _CpuTime:
    busy: float
    steal: float


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def _cpu_times() -> list[_CpuTime] | None:
    """Busy and stolen seconds of each CPU this process may use (None where unknown)."""
    try:
        import psutil

        per = psutil.cpu_times(percpu=True)
    except Exception:  # psutil missing, or no per-CPU counters (some containers)
        return None
    try:
        usable = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = list(range(len(per)))
    out = []
    for i in usable:
        if i >= len(per):
            continue
        t = per[i]
        idle = t.idle + getattr(t, "iowait", 0.0)
        steal = getattr(t, "steal", 0.0)
        total = sum(t)
        guest = getattr(t, "guest", 0.0) + getattr(t, "guest_nice", 0.0)  # already inside user/nice
        out.append(_CpuTime(busy=total - guest - idle - steal, steal=steal))
    return out or None


def run_conditions(watch: CpuShareWatch | None = None) -> dict:
    """Threads and clocks while a probe runs: usable CPUs, BLAS thread settings the user made,
    the current core clock psutil reports (GHz; None where the OS does not say) and, given the
    `CpuShareWatch` started with the probe, how much CPU time others took meanwhile."""
    out: dict = {"threads": usable_cpus(),
                 "blas_env": {k: os.environ[k] for k in BLAS_THREAD_VARS if k in os.environ}}
    if watch is not None:
        out.update(watch.shares())
    try:  # how busy the machine was: a load above the thread count means shared cores
        out["load_avg_1min"] = round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # Windows has no load average
        pass
    try:
        import psutil

        f = psutil.cpu_freq()
        if f is not None:
            if f.current and f.current > 0:
                out["clock_ghz"] = round(f.current / 1000, 3)
            if f.max and f.max > 0:
                out["max_clock_ghz"] = round(f.max / 1000, 3)
    except Exception:  # psutil missing or no frequency interface (containers, VMs)
        pass
    return out


def _matmul(ctx, dtype, key: str) -> dict:
    """Median GFLOP/s of square matmuls at the size where one call takes ~MIN_CALL_S."""
    watch = CpuShareWatch()
    rng = np.random.default_rng(0)
    n = 256
    while True:
        ctx.check()
        a = rng.standard_normal((n, n), dtype=dtype)
        b = rng.standard_normal((n, n), dtype=dtype)
        c = np.empty((n, n), dtype=dtype)
        np.matmul(a, b, out=c)  # first touch
        ctx.check()
        dt = timed(lambda a=a, b=b, c=c: np.matmul(a, b, out=c))()
        if n >= MAX_MATMUL_N or dt >= MIN_CALL_S or dt * 8 > MAX_CALL_S:
            break
        n *= 2
    flops = 2.0 * n**3

    def progress():
        ctx.progress(1 - ctx.time_left() / ctx.budget_s)

    s = repeat_until_settled(ctx, timed(lambda: np.matmul(a, b, out=c)), flops / 1e9, after_rep=progress)
    return {f"{key}_gflops": round(s.median, 2), f"{key}_size": n,
            "measurements": {f"{key}_gflops": s.to_dict(2)}, "conditions": {key: run_conditions(watch)}}


def probe_matmul_fp32(ctx) -> dict:
    return _matmul(ctx, np.float32, "matmul_fp32")


def probe_matmul_fp64(ctx) -> dict:
    return _matmul(ctx, np.float64, "matmul_fp64")


def _available_bytes() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:
        return 4 * 2**30


def probe_memory_bandwidth(ctx) -> dict:
    """Copy bandwidth in the STREAM convention: bytes read + bytes written per second.

    Arrays are filled before timing so page faults are not measured. Two ways of copying are
    timed, one call over the whole array (one thread; large copies may use streaming stores)
    and the array split over all usable CPUs (threads; numpy releases the GIL while it copies);
    the larger median is the machine's figure, both are reported.
    """
    watch = CpuShareWatch()
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

    gb = 2 * n * 8 / 1e9
    samples = {}
    with ThreadPoolExecutor(max_workers=threads) as pool:
        variants = {
            "one_thread": lambda: np.copyto(dst, src),
            "all_threads": lambda: list(pool.map(_copy_part, parts)),
        }
        for i, (name, fn) in enumerate(variants.items()):
            share = ctx.time_left() / (len(variants) - i)
            samples[name] = repeat_until_settled(ctx, timed(fn), gb, budget_s=share, warmup_s=0.1)
            ctx.progress((i + 1) / len(variants))
    best = max(samples, key=lambda k: samples[k].median)
    return {
        "memory_bandwidth_gbps": round(samples[best].median, 2),
        "memory_bandwidth_detail": {
            "method": "copy, STREAM convention (read + write bytes)",
            "array_mb": round(n * 8 / 2**20, 1),
            "one_thread_gbps": round(samples["one_thread"].median, 2),
            "all_threads_gbps": round(samples["all_threads"].median, 2),
            "threads": threads,
            "used": best,
        },
        "measurements": {"memory_bandwidth_gbps": samples[best].to_dict(2)},
        "conditions": {"memory_bandwidth": run_conditions(watch)},
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
    batches fill them at the cost of latency. Each latency is the median of settled
    repetitions. Utilisation is against the measured fp32 matmul rate of this run when there
    is one."""
    watch = CpuShareWatch()
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
    measurements: dict[str, dict] = {}
    skipped: list[int] = []
    for i, batch in enumerate(BATCHES):
        ctx.check()
        if out and ctx.time_left() <= 0 and time.perf_counter() > ctx.deadline + LATE_S:
            skipped = list(BATCHES[i:])  # a starved machine: keep what was measured, before the hard timeout
            break
        x = rng.standard_normal((batch, d), dtype=np.float32)
        h = np.empty((batch, 4 * d), dtype=np.float32)
        tmp = np.empty_like(h)
        y = np.empty((batch, d), dtype=np.float32)

        def block(x=x, h=h, tmp=tmp, y=y):
            np.matmul(x, w1, out=h)
            _gelu_(h, tmp)
            np.matmul(h, w2, out=y)

        share = ctx.time_left() * weights[i] / sum(weights[i:]) if ctx.time_left() > 0 else 0.0
        # Once the budget is spent, the remaining (bigger) batches get one timed call each: the
        # figure is there, flagged as unsettled (too few repetitions), rather than lost.
        s = repeat_until_settled(ctx, timed(block), 1.0, budget_s=share, warmup_s=0.05, max_reps=500,
                                 floor_reps=1 if ctx.time_left() <= 0 else None)
        lat = 1.0 / s.median  # s is in calls per second
        gflops = batch * flops_per_sample / lat / 1e9
        entry = {"latency_ms": round(lat * 1e3, 4), "samples_per_s": round(batch / lat, 2),
                 "gflops": round(gflops, 2), "repeats": s.reps, "spread": round(s.spread, 4)}
        if isinstance(peak, (int, float)) and peak > 0:
            entry["utilisation"] = round(min(gflops / peak, 1.5), 4)
        out[str(batch)] = entry
        measurements[f"latency_by_batch.{batch}.latency_ms"] = {
            "median": entry["latency_ms"], "spread": round(s.spread, 4), "reps": s.reps,
            "min": round(1e3 / s.high, 4), "max": round(1e3 / s.low, 4) if s.low > 0 else None,
            "settled": s.settled, "warmup_s": round(s.warmup_s, 3)}
        ctx.progress(sum(weights[: i + 1]) / total_w, f"MLP block batch {batch}")
    if skipped:
        ctx.error("cpu.latency_by_batch", f"batches {', '.join(map(str, skipped))} not measured: the probe's time ran out")
    return {"latency_by_batch": out,
            "latency_model": {"kind": "transformer MLP block", "d_model": d, "d_ff": 4 * d,
                              "precision": "fp32", "flops_per_sample": flops_per_sample,
                              "weight_bytes": 2 * d * 4 * d * 4},
            "measurements": measurements, "conditions": {"latency_by_batch": run_conditions(watch)}}
