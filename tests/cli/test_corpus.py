"""Every file of the bad-input corpus through the real command line, in its own process:
exit 2, exactly one line on stderr (the expected one), no traceback, nothing on stdout, the
input file untouched and nothing stored."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT
from tests.robustness.corpus import CORPUS, cases, digest, render

COMMANDS = {
    "workloads": lambda f: ["estimate", "--workload", f, "--device", "l4"],
    "overlays": lambda f: ["devices", "--catalog", f],
    "imports": lambda f: ["probe", "--import", f, "--no-save"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run every (folder, file) once, four processes at a time; {(folder, name): result}."""
    home = tmp_path_factory.mktemp("corpus-user")
    env = {**os.environ, "HWADVISOR_CONFIG_DIR": str(home / "config"), "HWADVISOR_DATA_DIR": str(home / "data"),
           "PYTHONIOENCODING": "utf-8"}
    env.pop("HWADVISOR_NVML_REPLAY", None)
    before = digest(CORPUS)
    jobs = [(folder, name) for folder in COMMANDS for name, _ in cases(folder)]

    def one(job):
        folder, name = job
        argv = [sys.executable, str(ROOT / "main.py"), *COMMANDS[folder](str(CORPUS / folder / name))]
        return job, subprocess.run(argv, capture_output=True, timeout=60, env=env, cwd=home)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(pool.map(one, jobs))
    results["corpus_unchanged"] = digest(CORPUS) == before
    results["home"] = home
    return results


def _params():
    return [pytest.param(folder, name, template, id=f"{folder}/{name}")
            for folder in COMMANDS for name, template in cases(folder)]


@pytest.mark.parametrize(("folder", "name", "template"), _params())
def test_bad_file_exits_2_with_its_one_line(runs, folder, name, template):
    r = runs[(folder, name)]
    stderr = r.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-2000:]
    assert r.returncode == 2, stderr
    assert stderr.splitlines() == ["error: " + render(template, CORPUS / folder / name)]
    assert r.stdout == b""


def test_the_corpus_files_are_unchanged_and_nothing_was_imported(runs):
    from advisor.history import History

    assert runs["corpus_unchanged"]
    db = runs["home"] / "data" / "history.sqlite3"
    if db.exists():
        with History(db) as h:
            assert h.runs() == []
