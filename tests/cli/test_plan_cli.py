"""`plan` end to end, and the plan object in `recommend --json` and `estimate --device 'this machine'`."""

from __future__ import annotations

import json

import pytest

from tests.advisor.plan_cases import CASE2_OPTIONS, CASE2_OWN, CASE2_PRICE, CASE3_OPTION, SERVE_70B, TRAIN_13B, serve_8b
from tests.cli.test_cli import ROOT, cli, workload

TWO_H200 = ROOT / "tests" / "fixtures" / "nvml" / "two_h200.json"
PLAN_KEYS = ("label", "device", "devices_per_replica", "split", "replicas", "devices_total", "owned", "to_buy",
             "fits", "meets_latency_slo", "request_latency_ms", "utilization", "hosts", "unit_price_usd",
             "host_upfront_usd", "upfront_usd", "yearly_usd", "tco_usd", "cloud_tco_usd", "breakeven_months",
             "price_missing", "why")


def test_plan_json_case2_owned_and_priced(tmp_path):
    args = ["plan", "--workload", workload(tmp_path, SERVE_70B), "--json"]
    for o in CASE2_OPTIONS:
        args += ["--option", o]
    args += ["--own", CASE2_OWN[0], "--price", CASE2_PRICE[0]]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["mode"] == "owned" and len(j["options"]) == 2
    for o in j["options"]:
        assert all(k in o for k in PLAN_KEYS), [k for k in PLAN_KEYS if k not in o]
    assert [o["upfront_usd"] for o in j["options"]] == [1599, 6800]


def test_plan_text_case3_names_the_sixteen_cards(tmp_path):
    r = cli("plan", "--workload", workload(tmp_path, TRAIN_13B), "--option", CASE3_OPTION)
    assert r.returncode == 0, r.stderr
    assert "16 devices" in r.stdout and "$46,384" in r.stdout
    assert "does not fit one card" in r.stdout


def test_plan_without_options_plans_top_devices(tmp_path):
    r = cli("plan", "--workload", workload(tmp_path, serve_8b(20_000)), "--top", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["options"]) == 2


@pytest.mark.parametrize("extra, word", [(["--option", "2x nosuchcard"], "--option"),
                                         (["--price", "rtx 4090=cheap"], "--price"),
                                         (["--own", "0x rtx 4090"], "--own"),
                                         (["--top", "0"], "--top")])
def test_plan_bad_input_is_one_line_exit_2(tmp_path, extra, word):
    r = cli("plan", "--workload", workload(tmp_path, serve_8b(1000)), *extra)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in r.stderr


def test_recommend_entries_carry_the_plan_object(tmp_path):
    w = workload(tmp_path, serve_8b(20_000))
    r = cli("recommend", "--workload", w, "--top", "2", "--json")
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)["ranked"][0]
    p = cli("plan", "--workload", w, "--option", first["device"], "--json")
    same = json.loads(p.stdout)["options"][0]
    for k in PLAN_KEYS:
        assert first["plan"][k] == same[k], k


def test_this_machine_is_an_option_and_a_device(tmp_path):
    env = {"HWADVISOR_NVML_REPLAY": str(TWO_H200)}
    w = workload(tmp_path, serve_8b(20_000))
    r = cli("plan", "--workload", w, "--option", "this machine", "--json", env=env)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)["options"][0]
    # Two H200s detected, both owned: one holds an 8B model, the traffic needs two replicas: nothing to buy.
    assert o["this_machine"] and o["devices_per_replica"] == 1 and o["owned"] == 2 and o["to_buy"] == 0
    assert o["upfront_usd"] == 0
    assert "this machine" in o["why"][0]
    e = cli("estimate", "--workload", w, "--device", "this machine", "--json", env=env)
    assert e.returncode == 0, e.stderr
    j = json.loads(e.stdout)
    assert j["count"] == 2 and "this machine" in j["this_machine"]
