"""Faults, injected one at a time, with the app carrying on and nothing of the user's lost.

NVML: library missing, driver not loaded, no permission, and the GPU lost (or any call
failing) at every point of a detection. Probes: raising, hanging, returning garbage, a broken
progress display. The probe history: locked by another program, corrupt, truncated, full.
Writes (workload save, CSV export): disk full, permission denied, read-only file system and
I/O errors at every step of the atomic write, with the old file byte-for-byte unchanged.
The counts of what is injected are in the test ids (pytest -v lists them).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from advisor.errors import BadInput
from advisor.presets import PRESET_DIR
from tests.conftest import FIXTURES

NVML = FIXTURES / "nvml"
WORKLOAD = PRESET_DIR / "chat_7b_workstation.toml"


def cli(capsys, *argv) -> tuple[int, str, str]:
    """Run the command line in this process (same error boundary as `python main.py`)."""
    import main

    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_clean(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err


# ---------------------------------------------------------------- NVML

@pytest.mark.parametrize("capture", ["nvml_missing.json", "driver_not_loaded.json", "no_permission.json"])
def test_no_nvml_gives_one_warning_and_every_command_still_works(capsys, monkeypatch, capture):
    monkeypatch.setenv("HWADVISOR_NVML_REPLAY", str(NVML / capture))
    code, out, err = cli(capsys, "detect", "--json")
    _assert_clean(err)
    assert code == 0
    data = json.loads(out)
    assert data["gpus"] == [] and data["cpu"]["cores"]
    gpu_warnings = [w for w in data["warnings"] if "GPU" in w]
    assert len(gpu_warnings) == 1 and "\n" not in gpu_warnings[0]
    code, out, err = cli(capsys, "estimate", "--workload", str(WORKLOAD), "--device", "rtx 4090", "--json")
    assert code == 0 and json.loads(out)["fits"] is True
    _assert_clean(err)


def _count_calls(monkeypatch, capture: Path) -> int:
    from advisor.detect import detect_machine, nvml

    monkeypatch.setenv("HWADVISOR_NVML_REPLAY", str(capture))
    nvml.shutdown()
    nvml.init()
    calls = [0]
    real = nvml._backend.call

    def counting(func, *args):
        calls[0] += 1
        return real(func, *args)

    monkeypatch.setattr(nvml._backend, "call", counting)
    detect_machine(None, fast=True)
    nvml.shutdown()
    return calls[0]


def _fail_after(monkeypatch, n: int, error: str):
    """From the (n+1)-th NVML call on, every call raises `error` (the GPU fell off the bus)."""
    from advisor.detect import nvml

    nvml.init()
    backend = nvml._backend
    real_call, real_handle = backend.call, backend.handle
    seen = [0]

    def call(func, *args):
        seen[0] += 1
        if seen[0] > n:
            raise nvml._make_error(error, "injected")
        return real_call(func, *args)

    def handle(index):
        if seen[0] > n:
            raise nvml._make_error(error, "injected")
        return real_handle(index)

    monkeypatch.setattr(backend, "call", call)
    monkeypatch.setattr(backend, "handle", handle)


@pytest.fixture(scope="module")
def catalog():
    from hardware_db import load_catalog

    return load_catalog(user_overlay=False)


@pytest.mark.parametrize("error", ["NVMLError_GpuIsLost", "NVMLError_Unknown", "NVMLError_Timeout"])
def test_gpu_lost_at_every_point_of_a_detection(monkeypatch, catalog, error):
    """A first detection sees the H100; then the GPU is lost after 0, 1, 2, ... calls of the
    next one. Every such detection returns (no exception), with at most the one GPU, and the
    app's estimate still works."""
    from advisor.detect import detect_machine, nvml

    capture = NVML / "h100_sxm.json"
    total = _count_calls(monkeypatch, capture)
    assert total > 10
    injected = 0
    try:
        for n in range(total + 1):
            nvml.shutdown()
            first = detect_machine(catalog, fast=True)
            assert [g.catalog_id for g in first.gpus] == ["h100-sxm5-80gb"]
            _fail_after(monkeypatch, n, error)
            lost = detect_machine(catalog, fast=True)  # mid-session: NVML stays initialised
            assert len(lost.gpus) <= 1
            for g in lost.gpus:
                assert g.index == 0
            json.dumps(lost.to_dict())  # still a valid `detect --json`
            injected += 1
            monkeypatch.undo()
            monkeypatch.setenv("HWADVISOR_NVML_REPLAY", str(capture))
    finally:
        nvml.shutdown()
    assert injected == total + 1


