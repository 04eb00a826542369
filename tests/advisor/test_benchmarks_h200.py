"""The README's H200 probe figures are backed by the committed raw JSON, and that JSON is what
the real capture holds (regenerated here and compared)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "benchmarks" / "h200" / "h200_reference_probe.json"


def test_reference_json_is_what_the_capture_holds(tmp_path, monkeypatch):
    module = runpy.run_path(str(ROOT / "benchmarks" / "h200" / "make_reference.py"), run_name="not_main")
    out = tmp_path / "ref.json"
    module["main"].__globals__["OUT"] = out
    module["main"]()
    assert json.loads(out.read_text()) == json.loads(REFERENCE.read_text())


def test_readme_quotes_the_committed_figures():
    g = json.loads(REFERENCE.read_text())["gpus"][0]
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    quoted = (f"bf16 {g['matmul_tflops']['bf16']:.0f}, fp8 {g['matmul_tflops']['fp8']:.0f} TFLOP/s, "
              f"int8 {g['matmul_tflops']['int8']:.0f} TOP/s, {g['memory_bandwidth_gbps']:.0f} GB/s device copies "
              f"and {g['tflop_per_joule']:.2f} TFLOP per joule at {g['power_w_under_matmul']:.0f} W")
    assert quoted in readme


def test_reference_figures_are_plausible_and_calibrate_when_applied():
    from advisor.history import History
    from advisor.probes.calibrate import calibrations_from_history
    from advisor.probes.plausibility import check_report

    data = json.loads(REFERENCE.read_text())
    assert check_report(data) == []
    with History() as h:
        run_id = h.import_file(REFERENCE)
        assert calibrations_from_history(h) == {}  # an import alone calibrates nothing
        h.apply_run(run_id, "h200-sxm-141gb")
        cal = calibrations_from_history(h)["h200-sxm-141gb"]
    assert round(cal.compute_efficiency["bf16"], 2) == 0.80  # 791 / 989.4
    # batch-1 block latency 0.0732 ms minus 268 MB at 4271 GB/s, x2 blocks per layer: ~21 us
    assert 15e-6 < cal.overhead_s_per_layer < 30e-6
