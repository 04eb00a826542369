"""Gathering what the report shows: every figure from `advisor` (no Qt here)."""

from __future__ import annotations

import math
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from advisor.errors import BadInput

TOP_N = 5  # candidates in the table (plus the devices the user asked for)


@dataclass
class ReportData:
    """Everything the report shows, computed once."""

    workload: object
    catalog: object
    table: object
    estimates: object
    ranking: object
    charts: dict
    shown: list[int]  # device indices in the candidates table, in order
    requested: set[int]  # indices the user asked for
    records: dict[int, dict]  # index -> Estimates.record + rank/why/optimized_for
    best_for_phase: dict[str, int]  # 'training'/'inference' -> index (lifecycle workloads)
    machine_text: str
    probe: dict | None
    created: datetime
    calibrated_ids: list[str] = field(default_factory=list)
    plans: dict | None = None  # advisor.plan.plan(): the "What to buy" section


def _as_workload(workload):
    from advisor.workload import Workload, load_workload

    if isinstance(workload, Workload):
        return workload
    if isinstance(workload, (str, os.PathLike)):
        return load_workload(workload)
    raise BadInput(f"report: expected a workload or a workload file, got {type(workload).__name__}")


def _resolve_devices(catalog, table, devices) -> list[int]:
    ids = list(table.ids)
    out = []
    for d in devices or []:
        dev_id = d if d in ids else catalog.resolve(d)["id"]
        k = ids.index(dev_id)
        if k not in out:
            out.append(k)
    return out


def machine_summary(machine) -> str:
    """One line about the machine the report was made on."""
    if machine is None:
        return "not detected"
    cpu = machine.cpu
    brand = cpu.brand
    if not brand:
        try:
            from advisor.probes.machine import basic_hardware

            brand = basic_hardware()["cpu"]["brand"]
        except Exception:
            brand = platform.processor() or f"{cpu.arch} CPU"
    cores = f"{cpu.cores} cores" if cpu.cores else ""
    threads = f"{cpu.threads} threads" if cpu.threads and cpu.threads != cpu.cores else ""
    bits = [f"{brand} ({', '.join(b for b in (cores, threads) if b) or cpu.arch})", f"{machine.memory_gb:g} GB RAM"]
    if machine.gpus:
        names: dict[str, int] = {}
        for g in machine.gpus:
            label = g.name + (f" {g.memory_gb:.0f} GB" if g.memory_gb else "")
            names[label] = names.get(label, 0) + 1
        bits.append(", ".join(f"{n} x {label}" for label, n in names.items()))
    else:
        bits.append("no GPU detected")
    return f"{platform.node() or 'this machine'}: " + "; ".join(bits)


def _detect(catalog):
    try:
        from advisor.detect import detect_machine

        return detect_machine(catalog, fast=True)
    except Exception:  # detection never stops a report
        return None


def _stored_probe(catalog=None) -> dict | None:
    """This machine's combined probe figures: the same state the GUI's Machine view shows
    (`advisor.calibrations`)."""
    try:
        from advisor.calibrations import load_state

        return load_state(catalog).machine_report
    except Exception:  # a broken history never stops a report
        return None


def build_data(workload, *, catalog=None, devices=None, machine=None, probe=None, calibrations=None,
               options=None, owned=None, prices=None) -> ReportData:
    """Compute everything the report shows (no Qt).

    machine: a `MachineInfo`; None detects this machine (fast path). probe: a probe report
    dict; None uses this machine's newest stored run, {} means none. calibrations: device id
    -> Calibration; None uses the stored probe history, as `recommend` does.
    """
    from advisor import sweeps
    from advisor.model.devices import device_table
    from advisor.model.estimate import estimate_table
    from advisor.recommend import classify, rank, reasons

    wl = _as_workload(workload)
    if catalog is None:
        from hardware_db import load_catalog

        catalog = load_catalog()
    if calibrations is None:
        from advisor.calibrations import stored_calibrations

        calibrations = stored_calibrations(catalog)
    table = device_table(catalog)
    requested = _resolve_devices(catalog, table, devices)
    est = estimate_table(wl, table, calibrations=calibrations)
    rk = rank(est)
    charts = sweeps.all_chart_data(wl, table, rk, calibrations=calibrations)
    top = [int(i) for i in rk.order[:6]]
    best = rk.best()
    extra = [i for i in requested if i not in top]
    roof_idx = np.array(top + extra, dtype=int)
    if probe is None:
        probe = _stored_probe(catalog)
    charts["roofline"] = sweeps.roofline(est, roof_idx, _measured_point(probe))
    charts["memory"] = sweeps.memory_breakdown(est, roof_idx[:8])

    position = {int(j): k for k, j in enumerate(rk.order)}
    shown = [int(i) for i in rk.order[:TOP_N]] + [i for i in requested if i not in rk.order[:TOP_N]]
    best_key = rk.key[best] if best is not None else math.nan
    records = {}
    for i in shown:
        rec = est.record(i)
        pos = position.get(i)
        cls, cls_why = classify(table.rows[i])
        rec.update({
            "rank": None if pos is None else pos + 1,
            "score": (round(float(100 * best_key / rk.key[i]), 1) if rk.key[i] > 0 else 100.0) if pos is not None else None,
            "pareto": bool(rk.pareto[i]), "optimized_for": cls, "optimized_for_why": cls_why,
            "why": reasons(rk, i, pos) if pos is not None else [rk.excluded.get(i, "not ranked")],
        })
        records[i] = rec
    best_for_phase = {}
    if rk.phase == "both":
        for phase in ("training", "inference"):
            b = rank(est, phase).best()
            if b is not None:
                best_for_phase[phase] = b
    if machine is None:
        machine = _detect(catalog)
    plans = _plans(wl, catalog, table, requested, options, owned, prices, calibrations, machine)
    return ReportData(
        plans=plans,
        workload=wl, catalog=catalog, table=table, estimates=est, ranking=rk, charts=charts, shown=shown,
        requested=set(requested), records=records, best_for_phase=best_for_phase,
        machine_text=machine_summary(machine), probe=probe or None, created=datetime.now().astimezone(),
        calibrated_ids=[str(table.ids[i]) for i in np.flatnonzero(est.calibrated)],
    )


def _measured_point(probe) -> dict | None:
    cpu = (probe or {}).get("cpu") or {}
    gf, bw = cpu.get("matmul_fp32_gflops"), cpu.get("memory_bandwidth_gbps")
    if not gf or not bw:
        return None
    return {"name": "this machine (measured)", "tflops": gf / 1000, "bandwidth_gbps": bw}



def _plans(wl, catalog, table, requested, options, owned, prices, calibrations, machine) -> dict:
    """The "What to buy" plans: the options asked for (texts such as '2x rtx 4090', 'this machine'),
    else the devices asked for and the top recommended ones."""
    from advisor.plan import Option, default_options, parse_option, parse_owned, parse_prices, plan

    opts = [parse_option(t, catalog, machine=machine) for t in options or ()]
    if not opts:
        opts = [Option(str(table.ids[i]), None, False, str(table.names[i])) for i in requested]
        have = {o.device_id for o in opts}
        opts += [o for o in default_options(wl, catalog, top=3, calibrations=calibrations)
                 if o.device_id not in have][: max(0, 4 - len(opts))]
    return plan(wl, catalog, opts, owned=parse_owned(owned, catalog, machine=machine),
                prices=parse_prices(prices, catalog), calibrations=calibrations)