def test_gpu_lost_during_a_probe_run_is_reported_and_the_run_completes(monkeypatch, catalog):
    from advisor.detect import detect_machine, nvml
    from advisor.probes import run_probes
    from advisor.probes.runner import Probe

    def detect_hardware(ctx):  # the probe run's detection, on the fast path: py-cpuinfo's result is
        return detect_machine(catalog, fast=True).to_dict()  # cached per process, which GUI tests rely on

    monkeypatch.setenv("HWADVISOR_NVML_REPLAY", str(NVML / "h100_sxm.json"))
    nvml.shutdown()
    _fail_after(monkeypatch, 3, "NVMLError_GpuIsLost")
    try:
        report = run_probes(True, probes=[Probe("detect", detect_hardware, 3.0, target="machine"),
                                          Probe("cpu.fake", lambda ctx: {"matmul_fp32_gflops": 10.0}, 0.1)],
                            catalog=catalog)
    finally:
        nvml.shutdown()
    assert report.cpu["matmul_fp32_gflops"] == 10.0
    assert not [e for e in report.errors if e["probe"] != "efficiency"], report.errors
    json.dumps(report.to_dict(), allow_nan=False)


# ---------------------------------------------------------------- probes

def _good(ctx):
    return {"matmul_fp32_gflops": 42.0}


def _raise(ctx):
    raise RuntimeError("sensor on fire")


def _exit(ctx):
    raise SystemExit(3)


def _hang_ignoring_everything(ctx):
    threading.Event().wait(30)


def _garbage(ctx):
    return "not a dict"


def _nan_figures(ctx):
    return {"memory_bandwidth_gbps": float("nan"), "matmul_fp64_gflops": float("inf")}


@pytest.mark.parametrize(("name", "func", "kind"), [
    ("raise", _raise, "error"),
    ("system-exit", _exit, "error"),
    ("hang", _hang_ignoring_everything, "timeout"),
    ("garbage", _garbage, "error"),
])
def test_a_failing_probe_is_one_error_and_the_run_and_history_carry_on(tmp_path, catalog, name, func, kind):
    from advisor.history import History
    from advisor.probes import run_probes
    from advisor.probes.runner import Probe

    progress = []
    report = run_probes(True, probes=[Probe(name, func, 0.2), Probe("good", _good, 0.1)], catalog=catalog,
                        progress=lambda f, m: progress.append(f))  # returns even for the hang
    errors = [e for e in report.errors if e["probe"] == name]
    assert len(errors) == 1 and errors[0]["kind"] == kind and "\n" not in errors[0]["message"]
    assert report.cpu["matmul_fp32_gflops"] == 42.0
    assert progress and progress[-1] == 1.0
    with History(tmp_path / "h.sqlite3") as h:
        h.add_run(report.to_dict())
        assert len(h.runs()) == 1


def test_non_finite_probe_figures_are_stored_without_breaking_the_history(tmp_path, catalog):
    from advisor.history import History
    from advisor.probes import run_probes
    from advisor.probes.runner import Probe

    report = run_probes(True, probes=[Probe("nan", _nan_figures, 0.1), Probe("good", _good, 0.1)], catalog=catalog)
    with History(tmp_path / "h.sqlite3") as h:
        h.add_run(report.to_dict())
        [run] = h.runs()
        assert run.report["cpu"]["matmul_fp32_gflops"] == 42.0


