"""Write benchmarks/h200/h200_reference_probe.json from the real H200 capture in
tests/fixtures/nvml/h200_sxm_141gb.json (shared/fixtures): its `probe_gpu` figures, unedited,
laid out in the `probe --json` shape so the app can import and compare them.

    python benchmarks/h200/make_reference.py

Which is which: these figures were measured by the PyTorch script that made the capture (one
run, PyTorch 2.11, 8192^3 matmuls unless named), not by `advisor.probes`. Every value below is
copied from the capture; nothing is computed except unit conversions named in `derivation`.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAPTURE = ROOT / "tests" / "fixtures" / "nvml" / "h200_sxm_141gb.json"
OUT = Path(__file__).resolve().parent / "h200_reference_probe.json"


def main() -> None:
    cap = json.loads(CAPTURE.read_text(encoding="utf-8"))
    p = cap["probe_gpu"]
    mt = p["matmul_tflops"]
    nvml = cap["nvml"]
    dev = nvml["devices"][0]
    power = p["bf16_8192_power"]
    report = {
        "provenance": {
            "what": "reference figures of one NVIDIA H200 SXM 141GB, from the capture script's PyTorch probe "
                    "(not advisor.probes); one run each",
            "capture_file": "tests/fixtures/nvml/h200_sxm_141gb.json (copy of shared/fixtures/nvml/)",
            "capture_committed": "2026-11-26 (commit cf7340a); the measurement date is not recorded in the capture",
            "machine": {"platform": cap["host"]["platform"], "cpu": cap["cpuinfo"].get("brand_raw"),
                        "nproc": cap.get("nproc"), "gpu": p["props"]["name"], "gpu_memory_bytes": p["props"]["mem"],
                        "sm_count": p["props"]["sm"], "compute_capability": p["props"]["cc"]},
            "software": {"python": cap["host"]["python"].split()[0], "torch": p["torch"],
                         "nvidia_driver": nvml["nvmlSystemGetDriverVersion"]["value"],
                         "cuda_driver": nvml["nvmlSystemGetCudaDriverVersion_v2"]["value"]},
            "derivation": {"matmul_tflops": "probe_gpu.matmul_tflops.<prec>_8192 (int8: int8_8192_tops)",
                           "memory_bandwidth_gbps": "probe_gpu.bandwidth.d2d_copy_GBps_rw (read + write)",
                           "host_to_device_gbps": "probe_gpu.bandwidth.h2d_pinned_GBps",
                           "power_w_under_matmul": "probe_gpu.bf16_8192_power.avg_power_w",
                           "tflop_per_joule": "probe_gpu.bf16_8192_power.tflop_per_joule",
                           "energy_j_per_tflop": "1 / tflop_per_joule",
                           "latency_by_batch": "probe_gpu.mlp_block_bf16 (4096 -> 16384 -> 4096, bf16)"},
            "nvml_device_name": dev.get("nvmlDeviceGetName", {}).get("value"),
        },
        "timestamp": "2026-11-26T04:24:06+00:00",
        "run_uid": "h200-reference-capture-cf7340a",
        "quick": False,
        "app_version": "capture script (not hwadvisor)",
        "cpu": {},
        "gpus": [{
            "index": 0, "name": p["props"]["name"], "catalog_id": "h200-sxm-141gb", "library": f"torch {p['torch']}",
            "memory_gb": round(p["props"]["mem"] / 1e9, 1), "compute_capability": p["props"]["cc"],
            "matmul_tflops": {"fp32": mt["fp32_8192"], "tf32": mt["tf32_8192"], "bf16": mt["bf16_8192"],
                              "fp16": mt["fp16_8192"], "fp8": mt["fp8_8192"], "int8": mt["int8_8192_tops"]},
            "memory_bandwidth_gbps": p["bandwidth"]["d2d_copy_GBps_rw"],
            "host_to_device_gbps": p["bandwidth"]["h2d_pinned_GBps"],
            "power_w_under_matmul": power["avg_power_w"],
            "tflop_per_joule": power["tflop_per_joule"],
            "energy_j_per_tflop": 1 / power["tflop_per_joule"],
            "idle_power_w": p["idle_power_w"],
            "launch_latency_us": p["launch_latency_us"],
            "latency_by_batch": {b: {"latency_ms": e["latency_ms"], "samples_per_s": e["samples_per_s"]}
                                 for b, e in p["mlp_block_bf16"].items()},
            "latency_model": {"kind": "transformer MLP block", "d_model": 4096, "d_ff": 16384, "precision": "bf16",
                              "weight_bytes": 2 * 4096 * 16384 * 2},
        }],
        "machine": {"hostname": "h200-capture-vm", "cpu": {"brand": cap["cpuinfo"].get("brand_raw")},
                    "gpus": [{"name": p["props"]["name"], "memory_gb": round(p["props"]["mem"] / 1e9, 1)}]},
    }
    OUT.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
