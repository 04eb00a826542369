"""The one calibration state every surface reads: the CLI (`estimate`, `recommend`), the GUI
(live, after every probe, import or apply) and the PDF report.

It is computed from the probe history the same way each time (`state_from_runs`):
- calibrations: per catalog device, the median of each measured efficiency over the newest
  plausible runs that may calibrate it (`advisor.probes.calibrate`): this machine's own
  runs, and imports only for the devices the user applied them to;
- this machine's figures: the newest local run's report with every headline figure replaced
  by the median over the same recent plausible runs, and the run ids it combines
  (`machine_report["combined_from"]`). The GUI's Machine view, the report's "This machine"
  section and the local CPU row's calibration all use it, so they show the same numbers.
"""

from __future__ import annotations

import copy
import logging
import platform
import statistics
from dataclasses import dataclass, field

from advisor.model.calibration import Calibration

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalibrationState:
    """Calibrations and this machine's combined figures, from one reading of the history.

    Attributes:
        calibrations: device id -> Calibration (its `runs` say which history runs it used).
        machine_report: this machine's combined probe report (None before the first probe).
        runs: the history runs read (newest first).
        warnings: problems reading the history (never fatal).
    """

    calibrations: dict[str, Calibration] = field(default_factory=dict)
    machine_report: dict | None = None
    runs: tuple = ()
    warnings: tuple[str, ...] = ()


def local_runs(runs, host: str | None = None) -> list:
    """This machine's own runs (measured here, on this host), newest first, none from the future."""
    from advisor.history import in_future

    host = host if host is not None else platform.node()
    return [r for r in runs if not r.imported and r.hostname == host and not in_future(r.created_at)]