def test_a_broken_progress_display_does_not_stop_the_probes(catalog):
    from advisor.probes import run_probes
    from advisor.probes.runner import Probe

    def progress(fraction, message):
        raise RuntimeError("the widget was deleted")

    report = run_probes(True, probes=[Probe("good", _good, 0.1)], progress=progress, catalog=catalog)
    assert report.cpu["matmul_fp32_gflops"] == 42.0 and not report.errors


# ---------------------------------------------------------------- probe history

def _report(host="box", ts="2024-06-01T12:00:00+00:00") -> dict:
    return {"cpu": {"matmul_fp32_gflops": 150.0}, "gpus": [], "timestamp": ts, "app_version": "0.1.0",
            "machine": {"hostname": host, "cpu": {"brand": "Some CPU", "threads": 8}, "memory_gb": 32}}


@pytest.fixture
def history_path(monkeypatch):
    import advisor.history as history_mod
    from advisor.history import FILE_NAME
    from advisor.paths import data_dir

    monkeypatch.setattr(history_mod, "BUSY_TIMEOUT_MS", 150)
    path = data_dir() / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _seed(path: Path, n: int = 2) -> bytes:
    from advisor.history import History

    with History(path) as h:
        for k in range(n):
            h.add_run(_report(ts=f"2024-06-0{k + 1}T12:00:00+00:00"))
    return path.read_bytes()


