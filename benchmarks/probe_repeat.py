"""Quick and full probes run back to back on this machine: does each figure repeat within the
spread it states, and do quick and full runs agree?

    python benchmarks/probe_repeat.py --quick-runs 10 --full-runs 2 --out benchmarks/results/x.json

Each run is stored, as `hwadvisor probe` stores it, in a probe history of its own (a
temporary folder, or --history DIR; never the user's), so every run states the range a user
would see: its own spread or this machine's run-to-run spread from the runs before it,
whichever is larger (`advisor.probes.repeatability`).

Prints one line per figure: the median of the quick and of the full medians; the run-to-run
spread the quick medians actually showed next to the spread the runs stated (median of the
quick runs' `stated_spread`); whether the quick runs agree with each other and with the full
runs (`advisor.probes.measure.agree`: stated ranges, median x (1 +/- 2 x stated spread),
overlap); and how many runs' medians fell inside the range the run before had stated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.probes import run_probes  # noqa: E402
from advisor.probes.measure import agree, stated_range  # noqa: E402
from advisor.probes.repeatability import spread_of_runs, stated_spread  # noqa: E402
from advisor.probes.runner import software_versions  # noqa: E402


def figures(report: dict) -> dict[str, dict]:
    """figure -> {'median', 'spread', 'stated_spread', ...} from a report's `cpu.measurements`,
    leaving out the figures the plausibility check flagged (they calibrate nothing and state
    no range: counted apart as `flagged_runs`)."""
    flagged = {f.get("figure") for f in report.get("plausibility") or []}
    out = {}
    for name, m in ((report.get("cpu") or {}).get("measurements") or {}).items():
        if f"cpu.{name}" in flagged:
            continue
        if isinstance(m, dict) and isinstance(m.get("median"), (int, float)):
            out[name] = {"median": m["median"], "spread": m.get("spread") or 0.0, "reps": m.get("reps"),
                         "settled": m.get("settled"), "stated_spread": stated_spread(m),
                         "run_to_run_spread": m.get("run_to_run_spread"),
                         "run_to_run_basis": m.get("run_to_run_basis")}
    return out


def summarise(runs: list[dict]) -> dict:
    """Per figure: medians and spreads of the quick and full runs, the run-to-run spread the
    quick medians showed (`repeatability.spread_of_runs`, as the probe states it) against the
    median stated spread, and agreement counts. Prints one line per figure."""
    names = sorted({f for r in runs for f in r["figures"]})
    summary = {}
    for name in names:
        q = [r["figures"][name] for r in runs if r["quick"] and name in r["figures"]]
        f = [r["figures"][name] for r in runs if not r["quick"] and name in r["figures"]]
        pairs_q = [(a, b) for i, a in enumerate(q) for b in q[i + 1:]]
        # did each quick run land inside the range the quick run before it stated?
        inside = [stated_range(a["median"], a["stated_spread"] or 0.0)[0] <= b["median"]
                  <= stated_range(a["median"], a["stated_spread"] or 0.0)[1] for a, b in zip(q, q[1:])]
        observed = spread_of_runs([x["median"] for x in q]) if len(q) >= 3 else None
        stated = statistics.median([x["stated_spread"] or 0.0 for x in q]) if q else None
        summary[name] = {
            "quick_medians": [x["median"] for x in q], "quick_spreads": [x["spread"] for x in q],
            "quick_stated_spreads": [x["stated_spread"] for x in q],
            "full_medians": [x["median"] for x in f], "full_spreads": [x["spread"] for x in f],
            "full_stated_spreads": [x["stated_spread"] for x in f],
            "quick_median_of_medians": statistics.median([x["median"] for x in q]) if q else None,
            "full_median_of_medians": statistics.median([x["median"] for x in f]) if f else None,
            "quick_run_to_run_observed": round(observed, 4) if observed is not None else None,
            "quick_stated_spread_median": round(stated, 4) if stated is not None else None,
            "observed_within_stated": (observed <= stated) if observed is not None and stated else None,
            "quick_pairs_agreeing": f"{sum(agree(a, b) for a, b in pairs_q)}/{len(pairs_q)}",
            "quick_full_pairs_agreeing": f"{sum(agree(a, b) for a in q for b in f)}/{len(q) * len(f)}",
            "next_run_inside_stated_range": f"{sum(inside)}/{len(inside)}",
            "flagged_runs": sum(1 for r in runs for fl in r["flags"] if fl.get("figure") == f"cpu.{name}"),
        }
        s = summary[name]
        obs = f"{observed:.1%}" if observed is not None else "-"
        st = f"{stated:.1%}" if stated is not None else "-"
        qm, fm = s["quick_median_of_medians"], s["full_median_of_medians"]
        print(f"{name:34} quick {(f'{qm:.4g}' if qm is not None else '-'):>7} full {(f'{fm:.4g}' if fm is not None else '-'):>7} "
              f"run-to-run {obs:>6} stated {st:>6} quick~quick {s['quick_pairs_agreeing']:>6} "
              f"quick~full {s['quick_full_pairs_agreeing']:>6} next inside {s['next_run_inside_stated_range']:>5} "
              f"flagged {s['flagged_runs']}")
    return summary


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--quick-runs", type=int, default=10)
    p.add_argument("--full-runs", type=int, default=2)
    p.add_argument("--out", type=Path)
    p.add_argument("--history", type=Path, help="probe history folder (default: a new temporary one)")
    p.add_argument("--from", dest="from_file", type=Path,
                   help="summarise the runs of an earlier --out file again instead of probing")
    args = p.parse_args()
    if args.from_file:
        earlier = json.loads(args.from_file.read_text())
        out = {**earlier, "summary": summarise(earlier["runs"])}
        if args.out:
            args.out.write_text(json.dumps(out, indent=1) + "\n")
        return 0
    folder = args.history or Path(tempfile.mkdtemp(prefix="probe-repeat-"))
    os.environ["HWADVISOR_DATA_DIR"] = str(folder)  # never the user's history
    from advisor.history import History
    from advisor.probes.repeatability import annotate_from_history

    runs = []
    for quick, n in ((True, args.quick_runs), (False, args.full_runs)):
        for k in range(n):
            rep = run_probes(quick=quick, timeout_s=30.0 if quick else 150.0).to_dict()
            with History() as h:  # as `hwadvisor probe` does: state the range, then store the run
                annotate_from_history(rep, h)
                h.add_run(rep)
            runs.append({"quick": quick, "timestamp": rep["timestamp"], "duration_s": rep["duration_s"],
                         "figures": figures(rep), "flags": rep.get("plausibility", []), "errors": rep["errors"],
                         "load_avg": list(os.getloadavg())})
            print(f"{'quick' if quick else 'full '} run {k + 1}: {rep['duration_s']:.1f} s, "
                  f"{len(rep.get('plausibility', []))} flags", file=sys.stderr)
    summary = summarise(runs)
    out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "host": platform.node(),
           "software": software_versions(), "runs": runs, "summary": summary}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
