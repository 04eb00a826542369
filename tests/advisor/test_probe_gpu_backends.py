"""The PyTorch GPU probe on Apple MPS, AMD ROCm and Intel XPU, driven by a torch-like stand-in
that computes with numpy on the CPU: the probe's own code runs end to end (backend detection,
synchronisation, precisions, copies, latency by batch), only the device is not a GPU.
Nothing here depends on how fast this machine is."""

from __future__ import annotations

import types

import numpy as np
import pytest

from advisor.probes import Probe, run_probes
from advisor.probes.gpu import probe_torch_backends, torch_backends

SMALL = {"n": 64, "d": 32, "copy_mb": 1}


class FakeTensor(np.ndarray):
    def to(self, dtype):
        return np.asarray(self).astype(dtype).view(FakeTensor)

    def copy_(self, src, non_blocking=False):
        self[...] = src
        return self

    def pin_memory(self):
        return self

    def t(self):
        return self.T


def _t(a) -> FakeTensor:
    return np.ascontiguousarray(a).view(FakeTensor)


def fake_torch(kind: str, log: list):
    """A module with the slice of the torch API the probe uses; `log` records synchronisations."""
    rng = np.random.default_rng(0)
    torch = types.SimpleNamespace(__version__="2.9.0+fake", float32=np.dtype("float32"),
                                  float16=np.dtype("float16"), bfloat16=np.dtype("float64"))
    torch.device = lambda spec: spec
    torch.randn = lambda *shape, device=None, dtype=None: _t(rng.standard_normal(shape).astype(dtype or np.float32))
    torch.empty = lambda *shape, device=None, dtype=None: _t(np.empty(shape, dtype=dtype or np.float32))
    torch.ones = lambda n, device=None, dtype=None: _t(np.ones(n, dtype=dtype or np.float32))
    torch.empty_like = lambda x: _t(np.empty_like(x))
    torch.matmul = lambda a, b, out=None: np.matmul(a, b, out=out)

    def gelu(x, approximate="none"):
        return _t(0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x**3))))

    torch.nn = types.SimpleNamespace(functional=types.SimpleNamespace(gelu=gelu))
    torch.version = types.SimpleNamespace(hip="6.2.0" if kind == "rocm" else None)
    unavailable = types.SimpleNamespace(is_available=lambda: False)
    torch.cuda, torch.backends = unavailable, types.SimpleNamespace(mps=unavailable)
    props = types.SimpleNamespace(name={"rocm": "AMD Instinct MI300X", "xpu": "Intel Data Center GPU Max 1550"}.get(kind),
                                  total_memory=192 * 10**9, major=9, minor=4, gcnArchName="gfx942:sramecc+:xnack-")
    device_module = types.SimpleNamespace(
        is_available=lambda: True, device_count=lambda: 1, set_device=lambda i: log.append(("set", i)),
        synchronize=lambda dev=None: log.append(("sync", dev)), get_device_properties=lambda i: props,
        empty_cache=lambda: None, is_bf16_supported=lambda: True)
    if kind == "rocm":
        torch.cuda = device_module
    elif kind == "xpu":
        torch.xpu = device_module
    elif kind == "mps":
        torch.backends = types.SimpleNamespace(mps=types.SimpleNamespace(is_available=lambda: True))
        torch.mps = types.SimpleNamespace(synchronize=lambda: log.append(("sync", "mps")),
                                          recommended_max_memory=lambda: 48 * 10**9)
    return torch


@pytest.mark.parametrize(("kind", "name", "library", "precisions", "h2d"), [
    ("mps", "Apple GPU (MPS)", "MPS", {"fp32", "fp16", "bf16"}, False),
    ("rocm", "AMD Instinct MI300X", "ROCm", {"fp32", "bf16", "fp16"}, True),
    ("xpu", "Intel Data Center GPU Max 1550", "XPU", {"fp32", "bf16", "fp16"}, False),
])
def test_gpu_probe_runs_on_each_backend(kind, name, library, precisions, h2d):
    log: list = []
    torch = fake_torch(kind, log)
    (backend,) = torch_backends(torch)
    assert backend.kind == kind
    probe = Probe("gpu", lambda ctx: probe_torch_backends(ctx, [backend], None, SMALL), 2.0, target="gpus")
    report = run_probes(True, probes=[probe]).to_dict()
    assert report["errors"] == []
    (g,) = report["gpus"]
    assert g["name"] == name and g["backend"] == kind and g["library"] == f"torch 2.9.0+fake ({library})"
    # numpy at n=64 reaches well under 0.005 TFLOP/s: the figures round to 0.0, but are there
    assert set(g["matmul_tflops"]) == precisions and all(isinstance(v, float) for v in g["matmul_tflops"].values())
    assert all(e["latency_ms"] > 0 for e in g["latency_by_batch"].values())
    assert g["memory_bandwidth_gbps"] > 0 and ("host_to_device_gbps" in g) == h2d
    assert set(g["latency_by_batch"]) == {"1", "8", "32", "256"}
    assert g["measurements"]["matmul_tflops.fp32"]["reps"] >= 3  # medians of several timed chunks
    assert ("sync", "mps" if kind == "mps" else f"{'cuda' if kind == 'rocm' else kind}:0") in log
    if kind == "rocm":
        assert g["architecture"] == "gfx942:sramecc+:xnack-"
    assert g["memory_gb"] == (48.0 if kind == "mps" else 192.0)


def test_no_backend_when_torch_sees_no_device():
    torch = fake_torch("none", [])
    assert torch_backends(torch) == []


def test_gpu_and_runner_do_not_import_each_other():
    """The exceptions both need live in advisor.probes.errors; gpu.py never imports runner.py."""
    import ast
    from pathlib import Path

    import advisor.probes.gpu as gpu_module

    tree = ast.parse(Path(gpu_module.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "advisor.probes.runner" not in imported and "advisor.probes.errors" in imported
