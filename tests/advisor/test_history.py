"""The probe history: a real SQLite file in a temporary data folder (no mocks)."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from advisor.cli import run as cli_run
from advisor.errors import BadInput
from advisor.history import SCHEMA_VERSION, History, HistoryError


def _report(host="ws-a", fp32=150.0, ts="2026-11-20T10:00:00+00:00", gpus=()):
    return {
        "cpu": {"matmul_fp32_gflops": fp32, "matmul_fp64_gflops": fp32 / 2, "memory_bandwidth_gbps": 20.0,
                "latency_by_batch": {"1": {"latency_ms": 1.5, "samples_per_s": 666.7}}},
        "gpus": list(gpus), "duration_s": 6.0, "errors": [], "quick": True, "timestamp": ts,
        "app_version": "0.1.0",
        "machine": {"hostname": host, "cpu": {"brand": "AMD EPYC", "threads": 2}, "memory_gb": 25.3, "gpus": []},
    }


def test_default_path_is_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HWADVISOR_DATA_DIR", str(tmp_path / "d"))
    with History() as h:
        assert h.path == tmp_path / "d" / "history.sqlite3"
        assert h.runs() == []
    assert (tmp_path / "d" / "history.sqlite3").exists()


def test_add_runs_machines_and_compare(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        a = h.add_run(_report("ws-a", 150.0))
        b = h.add_run(_report("ws-b", 400.0, gpus=[{"index": 0, "name": "NVIDIA H200",
                                                      "matmul_tflops": {"bf16": 791.0}}]))
        again = h.add_run(_report("ws-a", 150.0))
        assert again == a  # the same run stored twice keeps one row
        later = h.add_run(_report("ws-a", 155.0, ts="2026-11-21T10:00:00+00:00"))
        assert [r.id for r in h.runs()] == [later, b, a]
        assert {m["hostname"]: m["runs"] for m in h.machines()} == {"ws-a": 2, "ws-b": 1}
        table = h.compare([later, b])
        assert table[("cpu", "matmul_fp32_gflops")] == [155.0, 400.0]
        assert table[("gpu0", "matmul_tflops.bf16")] == [None, 791.0]
        assert [r.hostname for r in h.latest_per_machine()] == ["ws-a", "ws-b"]
    with History(path) as h:  # persisted, schema version recorded
        assert len(h.runs()) == 3
        assert h.warnings == []
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_corrupt_database_is_set_aside_and_replaced(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database at all \x00\xff" * 100)
    with History(path) as h:
        assert len(h.warnings) == 1
        assert "not a usable database" in h.warnings[0] and "moved aside" in h.warnings[0]
        h.add_run(_report())
        assert len(h.runs()) == 1
    aside = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not a database")


def test_newer_schema_is_set_aside(tmp_path):
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with History(path) as h:
        assert f"newer version of the app (schema {SCHEMA_VERSION + 1}" in h.warnings[0]
        assert h.runs() == []
    assert len(list(tmp_path.glob("history.sqlite3.corrupt-*"))) == 1


def test_locked_database_is_an_error_not_corruption(tmp_path, monkeypatch):
    import advisor.history as history_mod

    monkeypatch.setattr(history_mod, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "history.sqlite3"
    History(path).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryError, match="locked"), History(path) as h:
            h.add_run(_report())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_concurrent_writers(tmp_path):
    path = tmp_path / "history.sqlite3"
    History(path).close()

    def writer(i):
        with History(path) as h:
            for j in range(5):
                h.add_run(_report(f"host-{i}", ts=f"2026-11-2{j}T10:00:00+00:00"))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with History(path) as h:
        assert len(h.runs()) == 20


def test_import_round_trip(tmp_path):
    f = tmp_path / "ws-b.json"
    f.write_text(json.dumps(_report("ws-b", 321.0)))
    with History(tmp_path / "h.sqlite3") as h:
        run_id = h.import_file(f)
        (rec,) = h.runs()
        assert rec.id == run_id and rec.source == "import:ws-b.json" and rec.hostname == "ws-b"
        assert rec.report["cpu"]["matmul_fp32_gflops"] == 321.0


@pytest.mark.parametrize("content, message", [
    ('{"cpu": {"matmul_fp32_gflops": 1', "not valid JSON: Expecting ',' delimiter at line 1 column 33"),
    ('{"cpu": {"matmul_fp32_gflops": NaN}}', "not valid JSON: non-finite number NaN"),
    ('{"cpu": {"matmul_fp32_gflops": "fast"}}', "cpu.matmul_fp32_gflops: expected a number, got str"),
    ('{"cpu": {"memory_bandwidth_gbps": -3}}', "cpu.memory_bandwidth_gbps: must be a finite number >= 0, got -3"),
    ('{"cpu": {"matmul_fp32_gflops": true}}', "cpu.matmul_fp32_gflops: expected a number, got bool"),
    ('{"cpu": [], "gpus": []}', "cpu: expected an object, got list"),
    ('{"gpus": [{"matmul_tflops": {"bf16": "791"}}]}', "gpus[0].matmul_tflops.bf16: expected a number, got str"),
    ('{"cpu": {"latency_by_batch": {"one": {}}}}', "cpu.latency_by_batch.one: batch size must be a whole number"),
    ('[1, 2]', "not a probe report: expected a JSON object, got list"),
    ('{"workload": 1}', "not a probe report: no 'cpu' or 'gpus' field"),
    ('{"cpu": {}, "timestamp": "yesterday"}', "timestamp: not an ISO date-time: 'yesterday'"),
])
def test_bad_import_files_are_rejected_with_one_line(tmp_path, content, message):
    f = tmp_path / "bad.json"
    f.write_text(content)
    with History(tmp_path / "h.sqlite3") as h:
        with pytest.raises(BadInput) as e:
            h.import_file(f)
        assert str(e.value) == f"{f}: {message}"
        assert h.runs() == []


def test_cli_import_exit_codes(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_report("ws-c")))
    assert cli_run(["probe", "--import", str(good)]) == 0
    assert "imported" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"cpu": ')
    assert cli_run(["probe", "--import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: not valid JSON") and err.count("\n") == 1
    assert cli_run(["probe", "--import", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'missing.json'}: file not found\n"


def test_cli_probe_json_saves_to_history(capsys):
    assert cli_run(["probe", "--quick", "--json", "--timeout", "20"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cpu"]["matmul_fp32_gflops"] > 0 and "latency_by_batch" in data["cpu"]
    with History() as h:
        (rec,) = h.runs()
        assert rec.id == data["history_run_id"] and rec.source == "local"
