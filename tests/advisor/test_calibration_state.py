"""Calibration from a robust combination of runs, read the same way everywhere; unique history
rows; imported runs calibrate only when applied, within plausible bounds, never from the
future. Real SQLite files in the test's data folder; reports written here by hand."""

from __future__ import annotations

import json
import platform
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from advisor.calibrations import load_state, stored_calibrations
from advisor.cli import run as cli_run
from advisor.errors import BadInput
from advisor.history import History
from advisor.model.calibration import Calibration
from advisor.model.devices import device_table
from advisor.model.estimate import estimate_table
from advisor.probes.calibrate import RECENT_RUNS
from advisor.workload import workload_from_dict
from hardware_db import load_catalog

EPYC_FP32_GFLOPS = 7370.0  # catalog row epyc-9654: fp32_tflops 7.37, memory 460.8 GB/s
EPYC_BW = 460.8


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_overlay=False)


def stamp(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")


def local_report(fp32: float, bw: float, *, minutes_ago: float = 10, quick=False, host=None, lat1=None) -> dict:
    """A run of this machine, whose CPU is the catalog's EPYC 9654."""
    cpu = {"matmul_fp32_gflops": fp32, "memory_bandwidth_gbps": bw, "catalog_id": "epyc-9654"}
    if lat1 is not None:
        cpu["latency_by_batch"] = {"1": {"latency_ms": lat1, "samples_per_s": 1e3 / lat1}}
        cpu["latency_model"] = {"d_model": 1024, "d_ff": 4096, "precision": "fp32", "weight_bytes": 2 * 1024 * 4096 * 4}
    return {"cpu": cpu, "gpus": [], "quick": quick, "timestamp": stamp(minutes_ago), "run_uid": uuid.uuid4().hex,
            "machine": {"hostname": host or platform.node(), "cpu": {"brand": "AMD EPYC 9654 96-Core Processor",
                                                                    "catalog_id": "epyc-9654"}}}


def h100_import(bf16: float = 700.0, bw: float = 3000.0, *, timestamp=None, host="colleague") -> dict:
    return {"cpu": {}, "timestamp": timestamp or stamp(60), "run_uid": uuid.uuid4().hex,
            "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "catalog_id": "h100-sxm5-80gb",
                      "matmul_tflops": {"bf16": bf16}, "memory_bandwidth_gbps": bw}],
            "machine": {"hostname": host, "gpus": [{"name": "NVIDIA H100 80GB HBM3", "memory_gb": 80}]}}


def test_median_of_recent_plausible_runs_not_the_newest(catalog):
    with History() as h:
        ids = [h.add_run(local_report(fp32, bw, minutes_ago=m)) for fp32, bw, m in
               [(5000.0, 300.0, 50), (5200.0, 320.0, 40), (5100.0, 310.0, 30)]]
        # newest: a quick run on a busy machine (plausible, but low) and an impossible one
        ids.append(h.add_run(local_report(2000.0, 150.0, minutes_ago=20, quick=True)))
        outlier = h.add_run(local_report(EPYC_FP32_GFLOPS * 1.5, EPYC_BW * 2, minutes_ago=10))
    cal = stored_calibrations(catalog)["epyc-9654"]
    # median of 5000, 5200, 5100, 2000 = 5050 (the impossible 11055 is left out)
    assert cal.compute_efficiency["fp32"] == pytest.approx(5050 / EPYC_FP32_GFLOPS, abs=1e-4)
    assert cal.bandwidth_efficiency == pytest.approx(305 / EPYC_BW, abs=1e-4)
    assert outlier not in cal.runs and sorted(cal.runs) == sorted(ids)
    assert "median of 4 probe runs" in cal.source


def test_only_the_newest_few_runs_count(catalog):
    with History() as h:
        for k in range(RECENT_RUNS + 3):  # older runs measured 2000; the newest RECENT_RUNS 5000
            h.add_run(local_report(5000.0 if k >= 3 else 2000.0, 300.0, minutes_ago=100 - k))
    cal = stored_calibrations(catalog)["epyc-9654"]
    assert cal.compute_efficiency["fp32"] == pytest.approx(5000 / EPYC_FP32_GFLOPS, abs=1e-4)
    assert len(cal.runs) == RECENT_RUNS


def test_two_runs_in_the_same_second_are_two_rows():
    with History() as h:
        a, b = local_report(5000.0, 300.0), local_report(5100.0, 310.0)
        b["timestamp"] = a["timestamp"]
        id_a, id_b = h.add_run(a), h.add_run(b)
        assert id_a != id_b and len(h.runs()) == 2
        assert h.add_run(a) == id_a  # the same run stored twice stays one row


