"""How far a figure moves from one run to the next on this machine, and the range a run states.

A run's own spread (`measure.robust_spread` of its repetitions) says how steady the figure
was *during* the run. The next run differs by more: new buffers land on other pages and
cache sets, another tenant of the VM is busy or not, the clock governor starts elsewhere.
Measured here (benchmarks/results/cpu_repeat_2vcpu_quiet.json, ten quick runs on a quiet
2-vCPU VM), the run-to-run spread of the medians was 1.5x (fp32 matmul) to 4x (MLP block at
batch 32) the typical within-run spread: a range built from the within-run spread alone
promises more than the machine keeps.

So each figure states `stated_spread` = max(within-run spread, run-to-run spread,
`measure.MIN_STATED_SPREAD`), where the run-to-run spread is
- the spread (`spread_of_runs`) of this machine's own earlier medians of that figure (the newest
  `HISTORY_RUNS` local runs where the figure was not flagged implausible), once there are at
  least `MIN_HISTORY_RUNS` of them: the machine's own record is the best evidence;
- before that, a prior by kind of figure (`RUN_TO_RUN_PRIOR`), or the earlier runs' spread
  when that is larger.

The range is median x (1 +/- 2 x stated_spread) (`measure.stated_range`), so two runs of one
figure agree (`measure.agree`) when their ranges overlap.

The priors and where they come from:
- compute-bound figures (matmul throughput): 3%. Henning et al. 2025 ("When Should I Run My
  Application Benchmark?", 2,366 benchmark runs on AWS over three months) report a
  coefficient of variation under 3.7% run to run; our quiet VM gave 1.5% (fp32) and 4.1% (fp64).
- memory bandwidth: 8%. Laaber et al. 2019 ("Software microbenchmarking in the cloud. How bad
  is it really?", EMSE 24) find a coefficient of variation from 0.03% to over 100% by
  benchmark and instance type, so no public figure fits all; our quiet VM gave 8.8%.
- latency of one MLP block call (under a millisecond to tens of ms): 10%; short calls carry
  the scheduler's and the allocator's noise; our quiet VM gave 7% (batch 256) to 19% (batch 1).
Priors only speak until this machine has its own record; they never narrow a wider one.
"""

from __future__ import annotations

import math
import platform

from advisor.probes.measure import MIN_STATED_SPREAD, stated_spread  # noqa: F401 (part of this module's API)

#: Run-to-run spread assumed for a figure before this machine has `MIN_HISTORY_RUNS` of its own.
RUN_TO_RUN_PRIOR = {"compute": 0.03, "bandwidth": 0.08, "latency": 0.10}
#: Earlier runs whose medians give this machine's own run-to-run spread (newest first).
HISTORY_RUNS = 10
#: Earlier runs needed before the machine's own spread replaces the prior: the MAD of fewer
#: medians is too noisy (of three values it is often near zero).
MIN_HISTORY_RUNS = 5
#: A run further than this many run-to-run spreads from the machine's recent median is noted
#: as unusual (3: under 0.3% of runs for normal noise, so a note means something happened).
UNUSUAL_SPREADS = 3.0


def figure_kind(name: str) -> str:
    """'compute', 'bandwidth' or 'latency' for a measurement name ('matmul_fp32_gflops',
    'memory_bandwidth_gbps', 'latency_by_batch.8.latency_ms', 'matmul_tflops.bf16')."""
    if name.startswith("latency"):
        return "latency"
    if "bandwidth" in name or "to_device" in name:
        return "bandwidth"
    return "compute"


