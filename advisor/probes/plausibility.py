"""Which probe figures can be believed: each one against the physics of the device.

A figure is flagged (and never used to calibrate anything) when
- it is above ABOVE_PEAK x the device's theoretical peak (a probe cannot beat the hardware: a
  timer glitch, a lazy library call that did no work, or a file someone edited),
- it is below BELOW_PEAK x that peak (a probe that measured something else: a throttled,
  shared or misconfigured device, or a file someone edited),
- its repetitions never settled (spread above `measure.UNSETTLED_SPREAD`: another program
  was using the machine), or the machine was busy while it ran (load average well above the
  probe's threads, or over BUSY_OTHERS_SHARE of the CPUs' time taken by other programs or,
  on a VM, stolen by the hypervisor while the probe ran),
- it contradicts another figure of the same run: a bigger batch that finishes a call faster
  than a smaller one (more work on the same weights cannot take less time), or a batch whose
  FLOP rate exceeds the peak (faster per sample than physics allows).

Peaks: the catalog row of the device (datasheet dense peaks, memory bandwidth, TDP); for a
CPU without one, the peak detection computes from the ISA, the core count and the clock. When
the OS reports no boost clock (most VMs), the cores may run above the reported clock, so the
upper bound allows BOOST_ALLOWANCE more.

The check runs on the figures themselves, every time they are used: an imported file's own
`plausibility` field is never trusted.
"""

from __future__ import annotations

import math

from advisor.probes.measure import HARD_MIN_REPS, UNSETTLED_SPREAD

#: Over 110% of the theoretical peak: not a real measurement.
ABOVE_PEAK = 1.10
#: Under 2% of the theoretical peak: a broken or starved measurement.
BELOW_PEAK = 0.02
#: Boost over the highest reported clock when the OS reports no max clock: AMD EPYC 9654
#: runs 2.4 GHz base / 3.7 GHz boost (x1.54; catalog row epyc-9654, hpctech table); this
#: machine's EPYC VM reports 2.6 GHz and its matmul ran at the rate of ~3.7 GHz.
BOOST_ALLOWANCE = 1.6
#: A bigger batch whose call takes less than this fraction of a smaller batch's contradicts
#: itself (allowing for timer noise).
BATCH_CONTRADICTION = 0.8
#: Board power above this many times the catalog TDP is not a real reading.
ABOVE_TDP = 1.25
#: A CPU figure measured while the 1-minute load average exceeded the probe's threads by more
#: than this was measured on a busy machine (other programs held the cores: on this project's
#: 2-vCPU box at load 7-10, fp32 matmul ranged 0.4-180 GFLOP/s between runs): flagged.
BUSY_LOAD_MARGIN = 1.5
#: Share of the usable CPUs' time that others took (other programs, or a hypervisor's steal)
#: while a figure was measured, above which the figure is flagged busy: a quarter of the
#: machine gone elsewhere slows an all-core matmul or copy by about that much, far beyond the
#: few % of run-to-run spread a quiet machine shows (`cpu.CpuShareWatch`).
BUSY_OTHERS_SHARE = 0.25


