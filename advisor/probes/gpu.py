"""GPU probes through PyTorch (preferred) or CuPy, only when one is already installed and a GPU
is present: NVIDIA (CUDA), AMD (ROCm builds of PyTorch), Apple (MPS) or Intel (XPU). Nothing is
ever downloaded or required.

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
#: Untimed work before the first timed chunk: GPU clocks ramp up and kernels load.
WARMUP_S = 0.2
#: Timed chunks always taken, even when the budget is short (a median of fewer means nothing).
MIN_CHUNKS = 3
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
    """A GPU library is installed and a GPU answers: NVIDIA through NVML (cheap, imports no GPU
    library), else, with PyTorch installed, a ROCm, Apple MPS or Intel XPU device."""
    lib = gpu_library()
    if lib is None:
        return False
    if nvidia_gpu_count() > 0:
        return True
    if lib != "torch":
        return False
    try:
        import torch
    except Exception:  # a broken install is no GPU
        return False
    return bool(torch_backends(torch))


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
    """Run `fn` in synchronised chunks of ~CHUNK_S for `budget_s` after a warm-up; the median
    chunk rate (work/s) with its spread (`measure.robust_spread`), the best chunk, and, with a
    power handle, the average power and energy per unit of work."""
    from advisor.probes.measure import robust_spread

    t0 = time.perf_counter()
    fn()
    sync()
    while time.perf_counter() - t0 < WARMUP_S and ctx.time_left() > 0:  # clocks ramp up, kernels load
        fn()
        sync()
    t = time.perf_counter()
    fn()
    sync()
    one = max(time.perf_counter() - t, 1e-6)
    k = max(1, int(CHUNK_S / one))
    sampler = PowerSampler(power_handle).start() if power_handle is not None else None
    rates: list[float] = []
    total_work, t_start = 0.0, time.perf_counter()
    end = t_start + budget_s
    try:
        while True:
            ctx.check()
            t = time.perf_counter()
            for _ in range(k):
                fn()
            sync()
            dt = time.perf_counter() - t
            rates.append(k * work / dt)
            total_work += k * work
            if len(rates) >= MIN_CHUNKS and (time.perf_counter() >= end or ctx.time_left() <= 0):
                break
    finally:
        if sampler is not None:
            sampler.stop()
    elapsed = time.perf_counter() - t_start
    result = {"median": statistics.median(rates), "best": max(rates), "spread": robust_spread(rates),
              "chunks": len(rates), "average": total_work / elapsed if elapsed > 0 else 0.0}
    if sampler is not None:
        avg_w = sampler.average_w()
        if avg_w is not None:
            result["power_w"] = avg_w
        if sampler.energy_j is not None and total_work > 0:
            result["energy_per_work_counter"] = sampler.energy_j / total_work
    return result


# ---------------------------------------------------------------- PyTorch


class TorchBackend:
    """One PyTorch device family: NVIDIA CUDA, AMD ROCm (HIP builds use the "cuda" device
    type), Apple MPS or Intel XPU. Everything backend-specific the probe needs goes through it,
    so one probe body serves all four (and tests drive it with a torch-like fake).

    Attributes:
        kind: "cuda", "rocm", "mps" or "xpu".
        device_type: the torch device type ("cuda" for CUDA and ROCm).
    """

    def __init__(self, torch, kind: str):
        self.torch = torch
        self.kind = kind
        self.device_type = {"rocm": "cuda"}.get(kind, kind)
        self._mod = getattr(torch, self.device_type, None)

    def count(self) -> int:
        if self.kind == "mps":
            return 1
        return int(self._mod.device_count())

    def device(self, index: int):
        return self.torch.device("mps" if self.kind == "mps" else f"{self.device_type}:{index}")

    def select(self, index: int) -> None:
        if self.kind in ("cuda", "rocm", "xpu"):
            self._mod.set_device(index)

    def synchronize(self, dev) -> None:
        if self.kind == "mps":
            self.torch.mps.synchronize()
        else:
            self._mod.synchronize(dev)

    def empty_cache(self) -> None:
        fn = getattr(self._mod, "empty_cache", None) if self._mod is not None else None
        if fn is not None:
            fn()

    def describe(self, index: int) -> dict:
        """name, memory_gb, capability (CUDA: compute capability; ROCm: gcnArchName), uuid."""
        if self.kind == "mps":
            mem = getattr(self.torch.mps, "recommended_max_memory", None)
            return {"name": "Apple GPU (MPS)", "memory_gb": round(mem() / 1e9, 1) if mem else None,
                    "capability": None, "uuid": None, "cap": (0, 0)}
        props = self._mod.get_device_properties(index)
        cap = (int(getattr(props, "major", 0) or 0), int(getattr(props, "minor", 0) or 0))
        arch = getattr(props, "gcnArchName", None) if self.kind == "rocm" else None
        uuid = str(getattr(props, "uuid", "") or "") or None
        return {"name": str(props.name), "memory_gb": round(props.total_memory / 1e9, 1),
                "capability": arch or (f"{cap[0]}.{cap[1]}" if self.kind == "cuda" else None),
                "uuid": uuid, "cap": cap}

    def library(self) -> str:
        label = {"cuda": "CUDA", "rocm": "ROCm", "mps": "MPS", "xpu": "XPU"}[self.kind]
        return f"torch {self.torch.__version__} ({label})"

    def precisions(self, cap: tuple[int, int]) -> list[str]:
        """The matmul precisions worth timing on this backend (a failing one is recorded, not fatal)."""
        if self.kind == "mps":
            return ["fp32", "fp16", "bf16"]
        if self.kind == "xpu":
            return ["fp32", "bf16", "fp16"]
        precs = ["fp32"]
        if self.kind == "cuda":
            precs.append("tf32")
        bf16_ok = getattr(self._mod, "is_bf16_supported", lambda: False)()
        if (self.kind == "rocm" or cap >= (8, 0)) and bf16_ok:
            precs.append("bf16")
        precs.append("fp16")
        if self.kind == "cuda" and cap >= (8, 9) and hasattr(self.torch, "float8_e4m3fn") and hasattr(self.torch, "_scaled_mm"):
            precs.append("fp8")
        if self.kind == "cuda" and cap >= (7, 5) and hasattr(self.torch, "_int_mm"):
            precs.append("int8")
        return precs

    @property
    def has_pinned_copies(self) -> bool:
        """Host-to-device from pinned memory means something (discrete memory) and works."""
        return self.kind in ("cuda", "rocm")

    @property
    def has_nvml(self) -> bool:
        return self.kind == "cuda"


def torch_backends(torch) -> list[TorchBackend]:
    """The device families this PyTorch build can use here, in order of preference."""
    out = []
    cuda = getattr(torch, "cuda", None)
    try:
        if cuda is not None and cuda.is_available():
            out.append(TorchBackend(torch, "rocm" if getattr(getattr(torch, "version", None), "hip", None) else "cuda"))
    except Exception as e:  # a broken driver: no CUDA
        log.info("torch.cuda unavailable: %s", e)
    try:
        mps = getattr(getattr(torch, "backends", None), "mps", None)
        if mps is not None and mps.is_available():
            out.append(TorchBackend(torch, "mps"))
    except Exception as e:
        log.info("torch MPS unavailable: %s", e)
    try:
        xpu = getattr(torch, "xpu", None)
        if xpu is not None and xpu.is_available():
            out.append(TorchBackend(torch, "xpu"))
    except Exception as e:
        log.info("torch XPU unavailable: %s", e)
    return out


def _torch_matmul_case(backend: TorchBackend, prec: str, dev, n: int):
    """setup() for one precision: builds the operands and returns the call to time."""
    torch = backend.torch
    dtypes = {"fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}

    def dense():
        if backend.kind == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
        dtype = dtypes[prec]
        a = torch.randn(n, n, device=dev, dtype=torch.float32).to(dtype)
        b = torch.randn(n, n, device=dev, dtype=torch.float32).to(dtype)
        c = torch.empty(n, n, device=dev, dtype=dtype)
        return lambda: torch.matmul(a, b, out=c)

    def fp8():
        a = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn)
        b = torch.randn(n, n, device=dev).to(torch.float8_e4m3fn).t()  # column-major, as cuBLASLt wants
        one = torch.ones((), device=dev, dtype=torch.float32)
        return lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)

    def int8():
        a = torch.randint(-8, 8, (n, n), device=dev, dtype=torch.int8)
        # Column-major B, as for fp8: cuBLASLt's int8 tensor-core kernels want the "TN"
        # layout; a row-major B took a slow path on the H200 (129 of 1979 TOP/s).
        b = torch.randint(-8, 8, (n, n), device=dev, dtype=torch.int8).t()
        return lambda: torch._int_mm(a, b)

    return {"fp8": fp8, "int8": int8}.get(prec, dense)


def _probe_torch_device(ctx, backend: TorchBackend, index: int, nvml: _Nvml | None, budget_s: float,
                        sizes: dict | None = None) -> dict:
    """All figures of one device. `sizes` (tests with a CPU stand-in for torch) overrides the
    problem sizes: {"n": matmul size, "d": MLP width, "copy_mb": copy size}."""
    sizes = sizes or {}
    torch = backend.torch
    dev = backend.device(index)
    backend.select(index)
    info = backend.describe(index)
    cap = info["cap"]
    out: dict = {"index": index, "name": info["name"], "library": backend.library(), "backend": backend.kind,
                 "memory_gb": info["memory_gb"]}
    if info["capability"]:
        out["compute_capability" if backend.kind == "cuda" else "architecture"] = info["capability"]
    uuid = info["uuid"]
    if uuid:
        out["uuid"] = uuid if uuid.startswith("GPU-") else f"GPU-{uuid}"
    handle = nvml.handle(uuid, index) if (nvml is not None and backend.has_nvml) else None

    def sync():
        backend.synchronize(dev)

    n = sizes.get("n") or (4096 if ctx.quick else 8192)
    started = time.perf_counter()
    per = budget_s / 10  # shares: matmuls 6 (bf16 gets 1.5 of them), bandwidth 1, h2d 1, latency 2
    tflops, power, measurements = {}, {}, {}
    prev_tf32 = torch.backends.cuda.matmul.allow_tf32 if backend.kind == "cuda" else None
    precs = backend.precisions(cap)
    try:
        for i, prec in enumerate(precs):
            ctx.check()
            fn = None
            try:
                fn = _torch_matmul_case(backend, prec, dev, n)()
                share = per * 6 / len(precs) * (1.5 if prec == "bf16" else 1.0)
                r = _timed_rate(ctx, fn, 2.0 * n**3, sync, share, handle)
                tflops[prec] = round(r["median"] / 1e12, 2)
                measurements[f"matmul_tflops.{prec}"] = _sample(r, 1e12)
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
                backend.empty_cache()
            ctx.progress(0.6 * (i + 1) / len(precs), f"GPU {index} matmul {prec}")
    finally:
        if prev_tf32 is not None:
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
        nbytes = (sizes.get("copy_mb") or (256 if ctx.quick else 1024)) * 2**20
        src = torch.ones(nbytes // 4, device=dev, dtype=torch.float32)
        dst = torch.empty_like(src)
        r = _timed_rate(ctx, lambda: dst.copy_(src), 2.0 * nbytes, sync, per)
        out["memory_bandwidth_gbps"] = round(r["median"] / 1e9, 1)
        measurements["memory_bandwidth_gbps"] = _sample(r, 1e9)
        src = dst = None
    backend.empty_cache()
    ctx.progress(0.7, f"GPU {index} memory bandwidth")

    # host -> device, from pinned memory (discrete GPUs; Apple's unified memory has no such copy)
    if backend.has_pinned_copies:
        ctx.check()
        with _substep(ctx, f"gpu{index}.host_to_device"):
            nbytes = (sizes.get("copy_mb") or 256) * 2**20
            host = torch.ones(nbytes // 4, dtype=torch.float32).pin_memory()
            dst = torch.empty(nbytes // 4, device=dev, dtype=torch.float32)
            r = _timed_rate(ctx, lambda: dst.copy_(host, non_blocking=True), float(nbytes), sync, per)
            out["host_to_device_gbps"] = round(r["median"] / 1e9, 2)
            measurements["host_to_device_gbps"] = _sample(r, 1e9)
            host = dst = None
        backend.empty_cache()
    ctx.progress(0.8, f"GPU {index} host-to-device")

    # latency against batch: one MLP block d -> 4d -> d
    ctx.check()
    with _substep(ctx, f"gpu{index}.latency_by_batch"):
        dtype = torch.bfloat16 if "bf16" in tflops else torch.float16
        d = sizes.get("d") or MLP_D
        w1 = torch.randn(d, 4 * d, device=dev, dtype=dtype) * 0.02
        w2 = torch.randn(4 * d, d, device=dev, dtype=dtype) * 0.02
        batches = BATCHES if ctx.quick else (*BATCHES, 2048)
        lat_out = {}
        remaining = max(per * 2, 0.5)
        from advisor.probes.measure import robust_spread

        for j, batch in enumerate(batches):
            x = torch.randn(batch, d, device=dev, dtype=dtype)

            def block(_x=x):
                return torch.nn.functional.gelu(_x @ w1, approximate="tanh") @ w2

            for _ in range(3):
                block()
            sync()
            end = time.perf_counter() + remaining / (len(batches) - j) if remaining > 0 else 0
            times = []
            while len(times) < 3 or (time.perf_counter() < end and len(times) < 2000):
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
                     "tflops": round(flops / lat / 1e12, 3), "repeats": len(times),
                     "spread": round(robust_spread(times), 4)}
            peak = tflops.get("bf16" if dtype is torch.bfloat16 else "fp16")
            if peak:
                entry["utilisation"] = round(flops / lat / 1e12 / peak, 4)
            lat_out[str(batch)] = entry
        out["latency_by_batch"] = lat_out
        bytes_per = 2
        out["latency_model"] = {"kind": "transformer MLP block", "d_model": d, "d_ff": 4 * d,
                                "precision": "bf16" if dtype is torch.bfloat16 else "fp16",
                                "weight_bytes": 2 * d * 4 * d * bytes_per}
        w1 = w2 = None
    backend.empty_cache()
    out["measurements"] = measurements
    out["probe_s"] = round(time.perf_counter() - started, 2)
    return out


def _sample(r: dict, scale: float) -> dict:
    """A `_timed_rate` result as a measurement record (as the CPU probes report them)."""
    return {"median": round(r["median"] / scale, 3), "spread": round(r["spread"], 4), "reps": r["chunks"],
            "max": round(r["best"] / scale, 3)}


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
                tflops[prec] = round(r["median"] / 1e12, 2)
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
            out["memory_bandwidth_gbps"] = round(r["median"] / 1e9, 1)
            src = dst = None
        ctx.check()
        with _substep(ctx, f"gpu{index}.host_to_device"):
            nbytes = 256 * 2**20
            mem = cp.cuda.alloc_pinned_memory(nbytes)
            host = np.frombuffer(mem, dtype=np.float32, count=nbytes // 4)
            host.fill(1.0)
            dst = cp.empty(nbytes // 4, dtype=cp.float32)
            r = _timed_rate(ctx, lambda: dst.set(host), float(nbytes), sync, per)
            out["host_to_device_gbps"] = round(r["median"] / 1e9, 2)
        cp.get_default_memory_pool().free_all_blocks()
        return out


# ---------------------------------------------------------------- entry


def probe_torch_backends(ctx, backends: list[TorchBackend], nvml: _Nvml | None = None,
                         sizes: dict | None = None) -> list[dict]:
    """Probe every device of every backend, sharing the probe's time between them."""
    devices = [(b, i) for b in backends for i in range(b.count())]
    results = []
    for k, (backend, i) in enumerate(devices):
        ctx.check()
        budget = ctx.time_left() / (len(devices) - k)
        with _substep(ctx, f"gpu{i}" if len(backends) == 1 else f"{backend.kind}{i}"):
            results.append(_probe_torch_device(ctx, backend, i, nvml, budget, sizes))
    return results


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

            backends = torch_backends(torch)
            if not backends:
                ctx.error("gpu", f"PyTorch {torch.__version__} is installed but sees no GPU (CUDA, ROCm, MPS or XPU)")
                return []
            results = probe_torch_backends(ctx, backends, nvml)
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
