"""The notebook API: the command line's answers as DataFrames, pandas imported only when used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from advisor import api
from advisor.errors import BadInput
from advisor.history import History
from advisor.presets import PRESET_DIR, preset_names
from tests.advisor.test_history import _report
from tests.conftest import ROOT


def cli_json(capsys, *argv):
    import main

    assert main.main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_importing_the_api_does_not_import_pandas():
    code = "import sys, advisor.api; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr


def test_presets_frame_lists_the_names_recommend_takes():
    df = api.presets()
    assert list(df["name"]) == preset_names()
    assert list(df.columns[:4]) == ["name", "title", "phase", "description"]
    assert set(df["phase"]) == {"inference", "training", "both"}


def test_recommend_frame_is_the_cli_ranking(capsys):
    df = api.recommend("chat_7b_workstation", top=5)
    ranked = cli_json(capsys, "recommend", "--preset", "chat_7b_workstation", "--top", "5")["ranked"]
    assert list(df["device"]) == [r["device"] for r in ranked] and list(df["rank"]) == [1, 2, 3, 4, 5]
    assert list(df["score"]) == [r["score"] for r in ranked]
    assert list(df["inference.tpot_ms"]) == pytest.approx([r["inference"]["tpot_ms"] for r in ranked])
    assert list(df.columns[:4]) == ["rank", "device", "device_name", "score"]
    assert df.attrs["phase"] == "inference" and df.attrs["excluded"]
    assert len(api.recommend("chat_7b_workstation", top=None)) > 5


def test_estimate_frame_is_one_row_per_device_with_counts_from_names(capsys):
    df = api.estimate("serve_70b_at_scale", ["h100 sxm", "2x mi300x"])
    one = cli_json(capsys, "estimate", "--preset", "serve_70b_at_scale", "--device", "h100 sxm")
    assert list(df["device"])[0] == one["device"] and df["count"].iloc[0] == one["count"]
    assert df["memory_required_gb"].iloc[0] == pytest.approx(one["memory_required_gb"])
    assert df["inference.ttft_ms"].iloc[0] == pytest.approx(one["inference"]["ttft_ms"])
    assert df["count"].iloc[1] == 2
    fixed = api.estimate("serve_70b_at_scale", "mi300x", count=4)
    assert len(fixed) == 1 and fixed["count"].iloc[0] == 4


def test_a_workload_may_be_a_preset_title_a_file_a_dict_or_a_workload():
    by_name = api.workload("finetune_7b")
    assert api.workload(by_name.name) == by_name  # the title, as the app shows it
    assert api.workload(PRESET_DIR / "finetune_7b.toml") == by_name
    assert api.workload(by_name.to_dict()) == by_name
    assert api.workload(by_name) is by_name


@pytest.mark.parametrize(("call", "message"), [
    (lambda: api.recommend("no such preset"), "no preset named"),
    (lambda: api.recommend(42), "expected a preset name"),
    (lambda: api.recommend({"model": {"params_b": -1}, "inference": {"precision": "fp16"}}), "params_b"),
    (lambda: api.recommend("finetune_7b", top=-1), "top must be"),
    (lambda: api.estimate("finetune_7b", []), "name at least one device"),
    (lambda: api.estimate("finetune_7b", "no such gpu 123"), "no such gpu 123"),
])
def test_bad_input_is_the_clis_one_line_message(call, message):
    with pytest.raises(BadInput, match=message):
        call()


def test_history_frame_has_one_row_per_run_newest_first_with_figures(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        h.add_run(_report("ws-a", 150.0, ts="2026-11-20T10:00:00+00:00"))
        h.add_run(_report("ws-b", 400.0, ts="2026-11-21T10:00:00+00:00",
                          gpus=[{"index": 0, "name": "NVIDIA H200", "matmul_tflops": {"bf16": 791.0}}]))
    df = api.history(path)
    assert list(df["hostname"]) == ["ws-b", "ws-a"]
    assert list(df["cpu.matmul_fp32_gflops"]) == [400.0, 150.0]
    assert df["gpu0.matmul_tflops.bf16"].iloc[0] == 791.0 and df["gpu0.matmul_tflops.bf16"].isna().iloc[1]
    assert str(df["created_at"].dtype).startswith("datetime64")
    assert api.history(tmp_path / "empty.sqlite3").empty


def test_plan_frame_is_the_cli_plan(capsys):
    df = api.plan("chat_7b_workstation", options=["2x rtx 4090", "rtx 6000 ada"], own="1x rtx 4090")
    out = cli_json(capsys, "plan", "--preset", "chat_7b_workstation", "--option", "2x rtx 4090",
                   "--option", "rtx 6000 ada", "--own", "1x rtx 4090")
    assert list(df["label"]) == [o["label"] for o in out["options"]]
    assert list(df["to_buy"]) == [o["to_buy"] for o in out["options"]] and df["to_buy"].iloc[0] == 1
    assert list(df["devices_total"]) == [o["devices_total"] for o in out["options"]]
    assert df.attrs["mode"] == out["mode"] and df.attrs["assumptions"] == out["assumptions"]
    top = api.plan("serve_70b_at_scale", top=2)
    assert len(top) == 2
    with pytest.raises(BadInput, match="top must be"):
        api.plan("finetune_7b", top=0)
