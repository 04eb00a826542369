"""Machines side by side: every measured figure of every machine in the probe history (this
one and imported ones), its efficiency against the datasheet, and its trend over runs; and
any machine as an option the estimator can price (a Compare column, a plan option).

A machine's column uses its newest run, except this machine, which uses the combined figures
(`advisor.calibrations.combined_report`) that calibrate its rows. A machine as an option is
the catalog row of its main device (its first GPU the catalog knows, else its CPU's row, else
a row from the detected CPU peaks) calibrated by that machine's plausible figures only.
"""

from __future__ import annotations

import dataclasses
import math
import platform

from advisor.model.calibration import Calibration

#: Device ids of machines as options: "machine:<fingerprint>".
MACHINE_PREFIX = "machine:"
SPARK = "▁▂▃▄▅▆▇█"


def _num(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def sparkline(values: list[float]) -> str:
    """Oldest to newest as block characters ('▁▄█'); '' for fewer than two values."""
    vals = [v for v in values if v is not None]
    if len(vals) < 2:
        return ""
    lo, hi = min(vals), max(vals)
    if hi == lo:
        return SPARK[3] * len(vals)
    return "".join(SPARK[round((v - lo) / (hi - lo) * (len(SPARK) - 1))] for v in vals)


def _figures_of(report: dict) -> list[tuple[str, str, str, float | None, float | None]]:
    """(key, label, unit, value, efficiency) for every measured figure of one report."""
    out = []
    cpu = report.get("cpu") if isinstance(report.get("cpu"), dict) else {}
    eff = cpu.get("efficiency") or {}
    for key, label, unit, ek in (("matmul_fp32_gflops", "CPU matmul FP32", "GFLOP/s", "fp32"),
                                 ("matmul_fp64_gflops", "CPU matmul FP64", "GFLOP/s", "fp64"),
                                 ("memory_bandwidth_gbps", "CPU memory bandwidth", "GB/s", "memory_bandwidth")):
        if _num(cpu.get(key)) is not None:
            out.append((f"cpu.{key}", label, unit, _num(cpu[key]), _num(eff.get(ek))))
    for batch, e in sorted((cpu.get("latency_by_batch") or {}).items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else 0):
        if isinstance(e, dict) and _num(e.get("latency_ms")) is not None:
            out.append((f"cpu.latency_by_batch.{batch}.latency_ms", f"CPU MLP block latency, batch {batch}", "ms",
                        _num(e["latency_ms"]), _num(e.get("utilisation"))))
    for i, g in enumerate(report.get("gpus") or []):
        if not isinstance(g, dict):
            continue
        geff = g.get("efficiency") or {}
        tag = f"GPU {g.get('index', i)}"
        for prec, v in (g.get("matmul_tflops") or {}).items():
            if _num(v) is not None:
                out.append((f"gpus[{i}].matmul_tflops.{prec}", f"{tag} matmul {str(prec).upper()}",
                            "TOP/s" if prec in ("int8", "int4") else "TFLOP/s", _num(v), _num(geff.get(prec))))
        for key, label, unit in (("memory_bandwidth_gbps", "memory bandwidth", "GB/s"),
                                 ("host_to_device_gbps", "host-to-device", "GB/s"),
                                 ("power_w_under_matmul", "power under matmul", "W"),
                                 ("energy_j_per_tflop", "energy per TFLOP", "J"),
                                 ("tflop_per_joule", "TFLOP per joule", "TFLOP/J")):
            if _num(g.get(key)) is not None:
                e = _num(geff.get("memory_bandwidth")) if key == "memory_bandwidth_gbps" else None
                out.append((f"gpus[{i}].{key}", f"{tag} {label}", unit, _num(g[key]), e))
        for batch, e in sorted((g.get("latency_by_batch") or {}).items(),
                               key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else 0):
            if isinstance(e, dict) and _num(e.get("latency_ms")) is not None:
                out.append((f"gpus[{i}].latency_by_batch.{batch}.latency_ms", f"{tag} MLP block latency, batch {batch}",
                            "ms", _num(e["latency_ms"]), _num(e.get("utilisation"))))
    return out


def with_efficiency(report: dict, catalog=None) -> dict:
    """A copy of `report` with its efficiencies (measured / datasheet peak) computed here from the
    catalog, as for a run of this machine: an imported file's own `efficiency` is someone else's
    arithmetic and is not shown (nor is one missing from it left out)."""
    import copy

    from advisor.probes.runner import ProbeReport, attach_efficiency

    if not isinstance(report, dict):
        return report
    out = copy.deepcopy(report)
    cpu = out.get("cpu") if isinstance(out.get("cpu"), dict) else {}
    gpus = [g for g in out.get("gpus") or [] if isinstance(g, dict)]
    machine = out.get("machine") if isinstance(out.get("machine"), dict) else {}
    cpu.pop("efficiency", None)
    for g in gpus:
        g.pop("efficiency", None)
    try:
        attach_efficiency(ProbeReport(cpu=cpu, gpus=gpus, machine=machine), catalog)
    except Exception:  # a malformed imported section: its figures are shown without percentages
        pass
    return out


def machine_columns(runs, catalog=None, host: str | None = None) -> list[dict]:
    """One column per machine seen: label, fingerprint, whether imported, the report shown,
    and every run of that machine (oldest first) for trends."""
    from advisor.calibrations import combined_report, local_runs

    host = host if host is not None else platform.node()
    mine = {r.id for r in local_runs(runs, host)}
    by_fp: dict[str, list] = {}
    for run in runs:
        by_fp.setdefault(run.fingerprint, []).append(run)
    cols = []
    for fp, its in by_fp.items():
        newest = its[0]
        this = newest.id in mine
        report = (combined_report(its, catalog, host) if this else None) or with_efficiency(newest.report, catalog)
        gpus = [g.get("name", "GPU") for g in newest.report.get("gpus") or [] if isinstance(g, dict)]
        cpu_brand = ((newest.report.get("machine") or {}).get("cpu") or {}).get("brand")
        cols.append({
            "id": MACHINE_PREFIX + fp, "fingerprint": fp, "hostname": newest.hostname,
            "label": ("This machine" if this else newest.hostname) + (f" ({gpus[0]})" if gpus else
                                                                     f" ({cpu_brand})" if cpu_brand else ""),
            "this_machine": this, "imported": newest.imported, "report": report,
            "runs": list(reversed(its)), "newest": newest.created_at,
            "applied_to": sorted({d for r in its for d in r.applied_to}),
        })
    cols.sort(key=lambda c: (not c["this_machine"], c["hostname"]))
    return cols


def side_by_side(runs, catalog=None, host: str | None = None) -> dict:
    """{"columns": machine_columns(...), "rows": [{key, label, unit, values, efficiency,
    spread, trend, flagged}]} with a row for every figure any machine measured. `spread`: the
    spread the column's newest run states for the figure (`repeatability.stated_spread`: its
    own or the machine's run-to-run spread, whichever is larger; an imported run's own)."""
    from advisor.probes.plausibility import flagged_figures
    from advisor.probes.repeatability import measurement_for, stated_spread

    if catalog is None and runs:  # once here, not in each column's efficiency and plausibility check
        from hardware_db import load_catalog

        catalog = load_catalog()
    cols = machine_columns(runs, catalog, host)
    rows: dict[str, dict] = {}
    order: list[str] = []
    for c, col in enumerate(cols):
        flagged = flagged_figures(col["report"], catalog)
        history: dict[str, list[float | None]] = {}
        for run in col["runs"]:
            for key, _label, _unit, v, _e in _figures_of(run.report):
                history.setdefault(key, []).append(v)
        for key, label, unit, v, e in _figures_of(col["report"]):
            if key not in rows:
                rows[key] = {"key": key, "label": label, "unit": unit, "values": [None] * len(cols),
                             "efficiency": [None] * len(cols), "spread": [None] * len(cols), "trend": [""] * len(cols),
                             "history": [[] for _ in cols], "flagged": [False] * len(cols)}
                order.append(key)
            r = rows[key]
            r["values"][c], r["efficiency"][c] = v, e
            r["spread"][c] = stated_spread(measurement_for(col["report"], key))
            r["history"][c] = history.get(key, [])
            r["trend"][c] = sparkline(history.get(key, []))
            r["flagged"][c] = key in flagged
    return {"columns": cols, "rows": [rows[k] for k in order]}


def _main_row(report: dict, catalog) -> tuple[dict, str] | None:
    """The catalog row of a report's main device and the report section measured on it."""
    for g in report.get("gpus") or []:
        if not isinstance(g, dict):
            continue
        for key in (g.get("catalog_id"),):
            if key:
                try:
                    return catalog.row(key), "gpu"
                except KeyError:
                    pass
    cid = (report.get("cpu") or {}).get("catalog_id") or ((report.get("machine") or {}).get("cpu") or {}).get("catalog_id")
    if cid:
        try:
            return catalog.row(cid), "cpu"
        except KeyError:
            pass
    hw = (report.get("machine") or {}).get("cpu") or {}
    peak = _num(hw.get("peak_gflops_fp32"))
    if peak is None or not (report.get("cpu") or {}):
        return None
    bw = _num((report.get("cpu") or {}).get("memory_bandwidth_gbps"))
    bf16 = _num(hw.get("peak_gflops_bf16"))
    return ({"id": "detected-cpu", "name": hw.get("brand") or "CPU", "aliases": (), "vendor": hw.get("vendor") or "unknown",
             "kind": "cpu", "segment": "workstation", "memory_gb": _num((report.get("machine") or {}).get("memory_gb")),
             "memory_type": "DDR", "memory_bandwidth_gbps": bw if bw else math.nan, "fp32_tflops": peak / 1000,
             "bf16_tflops": bf16 / 1000 if bf16 else math.nan, "source": "detected on that machine"}, "cpu")


def machine_option(column: dict, catalog) -> tuple[dict, Calibration | None] | None:
    """A machine (a `machine_columns` entry) as a device row the estimator can price, with the
    calibration its own plausible figures give; None when nothing in it maps to a device."""
    from advisor.errors import BadInput
    from advisor.probes.calibrate import calibration_from_report

    found = _main_row(column["report"], catalog)
    if found is None:
        return None
    base, _ = found
    row = dict(base)
    row["id"] = column["id"]
    row["name"] = f"{'This machine' if column['this_machine'] else column['hostname']} (measured {base.get('name')})"
    row["source"] = f"probe of {column['hostname']} ({base.get('name')}: {base.get('source', '')})"
    try:
        cal = calibration_from_report(column["report"], base, catalog)
    except BadInput:
        cal = None
    if cal is not None:
        cal = dataclasses.replace(cal, device_id=row["id"])
    return row, cal


def machine_options(runs, catalog, host: str | None = None) -> dict[str, tuple[dict, Calibration | None]]:
    """device id -> (row, calibration) for every machine in the history that maps to a device."""
    out = {}
    for col in machine_columns(runs, catalog, host):
        opt = machine_option(col, catalog)
        if opt is not None:
            out[col["id"]] = opt
    return out


def is_machine_text(text: str) -> bool:
    """'machine:colleague', 'machine colleague', 'machine:3fa9…' name a machine of the history."""
    t = text.strip().lower()
    return t.startswith("machine:") or t.startswith("machine ")


def find_machine(text: str, runs, catalog, host: str | None = None) -> tuple[str, dict, Calibration | None]:
    """A machine of the probe history named by 'machine:HOSTNAME' (or 'machine:' and the start of
    its fingerprint) -> (device id, row, calibration) for `machine_option`. BadInput names the
    machines there are when none or several match."""
    from advisor.errors import BadInput

    want = text.strip()[len("machine"):].lstrip(": ").strip().lower()
    cols = machine_columns(runs, catalog, host)
    hits = [c for c in cols if want and (c["hostname"].lower() == want or c["fingerprint"].startswith(want)
                                         or (want == "this" and c["this_machine"]))]
    known = ", ".join(f"machine:{c['hostname']}" for c in cols) or "none (run or import a probe first)"
    if len(hits) != 1:
        what = "no machine" if not hits else "several machines"
        raise BadInput(f"--option: {what} in the probe history match '{text.strip()[:60]}'; known: {known}")
    opt = machine_option(hits[0], catalog)
    if opt is None:
        raise BadInput(f"--option: {text.strip()[:60]}: none of its probed devices is in the catalog")
    row, cal = opt
    return hits[0]["id"], row, cal


#: The id of this machine's CPU as a row of its own when the catalog has no row for it.
LOCAL_CPU_ID = "this-machine-cpu"


def detected_cpu_row(machine, measured_bandwidth_gbps: float | None = None) -> dict | None:
    """A device row for this machine's CPU when the catalog has no match for it: the peaks that
    detection derived from the ISA and clock, the detected RAM and (once probed) the measured
    memory bandwidth. None when the CPU is in the catalog (its own row is used then)."""
    from hardware_db.loader import _blank_row

    if machine is None or machine.cpu.catalog_id:
        return None
    cpu = machine.cpu

    def tf(g):
        return g / 1000 if g else math.nan

    label = cpu.brand or f"{cpu.cores or '?'}-core {cpu.arch} CPU"
    row = _blank_row()
    row.update({
        "id": LOCAL_CPU_ID, "name": f"This machine: {label}",
        "vendor": (cpu.vendor or "unknown").replace("GenuineIntel", "Intel").replace("AuthenticAMD", "AMD"),
        "kind": "cpu", "segment": "workstation", "memory_gb": machine.memory_gb or math.nan, "memory_type": "DDR",
        "memory_bandwidth_gbps": float(measured_bandwidth_gbps) if measured_bandwidth_gbps else math.nan,
        "fp32_tflops": tf(cpu.peak_gflops_fp32), "bf16_tflops": tf(cpu.peak_gflops_bf16),
        "int8_tops": tf(cpu.peak_gops_int8), "source": "detected on this machine",
        "notes": "Peaks from the detected ISA and clock; bandwidth measured by a probe." if measured_bandwidth_gbps
        else "Peaks from the detected ISA and clock; run a probe to measure memory bandwidth.",
    })
    return row


def with_this_machine(catalog, machine, measured_bandwidth_gbps: float | None = None):
    """`catalog`, plus a row for this machine's CPU when neither its GPUs nor its CPU are in it,
    so "this machine" can be estimated and planned like any device (DESIGN.md)."""
    from hardware_db.loader import Catalog

    if machine is None or any(g.catalog_id for g in machine.gpus):
        return catalog
    row = detected_cpu_row(machine, measured_bandwidth_gbps)
    if row is None or row["id"] in catalog.ids():
        return catalog
    return Catalog(rows=[*catalog.rows, row], warnings=list(catalog.warnings))


def measured_cpu_bandwidth() -> float | None:
    """This machine's CPU memory bandwidth as its plausible probe runs combine it (None: no run)."""
    from advisor.calibrations import load_state

    report = load_state().machine_report or {}
    return _num((report.get("cpu") or {}).get("memory_bandwidth_gbps"))


def calibrations_with_this_machine(catalog) -> dict[str, Calibration]:
    """The stored calibrations, plus those of this machine's CPU row when `catalog` has one
    (`with_this_machine`), combined from this machine's runs the same way."""
    from advisor.calibrations import load_state

    local = {LOCAL_CPU_ID: catalog.row(LOCAL_CPU_ID)} if LOCAL_CPU_ID in catalog.ids() else None
    return dict(load_state(catalog, local_rows=local).calibrations)