def test_reports_without_run_uid_are_told_apart_by_content(tmp_path):
    rep = h100_import()
    del rep["run_uid"]
    f = tmp_path / "colleague.json"
    f.write_text(json.dumps(rep))
    with History() as h:
        first = h.import_file(f)
        assert h.import_file(f) == first  # the same file twice: one row
        rep["gpus"][0]["matmul_tflops"]["bf16"] = 701.0
        f.write_text(json.dumps(rep))
        assert h.import_file(f) != first and len(h.runs()) == 2


def test_the_runner_gives_every_report_its_own_uid():
    from advisor.probes.runner import ProbeReport

    assert ProbeReport().run_id != ProbeReport().run_id


def test_version_1_history_is_migrated_keeping_its_runs(tmp_path):
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE machines (fingerprint TEXT PRIMARY KEY, hostname TEXT NOT NULL, label TEXT NOT NULL,
            hardware_json TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
        CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL REFERENCES machines(fingerprint),
            created_at TEXT NOT NULL, app_version TEXT NOT NULL, quick INTEGER NOT NULL, source TEXT NOT NULL,
            report_json TEXT NOT NULL, UNIQUE (fingerprint, created_at));
        CREATE TABLE figures (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, device TEXT NOT NULL,
            name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, device, name));
        INSERT INTO machines VALUES ('fp', 'old-host', 'old-host: cpu', '{}', '2026-01-01T00:00:00', '2026-01-01T00:00:00');
        INSERT INTO runs VALUES (7, 'fp', '2026-01-01T00:00:00+00:00', '0.1', 1, 'local', '{"cpu": {}}');
        PRAGMA user_version = 1;
    """)
    conn.close()
    with History(path) as h:
        (run,) = h.runs()
        assert run.id == 7 and run.run_uid == "v1-7" and run.hostname == "old-host"
        assert not h.warnings
        rep = local_report(1.0, 1.0)
        rep["fingerprint"], rep["timestamp"] = "fp", "2026-01-01T00:00:00+00:00"  # same second as run 7
        assert h.add_run(rep) != 7 and len(h.runs()) == 2


def test_an_import_calibrates_nothing_until_applied(tmp_path, catalog):
    f = tmp_path / "h100.json"
    f.write_text(json.dumps(h100_import(bf16=700.0, bw=3000.0)))
    with History() as h:
        run_id = h.import_file(f)
    assert "h100-sxm5-80gb" not in stored_calibrations(catalog)
    assert cli_run(["probe", "--apply", str(run_id), "--device", "h100 sxm"]) == 0
    cal = stored_calibrations(catalog)["h100-sxm5-80gb"]
    assert cal.compute_efficiency == {"bf16": pytest.approx(700 / 989.4, abs=1e-4)}
    assert cal.bandwidth_efficiency == pytest.approx(3000 / 3350, abs=1e-4) and cal.runs == (run_id,)
    assert cli_run(["probe", "--unapply", str(run_id)]) == 0
    assert "h100-sxm5-80gb" not in stored_calibrations(catalog)


def test_applied_imports_calibrate_only_with_plausible_figures(tmp_path, catalog):
    f = tmp_path / "h100.json"
    f.write_text(json.dumps(h100_import(bf16=989.4 * 3, bw=3000.0)))  # 3x the datasheet: impossible
    with History() as h:
        run_id = h.import_file(f)
        h.apply_run(run_id, "h100-sxm5-80gb")
    cal = stored_calibrations(catalog)["h100-sxm5-80gb"]
    assert cal.compute_efficiency == {} and cal.bandwidth_efficiency == pytest.approx(3000 / 3350, abs=1e-4)


def test_apply_refuses_local_runs_unknown_runs_and_unmeasured_devices(tmp_path, capsys):
    with History() as h:
        local = h.add_run(local_report(5000.0, 300.0))
    assert cli_run(["probe", "--apply", str(local), "--device", "epyc 9654"]) == 2
    assert "was measured on this machine" in capsys.readouterr().err
    assert cli_run(["probe", "--apply", "999", "--device", "h100 sxm"]) == 2
    assert capsys.readouterr().err == "error: --apply: no run 999 in the probe history\n"
    f = tmp_path / "h100.json"
    f.write_text(json.dumps(h100_import()))
    with History() as h:
        imported = h.import_file(f)
    assert cli_run(["probe", "--apply", str(imported), "--device", "rtx 4090"]) == 2
    assert "has no figures measured on rtx-4090" in capsys.readouterr().err
    assert cli_run(["probe", "--apply", str(imported)]) == 2
    assert "needs --device" in capsys.readouterr().err


def test_a_file_from_the_future_is_bad_input_and_never_calibrates(tmp_path, catalog):
    f = tmp_path / "future.json"
    f.write_text(json.dumps(h100_import(timestamp="9999-01-01T00:00:00+00:00")))
    with History() as h:
        with pytest.raises(BadInput, match=r"timestamp: 9999-01-01T00:00:00\+00:00 is in the future"):
            h.import_file(f)
        assert h.runs() == []
        # a run that got into the database some other way (an old app) is still ignored
        h.add_run(local_report(5000.0, 300.0, minutes_ago=-60 * 24 * 400))
    assert stored_calibrations(catalog) == {}


def test_machine_report_shows_the_combined_figures(catalog):
    with History() as h:
        a = h.add_run(local_report(5000.0, 300.0, minutes_ago=30))
        b = h.add_run(local_report(5200.0, 320.0, minutes_ago=20))
        c = h.add_run(local_report(5100.0, 100.0, minutes_ago=10, quick=True))
        h.add_run(local_report(9000.0, 900.0, host="another-host"))  # not this machine
    rep = load_state(catalog).machine_report
    assert rep["cpu"]["matmul_fp32_gflops"] == 5100.0 and rep["cpu"]["memory_bandwidth_gbps"] == 300.0
    assert rep["combined_from"] == [c, b, a] and rep["history_run_id"] == c


WL = {"model": {"params_b": 6.74, "layers": 32, "hidden": 4096, "heads": 32}}


def _one(device_id):
    table = device_table(load_catalog(user_overlay=False))
    return table.take(np.flatnonzero(table.ids == device_id))


def test_matmul_efficiency_calibrates_training_mfu():
    wl = workload_from_dict({**WL, "training": {"precision": "bf16", "tokens": 1e10, "seq_len": 2048, "devices": 8}})
    dev = _one("h100-sxm5-80gb")
    plain = estimate_table(wl, dev)
    cal = estimate_table(wl, dev, calibrations={"h100-sxm5-80gb": Calibration("h100-sxm5-80gb", {"bf16": 0.6})})
    # MFU = 0.6 x TRAIN_MFU.point / GEMM.point = 0.6 x 0.50 / 0.80 = 0.375 against the default 0.50
    assert cal.point["time_hours"][0] == pytest.approx(plain.point["time_hours"][0] * 0.50 / 0.375, rel=1e-6)
    width = lambda e: e.low["time_hours"][0] / e.high["time_hours"][0]  # noqa: E731 (low efficiency = slow)
    assert width(cal) < width(plain)
    rec = cal.record(0)
    assert rec["calibrated"] and {"gemm", "train_mfu"} <= set(rec["calibrated_figures"])
    assert plain.record(0)["calibrated_figures"] == []


def test_measured_overhead_calibrates_decode_and_narrows_its_range():
    wl = workload_from_dict({**WL, "inference": {"precision": "bf16", "requests_per_day": 1e5,
                                                 "prompt_tokens": 128, "output_tokens": 128}})
    dev = _one("h200-sxm-141gb")
    plain = estimate_table(wl, dev)
    cal = estimate_table(wl, dev, calibrations={"h200-sxm-141gb": Calibration(
        "h200-sxm-141gb", {}, None, "probe", overhead_s_per_layer=21e-6)})
    assert cal.record(0)["calibrated_figures"] == ["decode_overhead"]
    assert cal.point["tpot_ms"][0] < plain.point["tpot_ms"][0]  # 21 us per layer < the default 80 us
    spread = lambda e: e.high["tpot_ms"][0] - e.low["tpot_ms"][0]  # noqa: E731
    assert abs(spread(cal)) < abs(spread(plain))


def test_overhead_comes_from_batch_1_latency_minus_streaming(catalog):
    # d=1024 fp32 block: 33.5 MB of weights at 300 GB/s = 0.1118 ms; latency 0.2 ms
    # -> (0.2 - 0.1118) ms x 2 blocks per layer = 176 us per layer
    with History() as h:
        h.add_run(local_report(5000.0, 300.0, lat1=0.2))
    cal = stored_calibrations(catalog)["epyc-9654"]
    assert cal.overhead_s_per_layer == pytest.approx((0.2e-3 - 2 * 1024 * 4096 * 4 / 300e9) * 2, rel=1e-6)
    with History() as h:  # a latency far beyond any launch overhead is not one: not used
        h.add_run(local_report(5000.0, 300.0, lat1=50.0, minutes_ago=1))
    assert stored_calibrations(catalog)["epyc-9654"].overhead_s_per_layer == pytest.approx(cal.overhead_s_per_layer)


def test_combined_efficiency_follows_the_combined_figures(catalog):
    with History() as h:
        for fp32, m in ((4000.0, 30), (5000.0, 20), (6000.0, 10)):
            rep = local_report(fp32, 300.0, minutes_ago=m)
            rep["cpu"]["efficiency"] = {"fp32": round(fp32 / EPYC_FP32_GFLOPS, 4)}
            h.add_run(rep)
    rep = load_state(catalog).machine_report
    assert rep["cpu"]["matmul_fp32_gflops"] == 5000.0
    assert rep["cpu"]["efficiency"]["fp32"] == pytest.approx(5000 / EPYC_FP32_GFLOPS, abs=1e-3)
