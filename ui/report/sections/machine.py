"""This machine: what it is, and its stored probe figures."""

from __future__ import annotations

import math

from advisor.probes.repeatability import stated_spread
from ui.charts import fmt_ms, fmt_num
from ui.report.text import cell, esc, table


def _pm(measurements, name: str) -> str:
    """'±8%': the spread the newest run states for a figure (its own, or this machine's run to
    run, whichever is larger: advisor.probes.repeatability); '—' when it states none."""
    m = measurements.get(name) if isinstance(measurements, dict) else None
    s = stated_spread(m)
    return f"±{s * 100:.0f}%" if s is not None else "—"


def build(d, b) -> list:
    return [b.html(probe_html(d))]


def probe_html(d) -> str:
    out = [f"<h2>This machine</h2><p>{esc(d.machine_text)}</p>"]
    pr = d.probe
    if not pr:
        out.append("<p class='muted'>No probe of this machine is stored, so no measured figures are shown and the "
                   "estimates use the default efficiency factors. Run <i>python main.py probe</i> (or Probe in the "
                   "app) to measure it.</p>")
        return "".join(out)
    when = pr.get("timestamp") or "unknown time"
    kind = "quick" if pr.get("quick") else "full"
    combined = pr.get("combined_from") or []
    if combined:  # the figures the GUI shows and the calibration uses (advisor.calibrations)
        out.append(f"<p>Each figure is the median of the {len(combined)} most recent plausible probe run(s) of this "
                   f"machine (history runs {esc(', '.join(map(str, combined)))}); the newest, a {kind} run, was at "
                   f"{esc(when)} (app {esc(pr.get('app_version', '?'))}).</p>")
    else:
        out.append(f"<p>Measured by a {kind} probe run at {esc(when)} (app {esc(pr.get('app_version', '?'))}, "
                   f"{fmt_num(pr.get('duration_s') or math.nan)} s).</p>")
    rows = []
    cpu = pr.get("cpu") or {}
    cm = cpu.get("measurements") or {}
    for key, label, unit in (("matmul_fp32_gflops", "CPU matmul FP32", "GFLOP/s"),
                             ("matmul_fp64_gflops", "CPU matmul FP64", "GFLOP/s"),
                             ("memory_bandwidth_gbps", "CPU memory bandwidth (read + write)", "GB/s")):
        if isinstance(cpu.get(key), (int, float)):
            rows.append(f"<tr><td>{label}</td>{cell(fmt_num(cpu[key], unit), '', 'num')}"
                        f"{cell(_pm(cm, key), '', 'num')}</tr>")
    lat = cpu.get("latency_by_batch") or {}
    if isinstance(lat, dict) and lat:
        bits = []
        def batch_number(item):
            try:
                return float(item[0])
            except (TypeError, ValueError):
                return math.inf

        for b, v in sorted(lat.items(), key=batch_number)[:8]:
            if isinstance(v, dict) and isinstance(v.get("latency_ms"), (int, float)):
                pm = _pm(cm, f"latency_by_batch.{b}.latency_ms")
                bits.append(f"batch {b}: {fmt_ms(v['latency_ms'])}" + (f" {pm}" if pm != "—" else ""))
        if bits:
            rows.append(f"<tr><td>CPU MLP-block latency</td><td class='num'>{esc(', '.join(bits))}</td>"
                        "<td class='num'>beside each</td></tr>")
    for g in pr.get("gpus") or []:
        if not isinstance(g, dict):
            continue
        name = g.get("name", f"GPU {g.get('index', '')}")
        gm = g.get("measurements") or {}
        for prec, v in (g.get("matmul_tflops") or {}).items():
            if isinstance(v, (int, float)):
                rows.append(f"<tr><td>{esc(name)} matmul {esc(prec.upper())}</td>{cell(fmt_num(v, 'TFLOP/s'), '', 'num')}"
                            f"{cell(_pm(gm, f'matmul_tflops.{prec}'), '', 'num')}</tr>")
        if isinstance(g.get("memory_bandwidth_gbps"), (int, float)):
            rows.append(f"<tr><td>{esc(name)} memory bandwidth (copy)</td>"
                        f"{cell(fmt_num(g['memory_bandwidth_gbps'], 'GB/s'), '', 'num')}"
                        f"{cell(_pm(gm, 'memory_bandwidth_gbps'), '', 'num')}</tr>")
        if isinstance(g.get("power_w_under_matmul"), (int, float)):
            rows.append(f"<tr><td>{esc(name)} power under matmul</td>"
                        f"{cell(fmt_num(g['power_w_under_matmul'], 'W'), '', 'num')}<td class='num'>—</td></tr>")
    if rows:
        out.append(table([("Probe figure", False), ("Measured", True), ("Spread", True)], rows))
        out.append("<p class='muted'>Spread: how far the newest run says the figure may move, one standard "
                   "deviation: its own repetitions' spread or this machine's run-to-run spread over its recent runs "
                   "(a prior until it has five), whichever is larger. Two runs agree when their ranges, two spreads "
                   "either side, overlap.</p>")
    if d.calibrated_ids:
        out.append(f"<p class='muted'>Measured efficiencies replace the defaults for: {esc(', '.join(d.calibrated_ids))}."
                   "</p>")
    return "".join(out)


