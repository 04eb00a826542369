"""Turn probe runs into `Calibration`s: measured figures over the catalog's peaks.

One run gives fractions of datasheet peak (`calibration_from_report`), leaving out every
figure `plausibility.check_report` flags. The calibration of a device combines several runs
(`calibrations_from_history`): the median of each fraction over the newest RECENT_RUNS runs
that measured it, so one odd run (a quick probe on a busy machine) moves nothing, and the
newest run is not simply taken as the truth.

Which runs count: this machine's own runs; an imported run (another machine's file) only for
the devices the user applied it to (`History.apply_run`); never a run stamped in the future.
"""

from __future__ import annotations

import math
import statistics

from advisor.errors import BadInput
from advisor.model import efficiency as E
from advisor.model.calibration import Calibration

#: How many of the newest plausible runs of a device are combined.
RECENT_RUNS = 5
#: Runs of one device looked at (newest first): enough for each figure to find RECENT_RUNS
#: plausible values even when some runs lack it, without reading a long history every time.
SCAN_RUNS = 4 * RECENT_RUNS
#: The probe's block (d -> 4d -> d) is about half of a decoder layer's kernels (attention
#: projections + attention + MLP), so a layer's fixed cost is about twice the block's.
BLOCKS_PER_LAYER = 2
#: A measured per-layer overhead calibrates only within this multiple of the default range
#: (30-170 us, efficiency.DECODE_OVERHEAD_S_PER_LAYER); beyond it the subtraction it comes
#: from (latency minus streaming time) is dominated by something else.
OVERHEAD_BOUNDS = (E.DECODE_OVERHEAD_S_PER_LAYER.low / 3, E.DECODE_OVERHEAD_S_PER_LAYER.high * 3)


def _frac(measured, peak) -> float | None:
    if isinstance(measured, bool) or isinstance(peak, bool):
        return None
    if not isinstance(measured, (int, float)) or not isinstance(peak, (int, float)):
        return None
    if not (math.isfinite(measured) and math.isfinite(peak)) or peak <= 0 or measured <= 0:
        return None
    return measured / peak


def measured_device_ids(report: dict) -> list[str]:
    """Catalog ids of the devices a report has figures for (its CPU's, then each GPU's)."""
    ids = [(report.get("cpu") or {}).get("catalog_id")] if isinstance(report.get("cpu"), dict) else []
    ids += [g.get("catalog_id") for g in report.get("gpus") or [] if isinstance(g, dict)]
    return [i for i in dict.fromkeys(ids) if isinstance(i, str) and i]


def _section_for(report: dict, row: dict) -> tuple[dict, str]:
    """The report section measured on the device of `row`: ('cpu' or 'gpus[i]')."""
    if row.get("kind") == "cpu":
        cpu = report.get("cpu") or {}
        if not cpu:
            raise BadInput(f"probe report has no CPU figures to calibrate {row['id']}")
        return cpu, "cpu"
    gpus = [g for g in report.get("gpus") or [] if isinstance(g, dict)]
    for i, g in enumerate(gpus):
        if g.get("catalog_id") == row["id"]:
            return g, f"gpus[{i}]"
    names = {row.get("name", "").lower(), *(a.lower() for a in row.get("aliases") or ())}
    for i, g in enumerate(gpus):
        if str(g.get("name", "")).lower() in names:
            return g, f"gpus[{i}]"
    raise BadInput(f"probe report has no figures measured on {row.get('name', row['id'])} ({row['id']})")