def test_locked_history_fails_the_import_with_one_line_and_estimates_still_work(tmp_path, capsys, history_path):
    before = _seed(history_path)
    report = tmp_path / "other.json"
    report.write_text(json.dumps(_report(host="other")))
    blocker = sqlite3.connect(history_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        code, out, err = cli(capsys, "probe", "--import", str(report))
        _assert_clean(err)
        assert code == 1 and len(err.splitlines()) == 1 and "locked" in err
        code, out, err = cli(capsys, "estimate", "--workload", str(WORKLOAD), "--device", "l4")
        assert code == 0 and " on L4 " in out
        _assert_clean(err)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert history_path.read_bytes() == before
    assert not list(history_path.parent.glob("*.corrupt-*"))
    code, out, err = cli(capsys, "probe", "--import", str(report))  # once the lock is gone it works
    assert code == 0 and "imported" in out


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed-header", "empty-pages"])
def test_damaged_history_is_set_aside_byte_for_byte_and_the_import_goes_on(tmp_path, capsys, history_path, damage):
    good = _seed(history_path, 3)
    bad = {
        "garbage": bytes(range(256)) * 64,
        "truncated": good[: len(good) // 2 + 7],
        "zeroed-header": b"\0" * 100 + good[100:],
        "empty-pages": good[:4096] + b"\xff" * (len(good) - 4096),
    }[damage]
    history_path.write_bytes(bad)
    report = tmp_path / "other.json"
    report.write_text(json.dumps(_report(host="other")))
    code, out, err = cli(capsys, "probe", "--import", str(report))
    _assert_clean(err)
    assert code == 0, err
    assert len(err.splitlines()) == 1 and err.startswith("warning: ") and "moved aside" in err
    [aside] = history_path.parent.glob("history.sqlite3.corrupt-*")
    assert aside.read_bytes() == bad  # nothing lost: the damaged file is kept as it was
    code, out, err = cli(capsys, "estimate", "--workload", str(WORKLOAD), "--device", "l4")
    assert code == 0
    _assert_clean(err)


def test_full_history_database_keeps_the_old_runs_and_the_cli_says_so(tmp_path, capsys, history_path, monkeypatch):
    """SQLITE_FULL (the disk or the database's page limit is full) on saving a run."""
    from advisor.history import History

    _seed(history_path, 1)
    real_connect = History._connect

    def full(self):
        conn = real_connect(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(History, "_connect", full)
    report = tmp_path / "big.json"
    big = _report(host="other")
    big["cpu"]["latency_by_batch"] = {str(b): {"latency_ms": b * 1.5, "samples_per_s": 1e3 / b} for b in range(1, 400)}
    big["notes"] = "x" * 200_000
    report.write_text(json.dumps(big))
    code, out, err = cli(capsys, "probe", "--import", str(report))
    _assert_clean(err)
    assert code == 1 and len(err.splitlines()) == 1 and "full" in err, err
    monkeypatch.undo()
    with History(history_path) as h:
        assert [r.report["machine"]["hostname"] for r in h.runs()] == ["box"]


# ---------------------------------------------------------------- atomic writes

FAILURES = {
    "disk-full": lambda: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
    "permission-denied": lambda: PermissionError(errno.EACCES, os.strerror(errno.EACCES)),
    "read-only-fs": lambda: OSError(errno.EROFS, os.strerror(errno.EROFS)),
    "io-error": lambda: OSError(errno.EIO, os.strerror(errno.EIO)),
}
STEPS = ("mkstemp", "write", "fsync", "replace")


def _inject(monkeypatch, step: str, failure: str) -> None:
    import tempfile

    make = FAILURES[failure]

    def boom(*a, **k):
        raise make()

    if step == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", boom)
    elif step == "write":
        real = Path.write_bytes

        def write_bytes(self, data):
            real(self, data[: len(data) // 2])  # half of it reached the disk, then it was full
            raise make()

        monkeypatch.setattr(Path, "write_bytes", write_bytes)
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    elif step == "replace":
        monkeypatch.setattr(os, "replace", boom)


def _save_workload(path: Path) -> None:
    from advisor.workload import load_workload, save_workload

    save_workload(load_workload(WORKLOAD), path)


def _export_csv(path: Path) -> None:
    from ui.jobs import csv_job  # PySide6 is a dependency: its absence is a failure, not a skip

    csv_job(lambda *a: None, threading.Event(), str(path), ["device", "cost"], [["h100", 1.0]] * 200)


WRITERS = {"save-workload": (_save_workload, "w.toml"), "export-csv": (_export_csv, "table.csv")}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("failure", FAILURES)
def test_failed_write_is_one_clear_error_and_the_old_file_is_untouched(tmp_path, monkeypatch, writer, step, failure):
    func, name = WRITERS[writer]
    path = tmp_path / name
    old = b"the user's old file\n" * 50
    path.write_bytes(old)
    os.chmod(path, 0o640)
    _inject(monkeypatch, step, failure)
    with pytest.raises(BadInput) as e:
        func(path)
    monkeypatch.undo()
    message = str(e.value)
    assert message.startswith(f"{path}: cannot write: ") and "\n" not in message
    assert os.strerror(FAILURES[failure]().errno) in message
    assert path.read_bytes() == old
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temp file left behind
    func(path)  # the fault is gone: the same write now succeeds, keeping the file's mode
    assert path.read_bytes() != old
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders; the injected PermissionError above covers it")
def test_read_only_folder_is_one_clear_error(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text("old")
    os.chmod(tmp_path, 0o500)
    try:
        with pytest.raises(BadInput, match="cannot write: Permission denied"):
            _save_workload(path)
    finally:
        os.chmod(tmp_path, 0o700)
    assert path.read_text() == "old"


def test_cli_estimate_with_an_unreadable_workload_is_bad_input(tmp_path, capsys, monkeypatch):
    path = tmp_path / "w.toml"
    path.write_bytes(WORKLOAD.read_bytes())
    real = os.open

    def denied(file, *a, **k):
        if Path(file) == path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(file, *a, **k)

    monkeypatch.setattr(os, "open", denied)
    code, out, err = cli(capsys, "estimate", "--workload", str(path), "--device", "l4")
    assert code == 2 and err == f"error: {path}: permission denied\n"