def _num(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _sections(report: dict):
    """(figure prefix, measurements dict) for the CPU and each GPU of a report."""
    cpu = report.get("cpu")
    if isinstance(cpu, dict) and isinstance(cpu.get("measurements"), dict):
        yield "cpu", cpu["measurements"]
    for i, g in enumerate(report.get("gpus") or []):
        if isinstance(g, dict) and isinstance(g.get("measurements"), dict):
            yield f"gpus[{i}]", g["measurements"]


def _is_flagged(path: str, flagged: set[str]) -> bool:
    return any(path == f or path.startswith(f + ".") for f in flagged)


def spread_of_runs(values: list[float]) -> float:
    """The spread of runs' medians: the root mean square of their relative deviations from
    their median (n - 1 in the denominator), 0 for fewer than two.

    Not the MAD-based `robust_spread` used within a run. There, one repetition hit by another
    process is noise to ignore (the run's figure is the median of many). Between runs, a machine
    that lands in a second mode now and then (this VM: memory copies 25% faster in 2 of 10 runs,
    as pages happened to be placed) is what the next run may do too, and a range that leaves
    such runs out promises more than the machine keeps. Runs flagged implausible are already
    left out (`earlier_medians`)."""
    if len(values) < 2:
        return 0.0
    import statistics

    med = statistics.median(values)
    if med <= 0:
        return 0.0
    return math.sqrt(sum((v / med - 1) ** 2 for v in values) / (len(values) - 1))


def run_to_run_spread(name: str, earlier: list[float]) -> tuple[float, str]:
    """The run-to-run spread of figure `name` from its earlier medians (newest first), and
    where it comes from ('3 earlier runs', 'prior for bandwidth figures')."""
    values = [v for v in earlier[:HISTORY_RUNS] if v is not None and v > 0]
    own = spread_of_runs(values) if len(values) >= 3 else 0.0
    if len(values) >= MIN_HISTORY_RUNS:
        return own, f"{len(values)} earlier runs here"
    kind = figure_kind(name)
    prior = RUN_TO_RUN_PRIOR[kind]
    if own > prior:
        return own, f"{len(values)} earlier runs here"
    return prior, f"prior for {kind} figures ({len(values)} earlier run{'s' if len(values) != 1 else ''} here)"


def earlier_medians(earlier_reports: list[dict], catalog=None) -> dict[str, list[float]]:
    """figure path ('cpu.matmul_fp32_gflops', 'gpus[0].matmul_tflops.bf16') -> earlier medians,
    newest first, leaving out figures the plausibility check flags in that run."""
    from advisor.probes.plausibility import flagged_figures

    if catalog is None and earlier_reports:
        try:  # once here, not once per run in flagged_figures
            from hardware_db import load_catalog

            catalog = load_catalog()
        except Exception:  # the checks that need no catalog still run
            catalog = None
    out: dict[str, list[float]] = {}
    for rep in earlier_reports:
        if not isinstance(rep, dict):
            continue
        try:
            flagged = flagged_figures(rep, catalog)
        except Exception:  # a malformed stored report: its figures are not evidence
            continue
        for prefix, measurements in _sections(rep):
            for name, m in measurements.items():
                path = _figure_path(prefix, name)
                med = _num(m.get("median")) if isinstance(m, dict) else None
                if med is None or _is_flagged(path, flagged):
                    continue
                out.setdefault(path, []).append(med)
    return out


def _figure_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}"


def annotate(report: dict, earlier_reports: list[dict], catalog=None) -> dict:
    """Add to every measurement of `report` (in place; also returned) its run-to-run spread,
    where that comes from, and the spread the run states:

        {"median", "spread", "reps", ..., "run_to_run_spread": 0.088,
         "run_to_run_basis": "9 earlier runs here", "stated_spread": 0.088}

    `earlier_reports`: this machine's earlier runs, newest first (`earlier_local_reports`).
    """
    history = earlier_medians(earlier_reports, catalog)
    for prefix, measurements in _sections(report):
        for name, m in measurements.items():
            if not isinstance(m, dict) or _num(m.get("median")) is None:
                continue
            r2r, basis = run_to_run_spread(name, history.get(_figure_path(prefix, name), []))
            within = _num(m.get("spread")) or 0.0
            m["run_to_run_spread"] = round(r2r, 4)
            m["run_to_run_basis"] = basis
            m["stated_spread"] = round(max(within, r2r, MIN_STATED_SPREAD), 4)
            note = unusual_for_this_machine(float(m["median"]), history.get(_figure_path(prefix, name), []), r2r)
            if note:
                m["unusual"] = note
            else:
                m.pop("unusual", None)
    return report