def _overhead_per_layer(section: dict, where: str, flagged: set[str]) -> float | None:
    """Per-layer fixed cost from the batch-1 latency of the probe's block: latency minus the time
    to stream its weights at the measured bandwidth, x BLOCKS_PER_LAYER; None when either
    figure is flagged or the result is outside OVERHEAD_BOUNDS."""
    lat = ((section.get("latency_by_batch") or {}).get("1") or {}).get("latency_ms")
    bw = section.get("memory_bandwidth_gbps")
    model = section.get("latency_model") or {}
    if f"{where}.latency_by_batch.1.latency_ms" in flagged or f"{where}.memory_bandwidth_gbps" in flagged:
        return None
    weight_bytes = model.get("weight_bytes")
    if weight_bytes is None and isinstance(model.get("d_model"), (int, float)):
        d = model["d_model"]
        bytes_per = {"fp32": 4, "bf16": 2, "fp16": 2}.get(model.get("precision"))
        weight_bytes = 2 * d * model.get("d_ff", 4 * d) * bytes_per if bytes_per else None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
               for v in (lat, bw, weight_bytes)):
        return None
    # STREAM counts read + write bytes; streaming weights only reads them, at about the same rate.
    overhead = (lat / 1e3 - weight_bytes / (bw * 1e9)) * BLOCKS_PER_LAYER
    return overhead if OVERHEAD_BOUNDS[0] <= overhead <= OVERHEAD_BOUNDS[1] else None


def _is_local_row(row: dict, catalog) -> bool:
    if row.get("kind") != "cpu":
        return False
    if catalog is None:
        from hardware_db import load_catalog

        catalog = load_catalog()
    try:
        catalog.row(row["id"])
    except KeyError:
        return True
    return False


def calibration_from_report(report_dict: dict, catalog_row: dict, catalog=None, run_id: int | None = None) -> Calibration:
    """Measured / datasheet-peak fractions for the device of `catalog_row`, from one run.

    CPU rows use `cpu.matmul_fp32_gflops`, `cpu.matmul_fp64_gflops` and
    `cpu.memory_bandwidth_gbps`; GPU rows use the GPU whose `catalog_id` (or name) matches and
    its `matmul_tflops` per precision and `memory_bandwidth_gbps`; both use the batch-1 latency
    for the per-layer overhead. Figures the plausibility check flags are left out (the check is
    run here, on the figures, never read from the report). Raises BadInput when the report has
    no figures for that device.
    """
    from advisor.probes.plausibility import ABOVE_PEAK, BELOW_PEAK, BOOST_ALLOWANCE, flagged_figures
    from hardware_db.loader import PEAK_COLUMNS

    section, where = _section_for(report_dict, catalog_row)
    flagged = flagged_figures(report_dict, catalog)

    # A row detected on this machine (not in the catalog) has peaks at the reported clock,
    # which the cores may exceed when the OS hides the boost clock; the check against the
    # physics (with that allowance) has already run in `flagged`.
    top = ABOVE_PEAK * (BOOST_ALLOWANCE if _is_local_row(catalog_row, catalog) else 1.0)

    def ok(fraction, figure) -> bool:
        return fraction is not None and figure not in flagged and BELOW_PEAK <= fraction <= top

    compute: dict[str, float] = {}
    if where == "cpu":
        for prec in ("fp32", "fp64"):
            peak = catalog_row.get(PEAK_COLUMNS[prec])
            f = _frac(section.get(f"matmul_{prec}_gflops"), peak * 1000 if isinstance(peak, (int, float)) else None)
            if ok(f, f"cpu.matmul_{prec}_gflops"):
                compute[prec] = round(f, 4)
    else:
        for prec, tflops in (section.get("matmul_tflops") or {}).items():
            col = PEAK_COLUMNS.get(prec)
            f = _frac(tflops, catalog_row.get(col)) if col else None
            if ok(f, f"{where}.matmul_tflops.{prec}"):
                compute[prec] = round(f, 4)
    bw = _frac(section.get("memory_bandwidth_gbps"), catalog_row.get("memory_bandwidth_gbps"))
    if not ok(bw, f"{where}.memory_bandwidth_gbps"):
        bw = None
    host = (report_dict.get("machine") or {}).get("hostname") or "unknown host"
    when = report_dict.get("timestamp") or "unknown time"
    mode = "quick probe" if report_dict.get("quick") else "probe"
    return Calibration(
        device_id=catalog_row["id"],
        compute_efficiency=compute,
        bandwidth_efficiency=round(bw, 4) if bw is not None else None,
        source=f"{mode} {when} on {host} ({where})",
        overhead_s_per_layer=_overhead_per_layer(section, where, flagged),
        runs=(run_id,) if run_id is not None else (),
    )


def _has_figures(cal: Calibration) -> bool:
    return bool(cal.compute_efficiency) or cal.bandwidth_efficiency is not None or cal.overhead_s_per_layer is not None


