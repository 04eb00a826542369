"""Workload files: every validation rule, with the exact one-line message."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import BadInput
from advisor.presets import list_presets
from advisor.workload import (
    dumps_toml,
    load_workload,
    parse_text,
    save_workload,
    workload_from_dict,
)

INF = {"precision": "fp16", "requests_per_day": 1000}


def err(data, src="workload.toml") -> str:
    with pytest.raises(BadInput) as e:
        workload_from_dict(data, src)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("data, message", [
    ({"model": {"params_b": -1}, "inference": INF},
     "workload.toml: model.params_b must be a number > 0, got -1"),
    ({"model": {"params_b": 0}, "inference": INF},
     "workload.toml: model.params_b must be a number > 0, got 0"),
    ({"model": {"params_b": "7B"}, "inference": INF},
     "workload.toml: model.params_b must be a number > 0, got '7B'"),
    ({"model": {"params_b": True}, "inference": INF},
     "workload.toml: model.params_b must be a number > 0, got true"),
    ({"model": {"params_b": math.nan}, "inference": INF},
     "workload.toml: model.params_b must be a finite number > 0, got nan"),
    ({"model": {"params_b": math.inf}, "inference": INF},
     "workload.toml: model.params_b must be a finite number > 0, got inf"),
    ({"model": {"params_b": 1e300}, "inference": INF},
     "workload.toml: model.params_b must be at most 100000, got 1e+300"),
    ({"model": {"params_b": 7}, "inference": {**INF, "precision": "fp13"}},
     "workload.toml: inference.precision must be one of fp32, tf32, bf16, fp16, fp8, int8, fp4, int4, q8_0, q6_k, "
     "q5_k_m, q4_k_m, q4_0, q3_k_m, q2_k, got 'fp13'"),
    ({"model": {"params_b": 7}, "inference": {**INF, "batch_size": 0}},
     "workload.toml: inference.batch_size must be a whole number >= 1, got 0"),
    ({"model": {"params_b": 7}, "inference": {**INF, "batch_size": 2.5}},
     "workload.toml: inference.batch_size must be a whole number >= 1, got 2.5"),
    ({"model": {"params_b": 7}, "inference": {**INF, "bogus": 1}},
     "workload.toml: inference.bogus is not a known field (known: precision, requests_per_day, prompt_tokens, "
     "output_tokens, batch_size, kv_cache_precision, latency_slo_ms, cost_per_request_usd, engine, split, offload, "
     "host_memory_gb, host_bandwidth_gbps, bits_per_weight)"),
    ({"model": {"params_b": 7}, "inference": {"precision": "fp16"}},
     "workload.toml: inference.requests_per_day is required (traffic: requests served per day)"),
    ({"model": {}, "inference": INF},
     "workload.toml: model.params_b is required (total parameters, in billions), or model.name of a library model"),
    ({"inference": INF}, "workload.toml: model is required (a [model] section with params_b)"),
    ({"model": {"params_b": 7}},
     "workload.toml: inference or training is required (a workload serves, trains, or both)"),
    ({"model": {"params_b": 7}, "inference": 5}, "workload.toml: inference must be a table of fields, got 5"),
    ({"model": {"params_b": 7}, "inference": INF, "extra": 1},
     "workload.toml: extra is not a known field or section (known: name, description, model, inference, training, economics)"),
    ({"model": {"params_b": 7}, "training": {"precision": "bf16", "tokens": 1e300}},
     "workload.toml: training.tokens must be at most 1e+16, got 1e+300"),
    ({"model": {"params_b": 7}, "training": {"precision": "int4", "tokens": 1e9}},
     "workload.toml: training.precision must be one of fp32, tf32, bf16, fp16, fp8, got 'int4'"),
    ({"model": {"params_b": 7}, "training": {"precision": "bf16"}},
     "workload.toml: training.tokens is required for a transformer (or samples of seq_len tokens)"),
    ({"model": {"params_b": 7}, "training": {"precision": "bf16", "tokens": 1e9, "samples": 5}},
     "workload.toml: training.samples must be absent when training.tokens is given (one or the other), got 5"),
    ({"model": {"params_b": 7}, "training": {"precision": "bf16", "tokens": 1e9, "activation_checkpointing": "yes"}},
     "workload.toml: training.activation_checkpointing must be true or false, got 'yes'"),
    ({"model": {"params_b": 7, "active_params_b": 9}, "inference": INF},
     "workload.toml: model.active_params_b must be at most model.params_b (7), got 9"),
    ({"model": {"params_b": 7, "heads": 8, "kv_heads": 16}, "inference": INF},
     "workload.toml: model.kv_heads must be at most model.heads (8), got 16"),
    ({"model": {"params_b": 7, "hidden": 4096, "heads": 3}, "inference": INF},
     "workload.toml: model.heads must divide model.hidden (4096), got 3"),
    ({"model": {"params_b": 0.02, "family": "cnn"}, "inference": INF},
     "workload.toml: model.forward_gflops_per_sample is required for family 'cnn' (FLOPs of one forward pass)"),
    ({"model": {"params_b": 7}, "inference": {**INF, "prompt_tokens": 0, "output_tokens": 0}},
     "workload.toml: inference.prompt_tokens must be >= 1 when output_tokens is 0, got 0"),
    ({"model": {"params_b": 7}, "inference": INF, "economics": {"pue": 0.5}},
     "workload.toml: economics.pue must be a number >= 1, got 0.5"),
    ({"model": {"params_b": 7}, "inference": INF, "economics": {"mode": "lease"}},
     "workload.toml: economics.mode must be one of cloud, owned, got 'lease'"),
    ({"model": {"params_b": 7}, "inference": INF, "name": "a\nb"},
     "workload.toml: name must be one line of at most 200 characters, got 'a\\nb'"),
    ([1, 2], "workload.toml: the top level must be a table of sections, got a list"),
])
def test_each_rule_gives_one_exact_line(data, message):
    assert err(data) == message


def test_valid_workload_gets_defaults():
    wl = workload_from_dict({"model": {"params_b": 7}, "inference": INF})
    assert wl.inference.batch_size == 1 and wl.inference.prompt_tokens == 512
    assert wl.economics.mode == "cloud" and wl.economics.pue == 1.2
    assert wl.phase == "inference"
    assert isinstance(wl.inference.batch_size, int)


def test_whole_number_given_as_float_is_accepted():
    wl = workload_from_dict({"model": {"params_b": 7}, "inference": {**INF, "batch_size": 8.0}})
    assert wl.inference.batch_size == 8 and isinstance(wl.inference.batch_size, int)


def test_precision_names_are_case_insensitive():
    assert workload_from_dict({"model": {"params_b": 7}, "inference": {**INF, "precision": "Q4_K_M"}}).inference.precision == "q4_k_m"


def test_workload_is_immutable():
    wl = workload_from_dict({"model": {"params_b": 7}, "inference": INF})
    with pytest.raises(AttributeError):
        wl.model.params_b = 8  # type: ignore[misc]


def test_malformed_toml_and_json(tmp_path):
    bad = tmp_path / "w.toml"
    bad.write_text("[model\nparams_b = 7\n")
    with pytest.raises(BadInput, match=r"^w.toml: not valid TOML: "):
        load_workload(bad)
    badj = tmp_path / "w.json"
    badj.write_text('{"model": {"params_b": 7},')
    with pytest.raises(BadInput) as e:
        load_workload(badj)
    assert str(e.value) == "w.json: not valid JSON: Expecting property name enclosed in double quotes at line 1 column 27"


def test_file_problems(tmp_path):
    with pytest.raises(BadInput, match=r"nope.toml: file not found$"):
        load_workload(tmp_path / "nope.toml")
    empty = tmp_path / "e.toml"
    empty.write_text("  \n")
    with pytest.raises(BadInput, match=r"^e.toml: file is empty$"):
        load_workload(empty)
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(BadInput, match=r"^b.toml: not UTF-8 text"):
        load_workload(binary)
    with pytest.raises(BadInput, match=r"is a folder"):
        load_workload(tmp_path)


def test_deeply_nested_json_is_bad_input(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BadInput, match=r"^deep.json: "):
        load_workload(f)


def test_name_defaults_to_file_stem(tmp_path):
    f = tmp_path / "my_job.json"
    f.write_text(json.dumps({"model": {"params_b": 7}, "inference": INF}))
    assert load_workload(f).name == "my_job"


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_save_and_load_round_trip(tmp_path, suffix):
    wl = workload_from_dict({"name": "Round trip ü", "model": {"params_b": 6.74, "kv_heads": 8, "heads": 32, "hidden": 4096},
                             "inference": {**INF, "latency_slo_ms": 1500.5},
                             "training": {"precision": "bf16", "tokens": 2e12, "activation_checkpointing": True}})
    path = tmp_path / f"w{suffix}"
    save_workload(wl, path)
    assert load_workload(path) == wl
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write left no temp file


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text("old")
    wl = workload_from_dict({"model": {"params_b": 7}, "inference": INF})
    with pytest.raises(BadInput, match="folder .* does not exist"):
        save_workload(wl, tmp_path / "missing" / "w.toml")
    assert path.read_text() == "old"


def test_presets_all_load_and_cover_the_scenarios():
    presets = list_presets()
    assert len(presets) >= 8
    assert all(p.description and p.name for p in presets)
    phases = {p.workload.phase for p in presets}
    assert phases == {"inference", "training", "both"}
    families = {p.workload.model.family for p in presets}
    assert {"transformer", "cnn"} <= families
    for p in presets:  # dumps/parse keeps every preset intact
        assert parse_text(dumps_toml(p.workload), "x", "toml") == p.workload


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
sections = st.fixed_dictionaries({}, optional={
    "name": json_values,
    "model": st.fixed_dictionaries({}, optional={"params_b": json_values, "family": json_values, "layers": json_values,
                                                 "kv_heads": json_values, "heads": json_values}),
    "inference": st.fixed_dictionaries({}, optional={"precision": st.sampled_from(["fp16", "q4_0", "x"]) | json_values,
                                                     "requests_per_day": json_values, "batch_size": json_values,
                                                     "output_tokens": json_values}),
    "training": st.fixed_dictionaries({}, optional={"precision": json_values, "tokens": json_values,
                                                    "samples": json_values}),
    "economics": st.dictionaries(st.sampled_from(["mode", "pue", "horizon_years", "zzz"]), json_values, max_size=3),
})


@settings(max_examples=400, deadline=None)
@given(data=st.one_of(sections, json_values))
def test_fuzz_loader_raises_only_bad_input(data):
    try:
        workload_from_dict(data, "fuzz.json")
    except BadInput as e:
        assert str(e).startswith("fuzz.json: ") and "\n" not in str(e)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_fuzz_text_raises_only_bad_input(text):
    for fmt in ("toml", "json"):
        try:
            parse_text(text, "t", fmt)
        except BadInput:
            pass


def test_atomic_write_keeps_the_file_mode(tmp_path):
    import os
    import stat

    from advisor.atomic import write_text_atomic

    new = tmp_path / "new.txt"
    write_text_atomic(new, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    old = tmp_path / "old.txt"
    old.write_text("y")
    old.chmod(0o640)
    write_text_atomic(old, "z")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640 and old.read_text() == "z"
