"""`make mutation`: mutation testing of the model, the ranking and the rules, one module at a time.

mutmut (3.x, the `mutation` extra) plants small bugs in the modules below (an operator, a
constant, a comparison, a dropped argument) and runs the fast core and CLI tests that cover
the changed function against each one; a mutant the tests fail on is killed. The modules and
the test selection are configured in pyproject.toml ([tool.mutmut]).

Each module is a separate `mutmut run` under `nice -n 19` with at most two workers, so a run
shares a small machine politely. The last line printed is the headline:

    mutation score: NN% killed (K of N mutants)

Usage (from the repository root):
    python tests/mutation_score.py                 # fresh run of every module, then the score
    python tests/mutation_score.py --module recommend   # one module (name as in MODULES)
    python tests/mutation_score.py --report        # score of the results already in ./mutants
    python tests/mutation_score.py --survivors     # with --report: list the surviving mutants
    python tests/mutation_score.py --rerun         # keep ./mutants; test again only the mutants not
                                                   # killed yet (after new tests or a merge)

Survivors judged equivalent (no behaviour can tell them apart) are listed with reasons in
tests/mutation_equivalents.md; the score counts them as survivors all the same.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"

# name -> (mutmut mutant-name pattern, source files it covers)
MODULES: dict[str, tuple[str, list[str]]] = {
    "detect/match": ("advisor.detect.match.*", ["advisor/detect/match.py"]),
    "workload": ("advisor.workload.*", ["advisor/workload.py"]),
    "recommend": ("advisor.recommend.*", ["advisor/recommend.py"]),
    "hardware_db/loader": ("hardware_db.loader.*", ["hardware_db/loader.py"]),
    "model": ("advisor.model.*", ["advisor/model/"]),
    "probes": ("advisor.probes.*", ["advisor/probes/measure.py", "advisor/probes/repeatability.py"]),
}

# mutmut's exit codes per mutant (mutmut/stats.py): these mean the tests noticed the mutant.
KILLED_CODES = {1, 3, 36, 24, -24, 152, 255, 37, -11, -9}
# Which codes are which, for the per-module breakdown.
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", None: "not checked"}


def _meta_files(sources: list[str]) -> list[Path]:
    found: list[Path] = []
    for src in sources:
        if src.endswith("/"):
            found += sorted((MUTANTS / src).rglob("*.py.meta"))
        else:
            meta = MUTANTS / (src + ".meta")
            if meta.exists():
                found.append(meta)
    return found


def module_results(sources: list[str]) -> dict[str, int | None]:
    """Mutant name -> mutmut exit code, for the stored results of these source files."""
    codes: dict[str, int | None] = {}
    for meta in _meta_files(sources):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def classify(code: int | None) -> str:
    if code in KILLED_CODES:
        return "killed"
    return STATUS.get(code, "suspicious")


def report(names: list[str], survivors: bool = False) -> int:
    """Print one line per module and the headline last; return the number of mutants."""
    total_k = total_n = 0
    for name in names:
        _, sources = MODULES[name]
        codes = module_results(sources)
        counts = Counter(classify(c) for c in codes.values())
        n = len(codes)
        k = counts["killed"]
        total_k += k
        total_n += n
        pct = 100.0 * k / n if n else 0.0
        rest = ", ".join(f"{v} {s}" for s, v in sorted(counts.items()) if s != "killed")
        print(f"  {name:20s} {pct:5.1f}% killed ({k} of {n} mutants{'; ' + rest if rest else ''})")
        if survivors:
            for mutant, code in sorted(codes.items()):
                if classify(code) != "killed":
                    print(f"      {classify(code):10s} {mutant}")
    pct = 100.0 * total_k / total_n if total_n else 0.0
    print(f"mutation score: {pct:.0f}% killed ({total_k} of {total_n} mutants)")
    return total_n


def refresh_data() -> None:
    """Copy the data files of the mutated packages (catalog CSVs, presets, HEADER.csv) into
    ./mutants again: mutmut copies a non-Python file only when it is missing there, so a kept
    ./mutants would otherwise test against stale data."""
    if not MUTANTS.exists():
        return
    for pkg in ("advisor", "hardware_db"):
        for src in (ROOT / pkg).rglob("*"):
            if src.is_file() and src.suffix != ".py" and "__pycache__" not in src.parts:
                dst = MUTANTS / src.relative_to(ROOT)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


def not_killed(name: str) -> list[str]:
    """Mutants of module `name` whose stored result is not a kill (survived, unchecked, no tests)."""
    _, sources = MODULES[name]
    return sorted(m for m, code in module_results(sources).items() if classify(code) != "killed")


def run_module(name: str, workers: int, only: list[str] | None = None) -> int:
    """One `mutmut run` for module `name` (all its mutants, or just `only`)."""
    pattern, _ = MODULES[name]
    if only is not None:
        if not only:
            print(f"{name}: every mutant already killed", flush=True)
            return 0
        rc = 0
        for k in range(0, len(only), 200):  # a bounded command line
            rc = max(rc, _mutmut(name, workers, only[k:k + 200]))
        return rc
    return _mutmut(name, workers, [pattern])


def _mutmut(name: str, workers: int, names: list[str]) -> int:
    mutmut = Path(sys.executable).parent / "mutmut"
    if not mutmut.exists():
        print("mutmut is not installed: pip install -e '.[mutation]'", file=sys.stderr)
        raise SystemExit(2)
    cmd = ["nice", "-n", "19", str(mutmut), "run", "--max-children", str(workers), *names]
    log = MUTANTS / f"log-{name.replace('/', '_')}.txt"
    MUTANTS.mkdir(exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    print(f"mutating {name} (log: {log.relative_to(ROOT)})", flush=True)
    with open(log, "a") as out:
        rc = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env).returncode
    if rc != 0:
        print(f"  mutmut exited {rc} for {name}; the last lines of its log:", file=sys.stderr)
        print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
    return rc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", action="append", choices=sorted(MODULES), help="only this module (repeatable)")
    ap.add_argument("--report", action="store_true", help="only print the score of the stored results")
    ap.add_argument("--survivors", action="store_true", help="list the mutants not killed")
    ap.add_argument("--workers", type=int, default=2, help="parallel mutants (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep ./mutants from an earlier run (stale data risk)")
    ap.add_argument("--rerun", action="store_true", help="keep ./mutants and test only the mutants not killed yet")
    args = ap.parse_args(argv)
    names = args.module or list(MODULES)
    os.chdir(ROOT)
    if not args.report:
        if not (args.keep or args.rerun) and not args.module and MUTANTS.exists():
            # mutmut copies data files (the catalog CSVs) only once: start from a clean copy.
            shutil.rmtree(MUTANTS)
        refresh_data()
        # mutmut maps tests to functions once and then adds new tests by id, which fails for ids with
        # non-ASCII characters (test_device_names): map them afresh at the start of each run.
        (MUTANTS / "mutmut-stats.json").unlink(missing_ok=True)
        failed = [name for name in names
                  if run_module(name, args.workers, not_killed(name) if args.rerun else None) != 0]
        if failed:
            print(f"mutmut failed for: {', '.join(failed)}", file=sys.stderr)
    if report(names, survivors=args.survivors) == 0:
        print("no mutation results: run without --report first", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