def _num(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _flag(figure: str, value: float, kind: str, reason: str, limit: float | None = None) -> dict:
    out = {"figure": figure, "value": round(value, 4), "kind": kind, "reason": reason}
    if limit is not None:
        out["limit"] = round(limit, 4)
    return out


def _against_peak(flags: list, figure: str, value, peak, ceiling=None, unit: str = "") -> None:
    """Flag `value` above ABOVE_PEAK x ceiling (default the peak) or below BELOW_PEAK x peak."""
    v, p = _num(value), _num(peak)
    if v is None or p is None or p <= 0:
        return
    top = (_num(ceiling) or p) * ABOVE_PEAK
    if v > top:
        flags.append(_flag(figure, v, "above_peak",
                           f"{v:,.4g}{unit} is above {ABOVE_PEAK:.0%} of the theoretical peak "
                           f"({(_num(ceiling) or p):,.4g}{unit})", top))
    elif v < p * BELOW_PEAK:
        flags.append(_flag(figure, v, "below_floor",
                           f"{v:,.4g}{unit} is under {BELOW_PEAK:.0%} of the theoretical peak ({p:,.4g}{unit})",
                           p * BELOW_PEAK))


def _unsettled(flags: list, prefix: str, measurements) -> None:
    if not isinstance(measurements, dict):
        return
    for name, m in measurements.items():
        spread = _num(m.get("spread")) if isinstance(m, dict) else None
        reps = _num(m.get("reps")) if isinstance(m, dict) else None
        if reps is not None and reps < HARD_MIN_REPS:
            flags.append(_flag(f"{prefix}.{name}", reps, "unsettled",
                               f"only {reps:.0f} repetition(s): the probe's time ran out", HARD_MIN_REPS))
        elif spread is not None and spread > UNSETTLED_SPREAD:
            flags.append(_flag(f"{prefix}.{name}", spread, "unsettled",
                               f"repetitions spread {spread:.0%} (over {UNSETTLED_SPREAD:.0%}): "
                               "something else was using the machine", UNSETTLED_SPREAD))


_CONDITION_FIGURES = {"matmul_fp32": ["matmul_fp32_gflops"], "matmul_fp64": ["matmul_fp64_gflops"],
                      "memory_bandwidth": ["memory_bandwidth_gbps"]}


def _busy(flags: list, cpu: dict) -> None:
    """Flag CPU figures measured while other programs kept the cores busy."""
    conditions = cpu.get("conditions")
    if not isinstance(conditions, dict):
        return
    for probe, cond in conditions.items():
        if not isinstance(cond, dict):
            continue
        load, threads = _num(cond.get("load_avg_1min")), _num(cond.get("threads"))
        others, steal = _num(cond.get("others_cpu_share")), _num(cond.get("steal_share"))
        if load is not None and threads and load > threads + BUSY_LOAD_MARGIN:
            value, limit = load, threads + BUSY_LOAD_MARGIN
            reason = f"measured while the machine was busy (load {load:.1f} on {threads:.0f} threads)"
        elif others is not None and others > BUSY_OTHERS_SHARE:
            value, limit = others, BUSY_OTHERS_SHARE
            who = "the hypervisor gave to other guests" if steal is not None and steal > others / 2 \
                else "other programs used"
            reason = f"measured while {who} {others:.0%} of this machine's CPU time"
        else:
            continue
        names = _CONDITION_FIGURES.get(probe)
        if names is None and probe == "latency_by_batch":
            names = [f"latency_by_batch.{b}.latency_ms" for b in (cpu.get("latency_by_batch") or {})]
        for name in names or []:
            flags.append(_flag(f"cpu.{name}", value, "busy", reason, limit))


def _latency(flags: list, prefix: str, lat, peak_gflops, ceiling_gflops) -> None:
    """Latency by batch: no batch's FLOP rate above the peak; no bigger batch faster per call."""
    if not isinstance(lat, dict):
        return
    entries = []
    for batch, e in lat.items():
        if str(batch).isdigit() and isinstance(e, dict):
            entries.append((int(batch), e))
    entries.sort()
    for b, e in entries:
        rate = _num(e.get("gflops"))
        if rate is None and _num(e.get("tflops")) is not None:
            rate = _num(e.get("tflops")) * 1000
        top = _num(ceiling_gflops) or _num(peak_gflops)
        if rate is not None and top and rate > top * ABOVE_PEAK:
            flags.append(_flag(f"{prefix}.latency_by_batch.{b}.latency_ms", _num(e.get("latency_ms")) or 0.0,
                               "contradiction", f"batch {b} runs at {rate:,.4g} GFLOP/s, faster per sample than "
                               f"the peak ({top:,.4g} GFLOP/s) allows", top * ABOVE_PEAK))
    for (b_small, e_small), (b_big, e_big) in zip(entries, entries[1:]):
        small, big = _num(e_small.get("latency_ms")), _num(e_big.get("latency_ms"))
        if small and big is not None and big < small * BATCH_CONTRADICTION:
            flags.append(_flag(f"{prefix}.latency_by_batch.{b_big}.latency_ms", big, "contradiction",
                               f"batch {b_big} took {big:.4g} ms, less than batch {b_small} ({small:.4g} ms): "
                               "more work on the same weights cannot take less time", small * BATCH_CONTRADICTION))
            flags.append(_flag(f"{prefix}.latency_by_batch.{b_small}.latency_ms", small, "contradiction",
                               f"batch {b_small} took {small:.4g} ms, more than batch {b_big} ({big:.4g} ms)"))


def _row(catalog, device_id):
    if not device_id or catalog is None:
        return None
    try:
        return catalog.row(device_id)
    except KeyError:
        return None


def cpu_peaks(report: dict, catalog=None) -> dict:
    """The CPU's theoretical peaks: {'fp32': GFLOP/s, 'fp64': ..., 'bandwidth': GB/s,
    'fp32_ceiling': the upper bound with boost allowance, 'source': ...} (missing: unknown)."""
    cpu = report.get("cpu") if isinstance(report.get("cpu"), dict) else {}
    hw = ((report.get("machine") or {}).get("cpu") or {}) if isinstance(report.get("machine"), dict) else {}
    hw = hw if isinstance(hw, dict) else {}
    row = _row(catalog, cpu.get("catalog_id") or hw.get("catalog_id"))
    out: dict = {}
    if row is not None:
        for prec in ("fp32", "fp64"):
            v = _num(row.get(f"{prec}_tflops"))
            if v:
                out[prec] = v * 1000
        if _num(row.get("memory_bandwidth_gbps")):
            out["bandwidth"] = float(row["memory_bandwidth_gbps"])
        out["source"] = f"catalog {row['id']}"
    if "fp32" not in out and _num(hw.get("peak_gflops_fp32")):
        out["fp32"] = float(hw["peak_gflops_fp32"])
        out["source"] = "theoretical peak from detection"
    if "fp64" not in out and "fp32" in out:
        out["fp64"] = out["fp32"] / 2  # SIMD lanes hold half as many float64 (x86 AVX*, Arm NEON/SVE)
    boost_known = hw.get("peak_clock_source") == "max boost" or _num(hw.get("max_ghz"))
    allowance = 1.0 if (boost_known or row is not None) else BOOST_ALLOWANCE
    for prec in ("fp32", "fp64"):
        if prec in out:
            out[f"{prec}_ceiling"] = out[prec] * allowance
    return out


def check_report(report: dict, catalog=None) -> list[dict]:
    """Flags for every implausible figure of a `probe --json` report (see module docstring).

    Each flag: {figure: 'cpu.matmul_fp32_gflops' or 'gpus[0].matmul_tflops.bf16' ..., value,
    kind: above_peak | below_floor | unsettled | busy | contradiction | above_tdp, reason, limit}.
    """
    if not isinstance(report, dict):
        return []
    if catalog is None:
        try:
            from hardware_db import load_catalog

            catalog = load_catalog()
        except Exception:  # the checks that need no catalog still run
            catalog = None
    flags: list[dict] = []
    cpu = report.get("cpu") if isinstance(report.get("cpu"), dict) else {}
    if cpu:
        peaks = cpu_peaks(report, catalog)
        for prec in ("fp32", "fp64"):
            _against_peak(flags, f"cpu.matmul_{prec}_gflops", cpu.get(f"matmul_{prec}_gflops"),
                          peaks.get(prec), peaks.get(f"{prec}_ceiling"), " GFLOP/s")
        _against_peak(flags, "cpu.memory_bandwidth_gbps", cpu.get("memory_bandwidth_gbps"), peaks.get("bandwidth"),
                      unit=" GB/s")
        _latency(flags, "cpu", cpu.get("latency_by_batch"), peaks.get("fp32"), peaks.get("fp32_ceiling"))
        _unsettled(flags, "cpu", cpu.get("measurements"))
        _busy(flags, cpu)
    from hardware_db.loader import PEAK_COLUMNS

    for i, g in enumerate(report.get("gpus") or []):
        if not isinstance(g, dict):
            continue
        row = _row(catalog, g.get("catalog_id"))
        prefix = f"gpus[{i}]"
        if row is not None:
            for prec, tflops in (g.get("matmul_tflops") or {}).items():
                col = PEAK_COLUMNS.get(prec)
                _against_peak(flags, f"{prefix}.matmul_tflops.{prec}", tflops, row.get(col) if col else None,
                              unit=" TFLOP/s")
            _against_peak(flags, f"{prefix}.memory_bandwidth_gbps", g.get("memory_bandwidth_gbps"),
                          row.get("memory_bandwidth_gbps"), unit=" GB/s")
            lat_prec = ((g.get("latency_model") or {}).get("precision")) or "bf16"
            peak = _num(row.get(PEAK_COLUMNS.get(lat_prec, "bf16_tflops")))
            _latency(flags, prefix, g.get("latency_by_batch"), peak * 1000 if peak else None, None)
            tdp, watts = _num(row.get("tdp_w")), _num(g.get("power_w_under_matmul"))
            if tdp and watts is not None and watts > tdp * ABOVE_TDP:
                flags.append(_flag(f"{prefix}.power_w_under_matmul", watts, "above_tdp",
                                   f"{watts:,.0f} W is above {ABOVE_TDP:.0%} of the board's {tdp:,.0f} W TDP",
                                   tdp * ABOVE_TDP))
        else:
            _latency(flags, prefix, g.get("latency_by_batch"), None, None)
        _unsettled(flags, prefix, g.get("measurements"))
    return flags


def flagged_figures(report: dict, catalog=None) -> set[str]:
    """The figure paths `check_report` flags (what calibration must not use)."""
    return {f["figure"] for f in check_report(report, catalog)}