def unusual_for_this_machine(median: float, earlier: list[float], run_to_run: float) -> str | None:
    """A note when `median` lies outside this machine's record: more than UNUSUAL_SPREADS
    run-to-run spreads from the median of its last runs (at least MIN_HISTORY_RUNS of them).

    Only a note, never a plausibility flag: a machine that really changed (a BIOS setting, a
    driver, new memory) would otherwise have every new run flagged and its record frozen. The
    calibration's median over recent runs already keeps one odd run from moving the estimates.
    """
    import statistics

    values = [v for v in earlier[:HISTORY_RUNS] if v is not None and v > 0]
    if len(values) < MIN_HISTORY_RUNS or median <= 0:
        return None
    ref = statistics.median(values)
    ratio = median / ref
    if abs(ratio - 1) <= UNUSUAL_SPREADS * max(run_to_run, MIN_STATED_SPREAD):
        return None
    side = "above" if ratio > 1 else "below"
    return (f"unusual for this machine: {abs(ratio - 1):.0%} {side} the median of its last {len(values)} runs "
            f"({ref:.4g}); run it again")


def measurement_for(report: dict, path: str) -> dict | None:
    """The measurement record behind a figure path ('cpu.matmul_fp32_gflops',
    'gpus[0].matmul_tflops.bf16', 'cpu.latency_by_batch.8.latency_ms'), or None."""
    head, _, name = path.partition(".")
    if head == "cpu":
        section = report.get("cpu") if isinstance(report, dict) else None
    elif head.startswith("gpus[") and head.endswith("]") and head[5:-1].isdigit():
        gpus = report.get("gpus") if isinstance(report, dict) else None
        i = int(head[5:-1])
        section = gpus[i] if isinstance(gpus, list) and i < len(gpus) else None
    else:
        return None
    ms = section.get("measurements") if isinstance(section, dict) else None
    m = ms.get(name) if isinstance(ms, dict) else None
    return m if isinstance(m, dict) else None


def describe_spread(m) -> str:
    """'±9% (run to run: 9 earlier runs here; this run ±2% over 40 reps)' for a measurement,
    '±2% over 40 reps' for one stored before run-to-run spreads, '' for none."""
    if not isinstance(m, dict) or _num(m.get("spread")) is None:
        return ""
    within = f"±{m['spread'] * 100:.0f}% over {m.get('reps', '?')} reps"
    s = _num(m.get("stated_spread"))
    if s is None:
        return within
    text = f"±{s * 100:.0f}% (run to run: {m.get('run_to_run_basis', '?')}; this run {within})"
    if isinstance(m.get("unusual"), str):
        text += f"; {m['unusual'][:200]}"
    return text


def earlier_local_reports(runs, report: dict, host: str | None = None) -> list[dict]:
    """The reports of this machine's earlier runs (newest first) from history `runs`: measured
    here (not imported), on this host, on the same hardware (fingerprint) as `report`."""
    from advisor.calibrations import local_runs

    host = host if host is not None else platform.node()
    fp = report.get("fingerprint")
    uid = report.get("run_uid")
    return [r.report for r in local_runs(runs, host)
            if (not fp or r.fingerprint == fp) and (not uid or r.run_uid != uid)][:HISTORY_RUNS]


def annotate_from_history(report: dict, history, catalog=None) -> dict:
    """`annotate` `report` with this machine's earlier runs read from `history` (a
    `advisor.history.History`); a history that cannot be read leaves the priors."""
    try:
        earlier = earlier_local_reports(history.runs(), report)
    except Exception:  # the run is still worth keeping with the priors' ranges
        earlier = []
    return annotate(report, earlier, catalog)
