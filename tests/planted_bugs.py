"""Plant each bug of issue #19 in a copy of the tree and show the named test that catches it.

    python tests/planted_bugs.py          # every bug: planted, its test run, verdict (exit 1 if one is missed)
    python tests/planted_bugs.py --list   # the bugs and their tests

Each bug is one exact text edit of a source file. The tree (advisor/, hardware_db/, tests/,
benchmarks/, main.py, pyproject.toml, README.md) is copied to a temporary folder, the edit made
there and only the named test run against it, so the working tree is never touched.
tests/advisor/test_planted_bugs.py checks that every edit still applies to the current source.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bug:
    what: str
    path: str
    old: str
    new: str
    test: str  # the pytest node that must fail


BUGS = (
    Bug("PUE dropped from inference energy", "advisor/model/estimate.py",
        "kwh_per_day = fleet_w * 24 / 1000 * wl.economics.pue", "kwh_per_day = fleet_w * 24 / 1000",
        "tests/advisor/test_model_by_hand.py::test_energy_with_pue_and_real_traffic_by_hand"),
    Bug("training FLOPs on total instead of active parameters (MoE)", "advisor/model/estimate.py",
        "flops = per_param * s.active_params * tokens", "flops = per_param * s.params * tokens",
        "tests/advisor/test_model_by_hand.py::test_moe_training_flops_follow_active_parameters"),
    Bug("buy-vs-rent with 365 instead of 730.5 hours a month", "advisor/model/estimate.py",
        "cloud_month = table.cloud_usd_per_hour * fleet * 730.5", "cloud_month = table.cloud_usd_per_hour * fleet * 365",
        "tests/advisor/test_model_by_hand.py::test_buy_vs_rent_uses_730_5_hours_a_month"),
    Bug("energy dropped from the inference Pareto objectives", "advisor/recommend.py",
        'objs = np.column_stack([key, p["request_latency_ms"], p["energy_wh_per_request"]])',
        'objs = np.column_stack([key, p["request_latency_ms"]])',
        "tests/advisor/test_ranking_rules.py::test_inference_pareto_objectives_include_energy"),
    Bug("lifecycle ranking ignoring horizon_years", "advisor/recommend.py",
        "per_day * 365 * wl.economics.horizon_years", "per_day * 365",
        "tests/advisor/test_ranking_rules.py::test_lifecycle_ranking_follows_the_horizon"),
    Bug("kv_heads validation off by one (rejects kv_heads = heads)", "advisor/workload.py",
        "m.kv_heads > m.heads:", "m.kv_heads >= m.heads:",
        "tests/advisor/test_workload_bounds.py::test_kv_heads_may_equal_heads_but_not_exceed_them"),
    Bug("kv_heads validation off by one (accepts heads + 1)", "advisor/workload.py",
        "m.kv_heads > m.heads:", "m.kv_heads > m.heads + 1:",
        "tests/advisor/test_workload_bounds.py::test_kv_heads_may_equal_heads_but_not_exceed_them"),
    Bug("power limit ignored in GPU matching", "advisor/detect/match.py",
        "fit += abs(math.log(measured.power_limit_w / tdp))", "pass",
        "tests/advisor/test_match.py::test_power_limit_alone_picks_the_board"),
    Bug("memory read as GB only", "advisor/detect/match.py",
        "return min(_rel(memory_bytes / 2**30, row_gb), _rel(memory_bytes / 1e9, row_gb))",
        "return _rel(memory_bytes / 1e9, row_gb)",
        "tests/advisor/test_match.py::test_memory_fit_reads_the_row_as_gib_or_gb_whichever_is_closer"),
)

COPY = ("advisor", "hardware_db", "tests", "benchmarks", "main.py", "pyproject.toml", "README.md")


def applies(bug: Bug, root: Path = ROOT) -> bool:
    """The edit's text occurs exactly once in the current source."""
    return (root / bug.path).read_text(encoding="utf-8").count(bug.old) == 1


def plant_and_test(bug: Bug) -> tuple[bool, str]:
    """(caught, last line of pytest's output) for `bug` planted in a temporary copy of the tree."""
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        dst = Path(tmp)
        for name in COPY:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns("__pycache__", "mutants"))
            elif src.exists():
                shutil.copy2(src, dst / name)
        target = dst / bug.path
        text = target.read_text(encoding="utf-8")
        if text.count(bug.old) != 1:
            return False, f"cannot plant: {bug.old!r} is not once in {bug.path}"
        target.write_text(text.replace(bug.old, bug.new), encoding="utf-8")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(dst))
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", bug.test],
                           cwd=dst, env=env, capture_output=True, text=True)
        lines = [x for x in r.stdout.splitlines() if x.strip()]
        return r.returncode == 1, (lines[-1] if lines else r.stderr.strip()[-200:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    missed = 0
    for bug in BUGS:
        if args.list:
            print(f"{bug.what}: {bug.path} -> {bug.test}")
            continue
        caught, last = plant_and_test(bug)
        missed += not caught
        print(f"{'caught' if caught else 'MISSED'}: {bug.what}\n    by {bug.test}\n    {last}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
