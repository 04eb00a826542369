"""Run a list of probes with progress, cancellation, time budgets and error isolation.

Each probe runs in its own worker thread under a time budget. A probe that raises is
recorded in `errors` and the next one runs; a probe that overruns its budget (plus grace) is
abandoned and reported as timed out, so a hung driver call never hangs the app. Cancelling
(setting the `threading.Event`) stops the run within 0.5 s: probes check it between short
timed chunks, and the runner itself polls it while it waits.

`progress(fraction, message)` is called from worker threads; a GUI must hand it over to its
own thread (a queued signal).
"""

from __future__ import annotations

import logging
import math
import platform
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from advisor.probes.errors import ProbeCancelled, ProbeTimeout

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]

#: Seconds a probe may overrun its budget before the runner abandons it.
GRACE_S = 3.0
#: Sections of the CPU result that several probes add to, rather than replace.
MERGED_SECTIONS = ("measurements", "conditions")
#: How often the runner looks at the cancel event while it waits for a probe.
POLL_S = 0.05


@dataclass(frozen=True)
class Probe:
    """One measurement.

    Attributes:
        name: short id shown in progress and errors ("cpu.matmul_fp32").
        func: `func(ctx) -> result`; for target "cpu" a dict merged into the report's `cpu`,
            for "gpus" a list of per-GPU dicts, for "machine" the hardware record.
        budget_s: the time the probe is meant to take; it should finish near it (its figures
            are best-so-far when time runs out). It is abandoned after budget_s + GRACE_S.
        target: where the result goes: "cpu", "gpus" or "machine".
    """

    name: str
    func: Callable[[ProbeContext], Any]
    budget_s: float
    target: str = "cpu"


class ProbeContext:
    """What a running probe sees: its time budget, cancellation, progress, earlier results."""

    def __init__(self, name: str, budget_s: float, quick: bool, cancel: threading.Event,
                 progress: Callable[[float, str], None], results: dict, errors: list[dict]):
        self.name = name
        self.quick = quick
        self.budget_s = budget_s
        self.started = time.perf_counter()
        self.deadline = self.started + budget_s
        self._cancel = cancel
        self._progress = progress
        #: figures measured so far in this run ("cpu" dict, "machine" dict), read-only by convention
        self.results = results
        self._errors = errors
        self._last_progress = 0.0

    def time_left(self) -> float:
        """Seconds left in this probe's budget (never negative)."""
        return max(0.0, self.deadline - time.perf_counter())

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise ProbeCancelled when the run is cancelled, ProbeTimeout well past the budget."""
        if self._cancel.is_set():
            raise ProbeCancelled(self.name)
        if time.perf_counter() > self.deadline + GRACE_S:
            raise ProbeTimeout(self.name)

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress within this probe (0..1); at most 20 updates a second reach the callback."""
        now = time.perf_counter()
        if fraction < 1.0 and now - self._last_progress < 0.05:
            return
        self._last_progress = now
        self._progress(min(1.0, max(0.0, fraction)), message or self.name)

    def error(self, step: str, exc: BaseException | str) -> None:
        """Record a failed sub-step (one precision, one GPU) and let the probe carry on."""
        self._errors.append(_error_entry(step, exc))


