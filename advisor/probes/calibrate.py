"""Turn a probe report into a `Calibration`: measured figures over the catalog's peaks."""

from __future__ import annotations

import math

from advisor.errors import BadInput
from advisor.model.calibration import Calibration


def _frac(measured, peak) -> float | None:
    if isinstance(measured, bool) or isinstance(peak, bool):
        return None
    if not isinstance(measured, (int, float)) or not isinstance(peak, (int, float)):
        return None
    if not (math.isfinite(measured) and math.isfinite(peak)) or peak <= 0 or measured <= 0:
        return None
    return measured / peak


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


def calibration_from_report(report_dict: dict, catalog_row: dict) -> Calibration:
    """Measured / datasheet-peak fractions for the device of `catalog_row`.

    CPU rows use `cpu.matmul_fp32_gflops`, `cpu.matmul_fp64_gflops` and
    `cpu.memory_bandwidth_gbps`; GPU rows use the GPU whose `catalog_id` (or name) matches and
    its `matmul_tflops` per precision and `memory_bandwidth_gbps`. Precisions the catalog has
    no peak for are left out. Raises BadInput when the report has no figures for that device.
    """
    from hardware_db.loader import PEAK_COLUMNS

    section, where = _section_for(report_dict, catalog_row)
    compute: dict[str, float] = {}
    if where == "cpu":
        for prec in ("fp32", "fp64"):
            peak = catalog_row.get(PEAK_COLUMNS[prec])
            f = _frac(section.get(f"matmul_{prec}_gflops"), peak * 1000 if isinstance(peak, (int, float)) else None)
            if f is not None:
                compute[prec] = round(f, 4)
    else:
        for prec, tflops in (section.get("matmul_tflops") or {}).items():
            col = PEAK_COLUMNS.get(prec)
            f = _frac(tflops, catalog_row.get(col)) if col else None
            if f is not None:
                compute[prec] = round(f, 4)
    bw = _frac(section.get("memory_bandwidth_gbps"), catalog_row.get("memory_bandwidth_gbps"))
    host = (report_dict.get("machine") or {}).get("hostname") or "unknown host"
    when = report_dict.get("timestamp") or "unknown time"
    mode = "quick probe" if report_dict.get("quick") else "probe"
    return Calibration(
        device_id=catalog_row["id"],
        compute_efficiency=compute,
        bandwidth_efficiency=round(bw, 4) if bw is not None else None,
        source=f"{mode} {when} on {host} ({where})",
    )


def calibrations_from_history(history, catalog=None) -> dict[str, Calibration]:
    """device id -> Calibration from the newest stored run that measured that catalog device
    (the CPU's `catalog_id` and each GPU's). Runs whose devices match no catalog row are skipped."""
    if catalog is None:
        from hardware_db import load_catalog

        catalog = load_catalog()
    out: dict[str, Calibration] = {}
    for run in history.runs():  # newest first
        report = run.report
        ids = [(report.get("cpu") or {}).get("catalog_id")]
        ids += [g.get("catalog_id") for g in report.get("gpus") or [] if isinstance(g, dict)]
        for device_id in ids:
            if not device_id or device_id in out:
                continue
            try:
                row = catalog.row(device_id)
            except KeyError:
                continue
            try:
                cal = calibration_from_report(report, row)
            except BadInput:
                continue
            if cal.compute_efficiency or cal.bandwidth_efficiency is not None:
                out[device_id] = cal
    return out
