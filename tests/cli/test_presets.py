"""`presets`, `--preset NAME` wherever `--workload FILE` is taken, and the packaging that makes
the presets ship inside the installed package (one version source, a licence, entry points)."""

from __future__ import annotations

import json
import sys
import tomllib
from fnmatch import fnmatch

import pytest

from advisor.presets import ORDER, PRESET_DIR, find_preset_file, get_preset, list_presets, preset_names
from tests.conftest import ROOT


def cli(capsys, *argv) -> tuple[int, str, str]:
    import main

    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_presets_prints_one_name_a_line_in_the_display_order(capsys):
    code, out, err = cli(capsys, "presets")
    assert code == 0 and err == ""
    names = out.splitlines()
    assert names == [p.stem for p in sorted(PRESET_DIR.glob("*.toml"), key=lambda p: (
        ORDER.index(p.stem) if p.stem in ORDER else len(ORDER), p.stem))]
    assert len(names) >= 8 and names[0] == "chat_7b_workstation"
    assert all(n and " " not in n for n in names)


def test_presets_json_describes_each_preset(capsys):
    code, out, _ = cli(capsys, "presets", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == preset_names()
    lifecycle = next(r for r in rows if r["name"] == "lifecycle_2m_training_18m_serving")
    assert lifecycle["phase"] == "both" and lifecycle["title"].startswith("Lifecycle")
    assert all(r["description"] and r["file"].endswith(r["name"] + ".toml") for r in rows)


@pytest.mark.parametrize("command", [["estimate", "--device", "rtx 4090", "--json"], ["recommend", "--top", "2", "--json"]])
def test_preset_gives_the_same_answer_as_the_workload_file(capsys, command):
    path = PRESET_DIR / "chat_7b_workstation.toml"
    code_f, by_file, _ = cli(capsys, command[0], "--workload", str(path), *command[1:])
    code_p, by_preset, _ = cli(capsys, command[0], "--preset", "chat_7b_workstation", *command[1:])
    assert code_f == code_p == 0
    assert json.loads(by_file) == json.loads(by_preset)


@pytest.mark.parametrize("spelling", ["chat_7b_workstation", "CHAT-7B-Workstation", " chat 7b workstation ",
                                      "Serve a 7B chat model on a workstation"])
def test_a_preset_is_found_by_name_or_title_whatever_the_case_and_separators(spelling):
    assert find_preset_file(spelling).name == "chat_7b_workstation.toml"


def test_an_unknown_preset_is_one_line_naming_the_closest(capsys):
    code, out, err = cli(capsys, "recommend", "--preset", "chat_7b_workstatoin")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "--preset" in err and "did you mean chat_7b_workstation" in err
    with pytest.raises(ValueError, match="no preset named"):
        get_preset("nope")


@pytest.mark.parametrize("argv", [["recommend"], ["estimate", "--device", "l4"],
                                  ["recommend", "--preset", "finetune_7b", "--workload", "x.toml"]])
def test_workload_and_preset_one_of_them_exactly(capsys, argv):
    code, _, err = cli(capsys, *argv)
    assert code == 2 and "--workload" in err and "--preset" in err and "Traceback" not in err


def test_report_takes_a_preset(capsys, tmp_path):
    out = tmp_path / "r.pdf"  # the report needs PySide6, a dependency: no skip
    code, stdout, err = cli(capsys, "report", "--preset", "finetune_7b", "--out", str(out))
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF-") and "pages" in stdout


def test_every_preset_file_is_package_data_and_the_version_has_one_source():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = meta["tool"]["setuptools"]["package-data"]["advisor.presets"]
    files = list(PRESET_DIR.glob("*"))
    presets = [f for f in files if f.suffix == ".toml"]
    assert len(presets) == len(list_presets()) >= 8
    assert all(any(fnmatch(f.name, pat) for pat in patterns) for f in presets)
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "advisor.__version__"}
    assert meta["project"]["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert meta["project"]["scripts"]["hwadvisor"] == meta["project"]["gui-scripts"]["hwadvisor-gui"] == "main:main"


def test_no_preset_is_left_in_a_folder_outside_the_package():
    """The old `workloads/` folder is in neither wheel nor sdist: a preset added there would be lost."""
    assert not list((ROOT / "workloads").glob("*.toml"))


def test_python_dash_m_advisor_is_the_same_command_even_beside_another_main_py(tmp_path):
    """The GUI starts its report child this way; a main.py or ui/ in the working folder (common
    names) must not be run instead."""
    import subprocess

    from advisor import __version__

    (tmp_path / "main.py").write_text("raise SystemExit('the wrong main.py')\n")
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "__init__.py").write_text("raise ImportError('the wrong ui package')\n")
    r = subprocess.run([sys.executable, "-m", "advisor", "--version"], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"hwadvisor {__version__}", r.stderr
