"""Quick and full probes run back to back on this machine: does each figure repeat within the
spread it states, and do quick and full runs agree?

    python benchmarks/probe_repeat.py --quick-runs 10 --full-runs 2 --out benchmarks/results/x.json

Prints one line per figure: every run's median and spread, then whether the quick runs agree
with each other and with the full runs (`advisor.probes.measure.agree`: stated ranges, median
x (1 +/- 2 x spread), overlap). Nothing is saved to the probe history.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.probes import run_probes  # noqa: E402
from advisor.probes.measure import agree  # noqa: E402
from advisor.probes.runner import software_versions  # noqa: E402


def figures(report: dict) -> dict[str, dict]:
    """figure -> {'median', 'spread'} from a report's `cpu.measurements`."""
    out = {}
    for name, m in ((report.get("cpu") or {}).get("measurements") or {}).items():
        if isinstance(m, dict) and isinstance(m.get("median"), (int, float)):
            out[name] = {"median": m["median"], "spread": m.get("spread") or 0.0, "reps": m.get("reps"),
                         "settled": m.get("settled")}
    return out


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--quick-runs", type=int, default=10)
    p.add_argument("--full-runs", type=int, default=2)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    runs = []
    for quick, n in ((True, args.quick_runs), (False, args.full_runs)):
        for k in range(n):
            rep = run_probes(quick=quick, timeout_s=30.0 if quick else 150.0).to_dict()
            runs.append({"quick": quick, "timestamp": rep["timestamp"], "duration_s": rep["duration_s"],
                         "figures": figures(rep), "flags": rep.get("plausibility", []), "errors": rep["errors"],
                         "load_avg": list(__import__("os").getloadavg())})
            print(f"{'quick' if quick else 'full '} run {k + 1}: {rep['duration_s']:.1f} s, "
                  f"{len(rep.get('plausibility', []))} flags", file=sys.stderr)
    names = sorted({f for r in runs for f in r["figures"]})
    summary = {}
    for name in names:
        q = [r["figures"][name] for r in runs if r["quick"] and name in r["figures"]]
        f = [r["figures"][name] for r in runs if not r["quick"] and name in r["figures"]]
        pairs_q = [(a, b) for i, a in enumerate(q) for b in q[i + 1:]]
        summary[name] = {
            "quick_medians": [x["median"] for x in q], "quick_spreads": [x["spread"] for x in q],
            "full_medians": [x["median"] for x in f], "full_spreads": [x["spread"] for x in f],
            "quick_median_of_medians": statistics.median([x["median"] for x in q]) if q else None,
            "full_median_of_medians": statistics.median([x["median"] for x in f]) if f else None,
            "quick_pairs_agreeing": f"{sum(agree(a, b) for a, b in pairs_q)}/{len(pairs_q)}",
            "quick_full_pairs_agreeing": f"{sum(agree(a, b) for a in q for b in f)}/{len(q) * len(f)}",
        }
        s = summary[name]
        print(f"{name:38} quick {s['quick_median_of_medians']!s:>9} full {s['full_median_of_medians']!s:>9} "
              f"quick~quick {s['quick_pairs_agreeing']:>6} quick~full {s['quick_full_pairs_agreeing']:>6}")
    out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "host": platform.node(),
           "software": software_versions(), "runs": runs, "summary": summary}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
