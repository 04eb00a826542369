"""GPU probes through PyTorch (preferred) or CuPy, only when one is already installed and an
NVIDIA GPU is present. Nothing is ever downloaded or required.

Per GPU: dense matmul TFLOP/s for each precision the device supports (fp32, tf32, bf16, fp16,
fp8, int8), device memory copy bandwidth (read + write), host-to-device bandwidth from pinned
memory, latency against batch size of a bf16 MLP block, and board power sampled through NVML
in a background thread during each matmul, giving energy per TFLOP.

All work runs in short chunks (tens of ms, synchronised) with `ctx.check()` between them. A
sub-step that fails (an unsupported precision, out of memory) is recorded in the run's errors
and the others go on.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import statistics
import threading
import time

from advisor.probes.errors import ProbeCancelled, ProbeTimeout

log = logging.getLogger(__name__)

BUDGET_QUICK_S = 12.0
BUDGET_FULL_S = 40.0
CHUNK_S = 0.05
BATCHES = (1, 8, 32, 256)
MLP_D = 4096  # 4096 -> 16384 -> 4096, as in shared/fixtures/README.md


def gpu_library() -> str | None:
    """'torch' or 'cupy' when installed (found, not imported), else None."""
    for name in ("torch", "cupy"):
        try:
            if importlib.util.find_spec(name) is not None:
                return name
        except (ImportError, ValueError):
            continue
    return None


def nvidia_gpu_count() -> int:
    """GPUs NVML sees (0 when there is no driver or no NVML)."""
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            return int(pynvml.nvmlDeviceGetCount())
        finally:
            pynvml.nvmlShutdown()
    except Exception:
        return 0


def gpu_probe_possible() -> bool:
    """A GPU library is installed and an NVIDIA GPU answers (cheap; imports no GPU library)."""
    return gpu_library() is not None and nvidia_gpu_count() > 0


class PowerSampler:
    """Samples board power (W) through NVML in a background thread between start() and stop().

    The energy counter (Volta and later) is read too; when present it gives the energy of the
    window directly.
    """

    def __init__(self, handle, interval_s: float = 0.02):
        self._handle = handle
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples: list[tuple[float, float]] = []
        self._energy0 = None
        self.energy_j: float | None = None
        self.elapsed_s = 0.0

    def _energy_mj(self):
        import pynvml

        try:
            return pynvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)
        except Exception:
            return None

    def _run(self) -> None:
        import pynvml

        while not self._stop.is_set():
            try:
                self.samples.append((time.perf_counter(), pynvml.nvmlDeviceGetPowerUsage(self._handle) / 1000.0))
            except Exception:
                return
            self._stop.wait(self._interval)

    def start(self) -> PowerSampler:
        self._t0 = time.perf_counter()
        self._energy0 = self._energy_mj()
        self._thread = threading.Thread(target=self._run, name="nvml-power", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        self.elapsed_s = time.perf_counter() - self._t0
        e1 = self._energy_mj()
        if self._energy0 is not None and e1 is not None and e1 > self._energy0:
            self.energy_j = (e1 - self._energy0) / 1000.0

    def average_w(self) -> float | None:
        """Mean power over the second half of the window (the first half includes ramp-up)."""
        if not self.samples:
            return None
        t_mid = self.samples[0][0] + (self.samples[-1][0] - self.samples[0][0]) / 2
        late = [w for t, w in self.samples if t >= t_mid] or [w for _, w in self.samples]
        return sum(late) / len(late)


class _Nvml:
    """NVML for power sampling: initialised once per probe run, handles looked up by UUID."""

    def __init__(self):
        self.ok = False
        try:
            import pynvml

            pynvml.nvmlInit()
            self.ok = True
        except Exception as e:
            log.info("NVML unavailable for power sampling: %s", e)

    def handle(self, uuid: str | None, index: int):
        if not self.ok:
            return None
        import pynvml

        if uuid:
            for cand in (uuid, f"GPU-{uuid}"):
                try:
                    return pynvml.nvmlDeviceGetHandleByUUID(cand)
                except Exception:
                    continue
        if not os.environ.get("CUDA_VISIBLE_DEVICES"):
            try:
                return pynvml.nvmlDeviceGetHandleByIndex(index)
            except Exception:
                return None
        return None

    def close(self) -> None:
        if self.ok:
            import pynvml

            try:
                pynvml.nvmlShutdown()
            except Exception:
                pass


def _timed_rate(ctx, fn, work: float, sync, budget_s: float, power_handle=None) -> dict:
    """Run `fn` in synchronised chunks of ~CHUNK_S for `budget_s`; best chunk rate (work/s)
    and, with a power handle, the average power and energy per unit of work."""
    fn()
    sync()
    t = time.perf_counter()
    fn()
    sync()
    one = max(time.perf_counter() - t, 1e-6)
    k = max(1, int(CHUNK_S / one))
    sampler = PowerSampler(power_handle).start() if power_handle is not None else None
    best, total_work, t_start = 0.0, 0.0, time.perf_counter()
    end = t_start + budget_s
    try:
        while True:
            ctx.check()
            t = time.perf_counter()
            for _ in range(k):
                fn()
            sync()
            dt = time.perf_counter() - t
            best = max(best, k * work / dt)
            total_work += k * work
            if time.perf_counter() >= end or ctx.time_left() <= 0:
                break
    finally:
        if sampler is not None:
            sampler.stop()
    elapsed = time.perf_counter() - t_start
    result = {"best": best, "average": total_work / elapsed if elapsed > 0 else 0.0}
    if sampler is not None:
        avg_w = sampler.average_w()
        if avg_w is not None:
            result["power_w"] = avg_w
        if sampler.energy_j is not None and total_work > 0:
            result["energy_per_work_counter"] = sampler.energy_j / total_work
    return result


# ---------------------------------------------------------------- PyTorch


def _torch_matmul_cases(torch, dev, n: int, cap: tuple[int, int]):
    """(precision, setup) pairs; setup() returns the call to time. Built lazily so a failing
    precision only costs itself."""

    def dense(dtype, tf32: bool):
        def setup():
            torch.backends.cuda.matmul.allow_tf32 = tf32
            a = torch.randn(n, n, device=dev, dtype=torch.float32).to(dtype)
            b = torch.randn(n, n, device=dev, dtype=torch.float32).to(dtype)
            c = torch.empty(n, n, device=dev, dtype=dtype)
            return lambda: torch.matmul(a, b, out=c)
        return setup

    cases = [("fp32", dense(torch.float32, False)), ("tf32", dense(torch.float32, True))]
    if cap >= (8, 0) and torch.cuda.is_bf16_supported():
        cases.append(("bf16", dense(torch.bfloat16, False)))
    cases.append(("fp16", dense(torch.float16, False)))
    if cap >= (8, 9) and hasattr(torch, "float8_e4m3fn") and hasattr(torch, "_scaled_mm"):
        def fp8():
            a = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn)
            b = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn).t()  # column-major, as cuBLASLt wants
            one = torch.ones((), device=dev, dtype=torch.float32)
            return lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        cases.append(("fp8", fp8))
    if cap >= (7, 5) and hasattr(torch, "_int_mm"):
        def int8():
            a = torch.randint(-8, 8, (n, n), device=dev, dtype=torch.int8)
            # Column-major B, as for fp8: cuBLASLt's int8 tensor-core kernels want the "TN"
            # layout; a row-major B took a slow path on the H200 (129 of 1979 TOP/s).
            b = torch.randint(-8, 8, (n, n), device=dev, dtype=torch.int8).t()
            return lambda: torch._int_mm(a, b)
        cases.append(("int8", int8))
    return cases


def _probe_torch_device(ctx, torch, index: int, nvml: _Nvml, budget_s: float) -> dict:
    dev = torch.device(f"cuda:{index}")
    torch.cuda.set_device(dev)
    props = torch.cuda.get_device_properties(index)
    cap = (props.major, props.minor)
    uuid = str(getattr(props, "uuid", "") or "") or None
    out: dict = {"index": index, "name": props.name, "library": f"torch {torch.__version__}",
                 "memory_gb": round(props.total_memory / 1e9, 1), "compute_capability": f"{cap[0]}.{cap[1]}"}
    if uuid:
        out["uuid"] = uuid if uuid.startswith("GPU-") else f"GPU-{uuid}"
    handle = nvml.handle(uuid, index)

    def sync():
        torch.cuda.synchronize(dev)

    n = 4096 if ctx.quick else 8192
    started = time.perf_counter()
    per = budget_s / 10  # shares: matmuls 6 (bf16 gets 1.5 of them), bandwidth 1, h2d 1, latency 2
    tflops, power = {}, {}
    prev_tf32 = torch.backends.cuda.matmul.allow_tf32
    cases = _torch_matmul_cases(torch, dev, n, cap)
    try:
        for i, (prec, setup) in enumerate(cases):
            ctx.check()
            try:
                fn = setup()
                share = per * 6 / len(cases) * (1.5 if prec == "bf16" else 1.0)
                r = _timed_rate(ctx, fn, 2.0 * n**3, sync, share, handle)
                tflops[prec] = round(r["best"] / 1e12, 2)
                if "power_w" in r and r["average"] > 0:
                    avg_tflops = r["average"] / 1e12
                    power[prec] = {"power_w": round(r["power_w"], 1),
                                   "energy_j_per_tflop": round(r["power_w"] / avg_tflops, 4),
                                   "tflop_per_joule": round(avg_tflops / r["power_w"], 4)}
                    if "energy_per_work_counter" in r:
                        power[prec]["energy_j_per_tflop_counter"] = round(r["energy_per_work_counter"] * 1e12, 4)
            except ctx_errors():
                raise
            except Exception as e:
                ctx.error(f"gpu{index}.matmul_{prec}", e)
            finally:
                fn = None
                torch.cuda.empty_cache()
            ctx.progress(0.6 * (i + 1) / len(cases), f"GPU {index} matmul {prec}")
    finally:
        torch.backends.cuda.matmul.allow_tf32 = prev_tf32
    out["matmul_tflops"] = tflops
    if power:
        out["power_by_precision"] = power
        headline = power.get("bf16") or power.get("fp16") or next(iter(power.values()))
        out["power_w_under_matmul"] = headline["power_w"]
        out["energy_j_per_tflop"] = headline["energy_j_per_tflop"]
        out["tflop_per_joule"] = headline["tflop_per_joule"]

    # device memory bandwidth: copy, read + write bytes
    ctx.check()
    with _substep(ctx, f"gpu{index}.memory_bandwidth"):
        nbytes = (256 if ctx.quick else 1024) * 2**20
        src = torch.ones(nbytes // 4, device=dev, dtype=torch.float32)
        dst = torch.empty_like(src)
        r = _timed_rate(ctx, lambda: dst.copy_(src), 2.0 * nbytes, sync, per)
        out["memory_bandwidth_gbps"] = round(r["best"] / 1e9, 1)
        src = dst = None
    torch.cuda.empty_cache()
    ctx.progress(0.7, f"GPU {index} memory bandwidth")

    # host -> device, from pinned memory
    ctx.check()
    with _substep(ctx, f"gpu{index}.host_to_device"):
        nbytes = 256 * 2**20
        host = torch.ones(nbytes // 4, dtype=torch.float32).pin_memory()
        dst = torch.empty(nbytes // 4, device=dev, dtype=torch.float32)
        r = _timed_rate(ctx, lambda: dst.copy_(host, non_blocking=True), float(nbytes), sync, per)
        out["host_to_device_gbps"] = round(r["best"] / 1e9, 2)
        host = dst = None
    torch.cuda.empty_cache()
    ctx.progress(0.8, f"GPU {index} host-to-device")

    # latency against batch: one MLP block d -> 4d -> d
    ctx.check()
    with _substep(ctx, f"gpu{index}.latency_by_batch"):
        dtype = torch.bfloat16 if "bf16" in tflops else torch.float16
        d = MLP_D
        w1 = torch.randn(d, 4 * d, device=dev, dtype=dtype) * 0.02
        w2 = torch.randn(4 * d, d, device=dev, dtype=dtype) * 0.02
        batches = BATCHES if ctx.quick else (*BATCHES, 2048)
        lat_out = {}
        remaining = max(per * 2, 0.5)
        for j, batch in enumerate(batches):
            x = torch.randn(batch, d, device=dev, dtype=dtype)

            def block(_x=x):
                return torch.nn.functional.gelu(_x @ w1, approximate="tanh") @ w2

            for _ in range(3):
                block()
            sync()
            end = time.perf_counter() + remaining / (len(batches) - j) if remaining > 0 else 0
            times = []
            while not times or (time.perf_counter() < end and len(times) < 2000):
                if len(times) % 20 == 0:
                    ctx.check()
                t = time.perf_counter()
                block()
                sync()
                times.append(time.perf_counter() - t)
            remaining -= sum(times)
            lat = statistics.median(times)
            flops = batch * 2 * 2 * d * 4 * d
            entry = {"latency_ms": round(lat * 1e3, 4), "samples_per_s": round(batch / lat, 1),
                     "tflops": round(flops / lat / 1e12, 3)}
            peak = tflops.get("bf16" if dtype is torch.bfloat16 else "fp16")
            if peak:
                entry["utilisation"] = round(flops / lat / 1e12 / peak, 4)
            lat_out[str(batch)] = entry
        out["latency_by_batch"] = lat_out
        out["latency_model"] = {"kind": "transformer MLP block", "d_model": d, "d_ff": 4 * d,
                                "precision": "bf16" if dtype is torch.bfloat16 else "fp16"}
        w1 = w2 = None
    torch.cuda.empty_cache()
    out["probe_s"] = round(time.perf_counter() - started, 2)
    return out


@contextlib.contextmanager
def _substep(ctx, name: str):
    """One sub-step of a GPU probe: its failure (an unsupported precision, out of memory) is
    recorded under `name` and the probe goes on; cancel and timeout still end the probe."""
    try:
        yield
    except ctx_errors():
        raise
    except Exception as e:
        ctx.error(name, e)


def ctx_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that end a probe rather than one sub-step (cancel, hard timeout)."""
    return (ProbeCancelled, ProbeTimeout)