def _error_entry(probe: str, exc: BaseException | str, kind: str = "error") -> dict:
    msg = exc if isinstance(exc, str) else (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    return {"probe": probe, "kind": kind, "message": msg.splitlines()[0] if msg else kind}


@dataclass
class ProbeReport:
    """The figures of one probe run. `to_dict()` gives the `probe --json` fields (DESIGN.md)."""

    cpu: dict = field(default_factory=dict)
    gpus: list[dict] = field(default_factory=list)
    machine: dict = field(default_factory=dict)
    duration_s: float = 0.0
    errors: list[dict] = field(default_factory=list)
    quick: bool = False
    cancelled: bool = False
    timestamp: str = ""
    app_version: str = ""
    #: flags for implausible figures (`plausibility.check_report`); flagged figures never calibrate
    plausibility: list[dict] = field(default_factory=list)
    #: unique id of this run, so two runs in the same second stay two rows in the history
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def fingerprint(self) -> str:
        from advisor.probes.machine import fingerprint

        return fingerprint(self.machine)

    def to_dict(self) -> dict:
        return {
            "cpu": self.cpu,
            "gpus": self.gpus,
            "efficiency": {"cpu": self.cpu.get("efficiency", {}),
                           "gpus": [g.get("efficiency", {}) for g in self.gpus]},
            "duration_s": round(self.duration_s, 3),
            "errors": self.errors,
            "quick": self.quick,
            "cancelled": self.cancelled,
            "timestamp": self.timestamp,
            "app_version": self.app_version,
            "machine": self.machine,
            "fingerprint": self.fingerprint,
            "plausibility": self.plausibility,
            "run_uid": self.run_id,
            "software": software_versions(),
        }


def default_probes(quick: bool) -> list[Probe]:
    """The standard probe list: detection, the CPU probes, and the GPU probes when a GPU and
    PyTorch or CuPy are already present."""
    from advisor.probes import cpu, gpu
    from advisor.probes.machine import detect_hardware

    b = cpu.BUDGETS_QUICK if quick else cpu.BUDGETS_FULL
    probes = [
        Probe("detect", detect_hardware, 6.0, target="machine"),
        Probe("cpu.matmul_fp32", cpu.probe_matmul_fp32, b["matmul_fp32"]),
        Probe("cpu.matmul_fp64", cpu.probe_matmul_fp64, b["matmul_fp64"]),
        Probe("cpu.memory_bandwidth", cpu.probe_memory_bandwidth, b["memory_bandwidth"]),
        Probe("cpu.latency_by_batch", cpu.probe_latency_by_batch, b["latency_by_batch"]),
    ]
    if gpu.gpu_probe_possible():
        probes.append(Probe("gpu", gpu.probe_gpus, gpu.BUDGET_QUICK_S if quick else gpu.BUDGET_FULL_S,
                            target="gpus"))
    return probes


def run_probes(quick: bool = True, progress: ProgressCallback | None = None,
               cancel: threading.Event | None = None, timeout_s: float | None = None, *,
               probes: Sequence[Probe] | None = None, catalog=None) -> ProbeReport:
    """Run the probes and return their figures.

    Args:
        quick: short budgets (under 10 s on a 2-core machine) instead of the full run (~60 s).
        progress: `progress(fraction_of_whole_run, message)`, called from worker threads.
        cancel: set it to stop; the run returns within 0.5 s with what it has
            (`report.cancelled` is True).
        timeout_s: a limit on the whole run; probes that do not fit are reported as timed out.
        probes: the probes to run (default: `default_probes(quick)`). Tests inject their own.
        catalog: the spec catalog for the efficiency fractions (default: `load_catalog()`).

    Never raises for a failing probe: its error is in `report.errors` and the others run.
    """
    from advisor import __version__

    started = time.perf_counter()
    cancel = cancel if cancel is not None else threading.Event()
    probes = list(probes) if probes is not None else default_probes(quick)
    report = ProbeReport(quick=quick, app_version=__version__,
                         timestamp=datetime.now(UTC).isoformat(timespec="seconds"))
    overall_deadline = started + timeout_s if timeout_s is not None else math.inf
    total_weight = sum(max(p.budget_s, 0.01) for p in probes) or 1.0
    done_weight = 0.0
    results: dict = {"cpu": report.cpu}
    lock = threading.Lock()

    def _emit(fraction: float, message: str) -> None:
        if progress is None:
            return
        try:
            progress(min(1.0, fraction), message)
        except Exception:  # a broken progress display must not stop the measurements
            log.exception("probe progress callback failed")

    for probe in probes:
        if cancel.is_set():
            report.cancelled = True
            break
        remaining = overall_deadline - time.perf_counter()
        if remaining <= 0:
            report.errors.append(_error_entry(probe.name, f"not run: the run's {timeout_s:g} s limit was reached",
                                              "timeout"))
            continue
        budget = min(probe.budget_s, max(0.1, remaining - GRACE_S)) if remaining != math.inf else probe.budget_s
        weight = max(probe.budget_s, 0.01)
        base = done_weight

        def _probe_progress(frac: float, msg: str, _base=base, _w=weight) -> None:
            _emit((_base + frac * _w) / total_weight, msg)

        probe_errors: list[dict] = []
        ctx = ProbeContext(probe.name, budget, quick, cancel, _probe_progress, results, probe_errors)
        box: dict = {}

        def _work(_probe=probe, _ctx=ctx, _box=box) -> None:
            try:
                _box["result"] = _probe.func(_ctx)
            except BaseException as e:  # reported by the runner thread
                _box["exc"] = e

        _emit(base / total_weight, probe.name)
        worker = threading.Thread(target=_work, name=f"probe-{probe.name}", daemon=True)
        worker.start()
        hard_deadline = min(ctx.deadline + GRACE_S, overall_deadline)
        try:
            while worker.is_alive():
                if cancel.is_set():
                    worker.join(0.4)  # probes stop at their next check; do not wait longer
                    break
                if time.perf_counter() > hard_deadline:
                    break
                worker.join(POLL_S)
        except KeyboardInterrupt:
            cancel.set()
            worker.join(0.4)
            raise
        with lock:
            report.errors.extend(probe_errors)
        if worker.is_alive():
            if cancel.is_set():
                report.cancelled = True
                break
            report.errors.append(_error_entry(probe.name, f"timed out after {time.perf_counter() - ctx.started:.1f} s",
                                              "timeout"))
        elif "exc" in box:
            exc = box["exc"]
            if isinstance(exc, ProbeCancelled):
                report.cancelled = True
                break
            kind = "timeout" if isinstance(exc, ProbeTimeout) else "error"
            report.errors.append(_error_entry(probe.name, exc, kind))
        else:
            try:
                _store(report, probe, box.get("result"))
            except (TypeError, ValueError) as e:  # a probe that returned the wrong shape
                report.errors.append(_error_entry(probe.name, e))
        done_weight += weight
        _emit(done_weight / total_weight, f"{probe.name} done")

    if cancel.is_set():
        report.cancelled = True
    if not report.machine:
        from advisor.probes.machine import basic_hardware

        report.machine = basic_hardware()
    try:
        attach_efficiency(report, catalog)
    except Exception as e:  # efficiency is a bonus; the figures stand without it
        report.errors.append(_error_entry("efficiency", e))
    try:
        from advisor.probes.plausibility import check_report

        report.plausibility = check_report(report.to_dict(), catalog)
    except Exception as e:  # the figures stand; without the check none of them calibrates
        report.errors.append(_error_entry("plausibility", e))
    report.duration_s = time.perf_counter() - started
    return report


def _store(report: ProbeReport, probe: Probe, result) -> None:
    if result is None:
        return
    want = list if probe.target == "gpus" else dict
    if not isinstance(result, want) or (want is list and not all(isinstance(g, dict) for g in result)):
        raise TypeError(f"probe returned {type(result).__name__}, not a {'list of dicts' if want is list else 'dict'}")
    if probe.target == "cpu":
        for key, value in result.items():
            if key in MERGED_SECTIONS and isinstance(value, dict):
                report.cpu.setdefault(key, {}).update(value)  # each probe adds its own figures
            else:
                report.cpu[key] = value
    elif probe.target == "gpus":
        report.gpus.extend(result)
    elif probe.target == "machine":
        report.machine = dict(result)
    else:
        raise ValueError(f"probe {probe.name}: unknown target {probe.target!r}")


def _ratio(measured, peak) -> float | None:
    if not isinstance(measured, (int, float)) or not isinstance(peak, (int, float)):
        return None
    if not (math.isfinite(measured) and math.isfinite(peak)) or peak <= 0:
        return None
    return round(measured / peak, 4)


def attach_efficiency(report: ProbeReport, catalog=None) -> None:
    """Add `efficiency` (measured / datasheet peak) to the CPU and each GPU section.

    The CPU's peaks come from its catalog row (`machine.cpu.catalog_id`); without one, from the
    theoretical fp32 peak detection computed (`peak_gflops_fp32`); else efficiency stays empty.
    """
    cpu_hw = (report.machine or {}).get("cpu") or {}
    cpu_row = _catalog_row(catalog, cpu_hw.get("catalog_id"))
    eff: dict[str, float] = {}
    if cpu_row is not None:
        report.cpu["catalog_id"] = cpu_row["id"]
        report.cpu["peak_source"] = f"catalog {cpu_row['id']}"
        for prec, key in (("fp32", "matmul_fp32_gflops"), ("fp64", "matmul_fp64_gflops")):
            peak = cpu_row.get(f"{prec}_tflops")
            r = _ratio(report.cpu.get(key), peak * 1000 if isinstance(peak, float) else None)
            if r is not None:
                eff[prec] = r
        r = _ratio(report.cpu.get("memory_bandwidth_gbps"), cpu_row.get("memory_bandwidth_gbps"))
        if r is not None:
            eff["memory_bandwidth"] = r
    else:
        r = _ratio(report.cpu.get("matmul_fp32_gflops"), cpu_hw.get("peak_gflops_fp32"))
        if r is not None:
            eff["fp32"] = r
            report.cpu["peak_source"] = "theoretical peak from detection"
            clock = cpu_hw.get("peak_clock_ghz")
            if cpu_hw.get("peak_clock_source") != "max boost" and isinstance(clock, (int, float)):
                # VMs and some OSes report only the base clock: the cores may boost past it, so
                # an efficiency over 100% here means they did, not that the probe is wrong
                report.cpu["peak_source"] += (f" at the reported {clock:.2f} GHz clock (no boost clock reported; "
                                              f"the cores may run faster)")
    if report.cpu or eff:
        report.cpu["efficiency"] = eff

    hw_gpus = (report.machine or {}).get("gpus") or []
    for g in report.gpus:
        cid = g.get("catalog_id")
        if cid is None:
            hw = _match_gpu(hw_gpus, g)
            cid = hw.get("catalog_id") if hw else None
        row = _catalog_row(catalog, cid)
        if row is None and g.get("name"):
            row = _resolve(catalog, g["name"])
        geff: dict[str, float] = {}
        if row is not None:
            from hardware_db.loader import PEAK_COLUMNS

            g["catalog_id"] = row["id"]
            for prec, tflops in (g.get("matmul_tflops") or {}).items():
                col = PEAK_COLUMNS.get(prec)
                r = _ratio(tflops, row.get(col)) if col else None
                if r is not None:
                    geff[prec] = r
            r = _ratio(g.get("memory_bandwidth_gbps"), row.get("memory_bandwidth_gbps"))
            if r is not None:
                geff["memory_bandwidth"] = r
        g["efficiency"] = geff


def _match_gpu(hw_gpus: list[dict], g: dict) -> dict | None:
    for hw in hw_gpus:
        if g.get("uuid") and hw.get("uuid") == g.get("uuid"):
            return hw
    for hw in hw_gpus:
        if hw.get("name") and hw.get("name") == g.get("name"):
            return hw
    idx = g.get("index")
    return hw_gpus[idx] if isinstance(idx, int) and 0 <= idx < len(hw_gpus) else None


def _get_catalog(catalog):
    if catalog is not None:
        return catalog
    from hardware_db import load_catalog

    return load_catalog()


def _catalog_row(catalog, device_id) -> dict | None:
    if not device_id:
        return None
    try:
        return _get_catalog(catalog).row(device_id)
    except KeyError:
        return None


def _resolve(catalog, name: str) -> dict | None:
    from advisor.errors import BadInput

    try:
        return _get_catalog(catalog).resolve(name)
    except BadInput:
        return None


def software_versions() -> dict:
    """Python, numpy and (when installed, without importing them) the GPU libraries' versions."""
    import importlib.metadata as md
    import sys

    out = {"python": sys.version.split()[0], "os": platform.platform()}
    for dist in ("numpy", "torch", "cupy-cuda12x", "cupy", "intel-extension-for-pytorch"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    return out


def hostname() -> str:
    return platform.node() or "unknown-host"