def _median_over(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def combined_report(runs, catalog=None, host: str | None = None) -> dict | None:
    """This machine's newest local report with each headline figure replaced by its median over
    the newest `calibrate.RECENT_RUNS` runs where the plausibility check did not flag it.

    Adds `combined_from` (run ids used, newest first) and `combined_figures` {figure path:
    {"median", "runs", "values"}}; a figure flagged in every recent run is left as null.
    """
    from advisor.probes.calibrate import RECENT_RUNS
    from advisor.probes.plausibility import flagged_figures

    mine = local_runs(runs, host)
    if not mine:
        return None
    newest = mine[0]
    out = copy.deepcopy(newest.report)
    paths: dict[str, list[tuple[int, float]]] = {}

    def take(path: str, value, run_id: int, flagged: set[str]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or path in flagged:
            return
        bucket = paths.setdefault(path, [])
        if len(bucket) < RECENT_RUNS:
            bucket.append((run_id, float(value)))

    for run in mine:
        rep = run.report
        flagged = flagged_figures(rep, catalog)
        cpu = rep.get("cpu") or {}
        for key in ("matmul_fp32_gflops", "matmul_fp64_gflops", "memory_bandwidth_gbps"):
            take(f"cpu.{key}", cpu.get(key), run.id, flagged)
        for batch, e in (cpu.get("latency_by_batch") or {}).items():
            if isinstance(e, dict):
                take(f"cpu.latency_by_batch.{batch}.latency_ms", e.get("latency_ms"), run.id, flagged)
        for i, g in enumerate(rep.get("gpus") or []):
            if not isinstance(g, dict):
                continue
            for prec, v in (g.get("matmul_tflops") or {}).items():
                take(f"gpus[{i}].matmul_tflops.{prec}", v, run.id, flagged)
            for key in ("memory_bandwidth_gbps", "host_to_device_gbps", "power_w_under_matmul", "energy_j_per_tflop"):
                take(f"gpus[{i}].{key}", g.get(key), run.id, flagged)
            for batch, e in (g.get("latency_by_batch") or {}).items():
                if isinstance(e, dict):
                    take(f"gpus[{i}].latency_by_batch.{batch}.latency_ms", e.get("latency_ms"), run.id, flagged)

    before = copy.deepcopy(out)
    used: set[int] = set()
    combined: dict[str, dict] = {}
    newest_flagged = flagged_figures(newest.report, catalog)
    for path in sorted(set(paths) | newest_flagged):
        vals = paths.get(path, [])
        med = _median_over([v for _, v in vals])
        used.update(r for r, _ in vals)
        combined[path] = {"median": round(med, 4) if med is not None else None,
                          "runs": [r for r, _ in vals], "values": [round(v, 4) for _, v in vals]}
        _set_path(out, path, round(med, 4) if med is not None else None)
    cpu = out.get("cpu") or {}
    lat = cpu.get("latency_by_batch") or {}
    for batch, e in lat.items():  # throughput follows the combined latency
        if str(batch).isdigit() and isinstance(e, dict) and isinstance(e.get("latency_ms"), (int, float)) \
                and e["latency_ms"] > 0:
            e["samples_per_s"] = round(int(batch) / (e["latency_ms"] / 1e3), 2)
    _rescale_efficiency(before, out)
    out["combined_from"] = [r.id for r in mine if r.id in used]
    out["combined_figures"] = combined
    out["history_run_id"] = newest.id
    return out


def _rescale_efficiency(before: dict, after: dict) -> None:
    """Efficiencies (measured / peak) follow the combined figures: same peak, new figure."""
    def rescale(eff: dict, key: str, old, new) -> None:
        if isinstance(eff.get(key), (int, float)) and isinstance(old, (int, float)) and old > 0:
            eff[key] = round(eff[key] * new / old, 4) if isinstance(new, (int, float)) else None

    cpu_b, cpu_a = before.get("cpu") or {}, after.get("cpu") or {}
    eff = cpu_a.get("efficiency")
    if isinstance(eff, dict):
        for key, ek in (("matmul_fp32_gflops", "fp32"), ("matmul_fp64_gflops", "fp64"),
                        ("memory_bandwidth_gbps", "memory_bandwidth")):
            rescale(eff, ek, cpu_b.get(key), cpu_a.get(key))
    for gb, ga in zip(before.get("gpus") or [], after.get("gpus") or []):
        if not (isinstance(gb, dict) and isinstance(ga, dict) and isinstance(ga.get("efficiency"), dict)):
            continue
        for prec, v in (ga.get("matmul_tflops") or {}).items():
            rescale(ga["efficiency"], prec, (gb.get("matmul_tflops") or {}).get(prec), v)
        rescale(ga["efficiency"], "memory_bandwidth", gb.get("memory_bandwidth_gbps"), ga.get("memory_bandwidth_gbps"))


def _set_path(report: dict, path: str, value) -> None:
    """Set 'cpu.latency_by_batch.8.latency_ms' or 'gpus[0].matmul_tflops.bf16' in `report`."""
    head, _, rest = path.partition(".")
    node = report
    if head.startswith("gpus["):
        idx = int(head[5:-1])
        gpus = report.get("gpus") or []
        if idx >= len(gpus) or not isinstance(gpus[idx], dict):
            return
        node = gpus[idx]
    else:
        node = report.setdefault(head, {})
    keys = rest.split(".")
    for k in keys[:-1]:
        nxt = node.get(k)
        if not isinstance(nxt, dict):
            return
        node = nxt
    node[keys[-1]] = value


def state_from_runs(runs, catalog=None, *, local_rows: dict[str, dict] | None = None,
                    host: str | None = None, warnings=()) -> CalibrationState:
    """The calibration state from history runs (newest first). `local_rows`: rows describing this
    machine that are not in the catalog (the "this machine" CPU row), calibrated from this
    machine's runs."""
    from advisor.probes.calibrate import calibrations_from_runs

    runs = tuple(runs)
    mine = local_runs(runs, host)
    local_fps = {r.fingerprint for r in mine}
    cals = calibrations_from_runs(runs, catalog, local_rows=local_rows,
                                  local_fingerprints=local_fps)
    return CalibrationState(calibrations=cals, machine_report=combined_report(runs, catalog, host),
                            runs=runs, warnings=tuple(warnings))


def load_state(catalog=None, *, local_rows: dict[str, dict] | None = None, history=None) -> CalibrationState:
    """Read the probe history (default location) and compute the state. Never raises: a history
    that cannot be read gives an empty state with a warning (an estimate never fails for it)."""
    try:
        from advisor.history import History
    except ImportError:
        return CalibrationState()
    try:
        if history is not None:
            return state_from_runs(history.runs(), catalog, local_rows=local_rows,
                                   warnings=getattr(history, "warnings", ()))
        with History() as h:
            return state_from_runs(h.runs(), catalog, local_rows=local_rows, warnings=h.warnings)
    except Exception as e:  # a broken history must not stop an estimate
        log.warning("probe history not used: %s", e)
        return CalibrationState(warnings=(f"Probe history could not be read: {e}",))


def stored_calibrations(catalog=None) -> dict[str, Calibration]:
    """device id -> Calibration from the probe history (see `load_state`)."""
    return load_state(catalog).calibrations
