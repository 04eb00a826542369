"""GPU probes on a real NVIDIA GPU with PyTorch (or CuPy). Skipped elsewhere; never in CI.

Figures are checked against an independent PyTorch timing written here and against the
catalog peaks (shared/fixtures/README.md has an H200's reference figures).
"""

from __future__ import annotations

import time

import pytest

from advisor.probes import Probe, gpu, run_probes

pytestmark = pytest.mark.gpu

needs_gpu = pytest.mark.skipif(not gpu.gpu_probe_possible(), reason="needs an NVIDIA GPU and PyTorch or CuPy")


@pytest.fixture(scope="module")
def gpu_report():
    return run_probes(True, probes=[Probe("gpu", gpu.probe_gpus, gpu.BUDGET_QUICK_S, target="gpus")]).to_dict()


@needs_gpu
def test_gpu_figures_are_plausible(gpu_report):
    assert gpu_report["gpus"], gpu_report["errors"]
    g = gpu_report["gpus"][0]
    tf = g["matmul_tflops"]
    assert tf["fp32"] > 1
    assert max(tf.get("bf16", 0), tf.get("fp16", 0)) > tf["fp32"]
    assert g["memory_bandwidth_gbps"] > 100
    assert 1 < g["host_to_device_gbps"] < 200
    lat = g["latency_by_batch"]
    assert lat["1"]["latency_ms"] <= lat["256"]["latency_ms"] * 1.05
    assert lat["256"]["samples_per_s"] > lat["1"]["samples_per_s"]
    for prec, eff in g.get("efficiency", {}).items():
        assert 0.05 < eff < 1.1, (prec, eff)
    if "energy_j_per_tflop" in g:
        assert g["power_w_under_matmul"] > 10 and g["energy_j_per_tflop"] > 0


@needs_gpu
def test_matmul_within_20_percent_of_independent_torch_timing(gpu_report):
    torch = pytest.importorskip("torch")
    n = 4096
    a = torch.randn(n, n, device="cuda", dtype=torch.float16)
    b = torch.randn(n, n, device="cuda", dtype=torch.float16)
    for _ in range(5):
        a @ b
    torch.cuda.synchronize()
    best = 0.0
    for _ in range(10):
        t = time.perf_counter()
        for _ in range(20):
            a @ b
        torch.cuda.synchronize()
        best = max(best, 20 * 2 * n**3 / (time.perf_counter() - t) / 1e12)
    measured = gpu_report["gpus"][0]["matmul_tflops"]["fp16"]
    assert abs(measured - best) / best < 0.20, (measured, best)