# ---------------------------------------------------------------- CuPy


def _probe_cupy_device(ctx, cp, index: int, nvml: _Nvml, budget_s: float) -> dict:
    import numpy as np

    with cp.cuda.Device(index) as device:
        props = cp.cuda.runtime.getDeviceProperties(index)
        name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
        out: dict = {"index": index, "name": name, "library": f"cupy {cp.__version__}",
                     "memory_gb": round(props["totalGlobalMem"] / 1e9, 1),
                     "compute_capability": f"{props['major']}.{props['minor']}"}
        handle = nvml.handle(None, index)
        sync = device.synchronize
        per = budget_s / 8
        n = 4096 if ctx.quick else 8192
        tflops, power = {}, {}
        for prec, dtype in (("fp32", cp.float32), ("fp16", cp.float16)):
            ctx.check()
            with _substep(ctx, f"gpu{index}.matmul_{prec}"):
                a = cp.random.standard_normal((n, n), dtype=cp.float32).astype(dtype)
                b = cp.random.standard_normal((n, n), dtype=cp.float32).astype(dtype)
                c = cp.empty((n, n), dtype=dtype)
                r = _timed_rate(ctx, lambda a=a, b=b, c=c: cp.matmul(a, b, out=c), 2.0 * n**3, sync, per * 2, handle)
                tflops[prec] = round(r["best"] / 1e12, 2)
                if "power_w" in r and r["average"] > 0:
                    avg = r["average"] / 1e12
                    power[prec] = {"power_w": round(r["power_w"], 1), "energy_j_per_tflop": round(r["power_w"] / avg, 4),
                                   "tflop_per_joule": round(avg / r["power_w"], 4)}
                del a, b, c
        out["matmul_tflops"] = tflops
        if power:
            out["power_by_precision"] = power
            headline = power.get("fp16") or next(iter(power.values()))
            out["power_w_under_matmul"] = headline["power_w"]
            out["energy_j_per_tflop"] = headline["energy_j_per_tflop"]
            out["tflop_per_joule"] = headline["tflop_per_joule"]
        ctx.check()
        with _substep(ctx, f"gpu{index}.memory_bandwidth"):
            nbytes = (256 if ctx.quick else 1024) * 2**20
            src = cp.ones(nbytes // 4, dtype=cp.float32)
            dst = cp.empty_like(src)
            r = _timed_rate(ctx, lambda: cp.copyto(dst, src), 2.0 * nbytes, sync, per)
            out["memory_bandwidth_gbps"] = round(r["best"] / 1e9, 1)
            src = dst = None
        ctx.check()
        with _substep(ctx, f"gpu{index}.host_to_device"):
            nbytes = 256 * 2**20
            mem = cp.cuda.alloc_pinned_memory(nbytes)
            host = np.frombuffer(mem, dtype=np.float32, count=nbytes // 4)
            host.fill(1.0)
            dst = cp.empty(nbytes // 4, dtype=cp.float32)
            r = _timed_rate(ctx, lambda: dst.set(host), float(nbytes), sync, per)
            out["host_to_device_gbps"] = round(r["best"] / 1e9, 2)
        cp.get_default_memory_pool().free_all_blocks()
        return out


# ---------------------------------------------------------------- entry


def probe_gpus(ctx) -> list[dict]:
    """Probe every visible GPU with the installed library; [] when none is usable."""
    lib = gpu_library()
    if lib is None:
        return []
    nvml = _Nvml()
    results: list[dict] = []
    try:
        if lib == "torch":
            import torch

            if not torch.cuda.is_available():
                ctx.error("gpu", f"PyTorch {torch.__version__} is installed but sees no CUDA GPU")
                return []
            count = torch.cuda.device_count()
            for i in range(count):
                ctx.check()
                budget = ctx.time_left() / (count - i)
                with _substep(ctx, f"gpu{i}"):
                    results.append(_probe_torch_device(ctx, torch, i, nvml, budget))
        else:
            import cupy as cp

            count = cp.cuda.runtime.getDeviceCount()
            for i in range(count):
                ctx.check()
                budget = ctx.time_left() / (count - i)
                with _substep(ctx, f"gpu{i}"):
                    results.append(_probe_cupy_device(ctx, cp, i, nvml, budget))
    finally:
        nvml.close()
    return results