def combine(device_id: str, per_run: list[tuple[int, str, Calibration]]) -> Calibration | None:
    """The median of each figure over the newest RECENT_RUNS runs that have it.

    `per_run`: (run id, timestamp, one run's Calibration), newest first.
    """
    def med(values: list[float]) -> float | None:
        vals = values[:RECENT_RUNS]
        return round(statistics.median(vals), 4) if vals else None

    compute: dict[str, list[float]] = {}
    bandwidth: list[float] = []
    overhead: list[float] = []
    used: set[int] = set()
    for run_id, _, cal in per_run:
        for prec, f in cal.compute_efficiency.items():
            if len(compute.setdefault(prec, [])) < RECENT_RUNS:
                compute[prec].append(f)
                used.add(run_id)
        if cal.bandwidth_efficiency is not None and len(bandwidth) < RECENT_RUNS:
            bandwidth.append(cal.bandwidth_efficiency)
            used.add(run_id)
        if cal.overhead_s_per_layer is not None and len(overhead) < RECENT_RUNS:
            overhead.append(cal.overhead_s_per_layer)
            used.add(run_id)
    if not used:
        return None
    runs = tuple(r for r, _, _ in per_run if r in used)
    stamps = [t for r, t, _ in per_run if r in used]
    oh = statistics.median(overhead[:RECENT_RUNS]) if overhead else None
    return Calibration(
        device_id=device_id,
        compute_efficiency={p: med(v) for p, v in compute.items()},
        bandwidth_efficiency=med(bandwidth),
        source=(f"median of {len(runs)} probe run{'s' if len(runs) != 1 else ''} "
                f"({stamps[-1][:10]} to {stamps[0][:10]}; history runs {', '.join(map(str, runs))})"),
        overhead_s_per_layer=oh,
        runs=runs,
    )


def calibrations_from_history(history, catalog=None, *, local_rows: dict[str, dict] | None = None,
                              local_fingerprints: set[str] | None = None) -> dict[str, Calibration]:
    """`calibrations_from_runs` over every run of a `History`."""
    return calibrations_from_runs(history.runs(), catalog, local_rows=local_rows,
                                  local_fingerprints=local_fingerprints)


def calibrations_from_runs(runs, catalog=None, *, local_rows: dict[str, dict] | None = None,
                           local_fingerprints: set[str] | None = None) -> dict[str, Calibration]:
    """device id -> Calibration combined from the runs (newest first) that may calibrate it.

    A run counts for a device when it measured that catalog device and is either measured
    here (`source == "local"`) or an import the user applied to that device; runs stamped in
    the future never count. `local_rows`: rows that are not in the catalog but describe this
    machine (the "this machine" CPU row), calibrated from local runs whose CPU has no catalog
    row, of the machines in `local_fingerprints` (None: any).
    """
    from advisor.history import in_future

    if catalog is None:
        from hardware_db import load_catalog

        catalog = load_catalog()
    per_device: dict[str, list[tuple[int, str, Calibration]]] = {}
    for run in runs:  # newest first
        report = run.report
        if in_future(run.created_at):
            continue
        measured = measured_device_ids(report)
        ids = measured if not run.imported else [d for d in run.applied_to if d in measured]
        targets: list[tuple[str, dict]] = []
        for device_id in ids:
            try:
                targets.append((device_id, catalog.row(device_id)))
            except KeyError:
                continue
        if (not run.imported and local_rows and not (report.get("cpu") or {}).get("catalog_id")
                and (local_fingerprints is None or run.fingerprint in local_fingerprints)):
            targets += list(local_rows.items())
        for device_id, row in targets:
            if len(per_device.get(device_id, ())) >= SCAN_RUNS:
                continue  # enough recent runs of this device: older ones would not count
            try:
                cal = calibration_from_report(report, row, catalog, run_id=run.id)
            except BadInput:
                continue
            if _has_figures(cal):
                per_device.setdefault(device_id, []).append((run.id, run.created_at, cal))
    out: dict[str, Calibration] = {}
    for device_id, per_run in per_device.items():
        cal = combine(device_id, per_run)
        if cal is not None:
            out[device_id] = cal
    return out
