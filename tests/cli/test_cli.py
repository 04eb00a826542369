"""The headless contract end to end: real processes, exit codes, one-line errors, JSON fields.

Each command runs with a clean environment (no DISPLAY, no QT_QPA_PLATFORM) as a script
would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.presets import PRESET_DIR

ROOT = Path(__file__).resolve().parents[2]
REPLAY = ROOT / "tests" / "fixtures" / "nvml" / "h200_sxm_141gb.json"
INF = {"precision": "fp16", "requests_per_day": 1000, "prompt_tokens": 100, "output_tokens": 100, "batch_size": 1}


def cli(*args, env=None, timeout=120):
    e = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    e.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=timeout, env=e, cwd=ROOT)


def workload(tmp_path, data, name="w.json"):
    f = tmp_path / name
    f.write_text(json.dumps(data))
    return str(f)


def test_help_for_every_command_has_examples():
    r = cli("--help")
    assert r.returncode == 0
    for cmd in ("detect", "devices", "estimate", "recommend", "probe", "report"):
        h = cli(cmd, "--help")
        assert h.returncode == 0, cmd
        assert "example" in h.stdout.lower(), cmd


def test_the_classic_example_via_the_cli(tmp_path):
    w = workload(tmp_path, {"name": "s", "model": {"params_b": 175},
                            "inference": dict(INF, requests_per_day=1e7, cost_per_request_usd=0.002)})
    r = cli("estimate", "--workload", w, "--device", "H100 SXM", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["inference"]["cost_usd_per_day"] == pytest.approx(20_000)
    for key in ("device", "count", "fits", "memory_required_gb", "memory_breakdown_gb", "range"):
        assert key in j
    assert set(j["memory_breakdown_gb"]) == {"weights", "gradients", "optimizer", "activations", "kv_cache", "overhead"}
    for key in ("ttft_ms", "tpot_ms", "decode_tokens_per_s", "throughput_tokens_per_s", "request_latency_ms", "bound",
                "replicas_needed", "energy_wh_per_request", "cost_usd_per_million_tokens", "cost_usd_per_day",
                "cost_usd_per_year"):
        assert key in j["inference"], key


def test_lifecycle_share_via_the_cli(tmp_path):
    w = workload(tmp_path, {"name": "s", "model": {"params_b": 175},
                            "training": {"precision": "bf16", "tokens": 3e11, "cost_usd": 2e6},
                            "inference": dict(INF, requests_per_day=1e7, cost_per_request_usd=18e6 / 365 / 1e7)})
    j = json.loads(cli("estimate", "--workload", w, "--device", "H100 SXM", "--json").stdout)
    assert j["lifecycle"]["inference_share"] == pytest.approx(0.90)
    for key in ("flops", "time_hours", "device_hours", "energy_kwh", "co2_kg", "cost_usd"):
        assert key in j["training"], key


@pytest.mark.parametrize("data, field", [
    ({"model": {"params_b": -1}, "inference": INF}, "params_b"),
    ({"model": {"params_b": 7}, "inference": dict(INF, precision="fp13")}, "precision"),
    ({"model": {"params_b": 7}, "inference": dict(INF, batch_size=0)}, "batch_size"),
    ({"model": {"params_b": 7}, "inference": dict(INF, bogus=1)}, "bogus"),
])
def test_bad_workloads_exit_2_with_one_line(tmp_path, data, field):
    r = cli("estimate", "--workload", workload(tmp_path, data), "--device", "H100 SXM", "--json")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and "w.json" in lines[0]


@pytest.mark.parametrize("args, expected", [
    (("estimate", "--workload", "WL", "--device", "no such gpu 123"), "no catalog device matches 'no such gpu 123'"),
    (("estimate", "--workload", "WL", "--device", "mi300"), "'mi300' is ambiguous"),
    (("estimate", "--workload", "WL", "--device", "0x rtx 4090"), "the count in '0x rtx 4090' must be from 1 to 100000"),
    (("estimate", "--workload", "/nonexistent/w.toml", "--device", "l4"), "/nonexistent/w.toml: file not found"),
    (("estimate", "--workload", "WL", "--device", "l4", "--count", "0"), "--count must be a whole number"),
    (("estimate", "--workload", "WL"), "the following arguments are required: --device"),
    (("recommend", "--workload", "WL", "--top", "-1"), "--top must be 0 (all) or more"),
    (("devices", "--kind", "tpu"), "invalid choice: 'tpu'"),
    (("nonsense",), "invalid choice: 'nonsense'"),
    (("devices", "--catalog", "/nonexistent.csv"), "/nonexistent.csv: file not found"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, expected):
    wl = workload(tmp_path, {"model": {"params_b": 7}, "inference": INF})
    r = cli(*[wl if a == "WL" else a for a in args])
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines


def test_recommend_json(tmp_path):
    w = workload(tmp_path, {"name": "p", "model": {"params_b": 8}, "inference": dict(INF, precision="fp8", batch_size=8)})
    r = cli("recommend", "--workload", w, "--json", "--top", "5")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["workload"] == "p" and j["phase"] == "inference"
    assert j["ranked_by"] == "hardware cost per 1M tokens (USD)"
    assert len(j["ranked"]) == 5 and [rec["rank"] for rec in j["ranked"]] == [1, 2, 3, 4, 5]
    assert j["candidates"] + len(j["excluded"]) == j["catalog_size"]
    tokens_per_day = INF["requests_per_day"] * (INF["prompt_tokens"] + INF["output_tokens"])  # 1000 x 200
    keys = []
    for rec in j["ranked"]:
        inf = rec["inference"]
        assert rec["fits"] is True and inf["meets_latency_slo"] is True and isinstance(rec["pareto"], bool)
        if inf["price_basis"] == "cloud":  # rented: device-hours x price, around the clock
            assert inf["hardware_cost_usd_per_day"] == pytest.approx(inf["price_usd_per_device_hour"] * 24 * rec["count"])
        # The ranking key by hand: USD per day / tokens per day x 1e6.
        key = inf["hardware_cost_usd_per_day"] / tokens_per_day * 1e6
        assert inf["cost_usd_per_million_tokens"] == pytest.approx(key)
        keys.append(key)
        assert rec["why"][-1].endswith(("rented", "with electricity")) or "per device to buy" in rec["why"][-1]
        holds = f"holds the model ({rec['memory_required_gb']:.0f} GB at fp8) on {rec['count']} device"
        assert sum(w.startswith(holds) for w in rec["why"]) == 1, rec["why"]
    assert keys == sorted(keys)
    assert [rec["score"] for rec in j["ranked"]] == [round(100 * keys[0] / k, 1) for k in keys]
    first = j["ranked"][0]
    assert first["score"] == 100.0 and first["pareto"] is True
    assert first["why"][0] == "lowest hardware cost per 1M tokens of the devices that fit"
    assert first["why"][1] == f"holds the model ({first['memory_required_gb']:.0f} GB at fp8) on 1 device"


def test_recommend_text_for_every_preset():
    import re

    from hardware_db import load_catalog

    size = len(load_catalog(user_overlay=False))
    presets = sorted(PRESET_DIR.glob("*.toml"))
    assert len(presets) >= 10  # the loop below must not pass by running nothing
    for preset in presets:
        r = cli("recommend", "--workload", str(preset), "--top", "3")
        assert r.returncode == 0, (preset.name, r.stderr)
        lines = r.stdout.splitlines()
        assert re.fullmatch(r".+: (inference|training|both) workload, ranked by (hardware cost per 1M (tokens|requests)"
                            r"|training cost|lifecycle hardware cost) \(USD\)", lines[0]), (preset.name, lines[0])
        heads = [re.fullmatch(r"  (\d)\. (.+?)( \*)?  score (\d+)  \[(training|inference)-optimized\]", x)
                 for x in lines if re.match(r"  \d\. ", x)]
        assert [int(h.group(1)) for h in heads] == [1, 2, 3], (preset.name, r.stdout)
        scores = [int(h.group(4)) for h in heads]
        assert scores[0] == 100 and scores == sorted(scores, reverse=True), (preset.name, scores)
        assert heads[0].group(3) == " *", preset.name  # the best device is on the Pareto front
        first_reason = lines[lines.index(heads[0].group(0)) + 1]
        assert first_reason.startswith("       - lowest ") and first_reason.endswith(" of the devices that fit")
        tail = re.fullmatch(r"(\d+) of (\d+) devices fit and are priced; \* = Pareto front; (\d+) excluded "
                            r"\(see --json for why\)", lines[-1])
        assert tail, (preset.name, lines[-1])
        fit, total, excluded = map(int, tail.groups())
        assert fit + excluded == total >= size and fit >= 3, (preset.name, lines[-1])


def test_devices_json_lists_every_row_with_a_source():
    r = cli("devices", "--json")
    rows = json.loads(r.stdout)
    from hardware_db import load_catalog

    built_in = load_catalog(user_overlay=False)
    assert {row["id"] for row in rows} >= {row["id"] for row in built_in.rows}
    assert all(row["source"].startswith(("https://", "http://")) for row in rows), [
        row["id"] for row in rows if not row["source"].startswith("http")]
    assert {"id", "name", "aliases", "memory_bandwidth_gbps", "bf16_tflops", "cloud_price_seen"} <= set(rows[0])
    gpus = json.loads(cli("devices", "--json", "--kind", "gpu").stdout)
    assert gpus and all(row["kind"] == "gpu" for row in gpus)


def test_detect_without_gpu_and_with_h200_replay():
    plain = cli("detect", "--json")
    assert plain.returncode == 0 and "Traceback" not in plain.stderr
    j = json.loads(plain.stdout)
    assert j["cpu"]["cores"] >= 1 and j["memory_gb"] > 0
    if not j["gpus"]:
        assert j["warnings"]
    replay = json.loads(cli("detect", "--json", env={"HWADVISOR_NVML_REPLAY": str(REPLAY)}).stdout)
    g = replay["gpus"][0]
    assert g["catalog_id"] == "h200-sxm-141gb" and 139 <= g["memory_gb"] <= 152
    assert 4700 <= g["peak_bandwidth_gbps"] <= 4900


def test_internal_error_exits_1_with_a_short_message_and_the_log(tmp_path, capsys):
    """The boundary itself, in process: a command that fails with a bug, not bad input."""
    from advisor.cli import run

    def extra(parser, sub):
        p = sub.add_parser("explode")
        p.set_defaults(func=lambda args: {}["missing"])

    code = run(["explode"], extra=extra)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith("internal error: KeyError: 'missing' (details in ") and "hwadvisor.log" in err[0]
    log = Path(err[0].split("details in ")[1].rstrip(")"))
    assert "Traceback" in log.read_text()


def test_broken_replay_file_is_bad_input(tmp_path):
    bad = tmp_path / "replay.json"
    bad.write_text("{ not json")
    r = cli("detect", "--json", env={"HWADVISOR_NVML_REPLAY": str(bad)})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "replay.json" in r.stderr


def test_version():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("hwadvisor ")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display detection is for X11/Wayland")
def test_the_app_without_a_display_says_what_to_do_instead_of_hanging():
    r = cli(timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): "
                                "run the headless commands (see --help) or --screenshot FILE.png")


def test_device_names_as_people_write_them(tmp_path):
    """A count in the name is the count, and a bare chip name says on stderr which variant it took."""
    wl = workload(tmp_path, {"model": {"params_b": 7}, "inference": INF})
    r = cli("estimate", "--workload", wl, "--device", "8x A100 80GB", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["device"] == "a100-sxm4-80gb" and rec["count"] == 8
    assert r.stderr.strip() == ("note: 'A100 80GB' taken as A100 SXM4 80GB (a100-sxm4-80gb), the catalog's default "
                                "variant; also: A100 PCIe 80GB")
    r = cli("estimate", "--workload", wl, "--device", "RTX 4090 x 2", "--count", "3", "--json")
    assert json.loads(r.stdout)["count"] == 3 and r.stderr == ""  # --count wins over the name


def test_devices_shows_why_a_row_is_not_ranked():
    r = cli("devices", "--unranked")
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("a800-sxm4-80gb "))
    assert line.endswith("no memory bandwidth")
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("ryzen-ai-max-385 "))
    assert line.endswith("no peak compute figure; no memory bandwidth; no memory size")
    assert not any(ln.startswith("h100-sxm5-80gb ") for ln in r.stdout.splitlines())
    rows = {d["id"]: d for d in json.loads(cli("devices", "--json").stdout)}
    assert rows["h100-sxm5-80gb"]["ranked"] is True and rows["h100-sxm5-80gb"]["not_ranked_because"] == []
    assert rows["a800-sxm4-80gb"]["ranked"] is False
    assert rows["b200-hgx"]["purchase_price_basis"] == "report figure 2024-10: $30,000-$40,000"
    assert rows["b200-hgx"]["default_variant"] == ["B200"]


def test_models_command_lists_the_library():
    r = cli("models", "--json")
    assert r.returncode == 0, r.stderr
    models = json.loads(r.stdout)
    assert len(models) >= 40
    need = {"id", "name", "params_b", "active_params_b", "layers", "hidden", "heads", "kv_heads", "experts",
            "experts_per_token", "context", "source"}
    assert all(need <= set(m) and m["source"] for m in models)
    text = cli("models")
    assert text.returncode == 0 and "qwen3-30b-a3b" in text.stdout


def test_model_name_and_model_config_fill_the_model(tmp_path):
    named = workload(tmp_path, {"model": {"name": "gpt-oss-20b"}, "inference": dict(INF, precision="q4_k_m")})
    r = cli("estimate", "--workload", named, "--device", "rtx 4090", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["inference"]["engine"] == "llama.cpp" and j["inference"]["decode_tokens_per_s"] > 150
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"hidden_size": 2048, "num_hidden_layers": 48, "num_attention_heads": 32,
                               "num_key_value_heads": 4, "head_dim": 128, "moe_intermediate_size": 768,
                               "num_experts": 128, "num_experts_per_tok": 8, "vocab_size": 151936}))
    plain = workload(tmp_path, {"model": {"params_b": 7}, "inference": INF}, "p.json")
    r = cli("recommend", "--workload", plain, "--model-config", str(cfg), "--top", "1", "--json")
    assert r.returncode == 0, r.stderr
    r = cli("estimate", "--workload", plain, "--model-config", str(cfg), "--device", "h100 sxm", "--json")
    mem = json.loads(r.stdout)["memory_breakdown_gb"]["weights"]
    assert 60 < mem < 62  # 30.5 B parameters at 16 bit
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    r = cli("estimate", "--workload", plain, "--model-config", str(bad), "--device", "h100 sxm")
    assert r.returncode == 2 and "bad.json" in r.stderr and "Traceback" not in r.stderr
    r = cli("estimate", "--workload", workload(tmp_path, {"model": {"name": "llama-9"}, "inference": INF}, "n.json"),
            "--device", "h100 sxm")
    assert r.returncode == 2 and "model.name" in r.stderr
