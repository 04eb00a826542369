"""Workload rules at their boundaries: the last accepted value and the first rejected one.

Each pair pins a comparison of advisor/workload.py (`>` vs `>=`, an off-by-one) so a bent
bound fails here with the exact line a user would see.
"""

from __future__ import annotations

import json

import pytest

from advisor.errors import BadInput
from advisor.workload import (
    MAX_FILE_BYTES,
    Workload,
    _show,
    dumps_toml,
    load_workload,
    parse_text,
    workload_from_dict,
)

INF = {"precision": "fp16", "requests_per_day": 1000}


def ok(data) -> Workload:
    return workload_from_dict(data, "w.toml")


def err(data) -> str:
    with pytest.raises(BadInput) as e:
        workload_from_dict(data, "w.toml")
    return str(e.value)


def test_kv_heads_may_equal_heads_but_not_exceed_them():
    assert ok({"model": {"params_b": 7, "heads": 32, "kv_heads": 32}, "inference": INF}).model.kv_heads == 32
    assert ok({"model": {"params_b": 7, "heads": 32, "kv_heads": 1}, "inference": INF}).model.kv_heads == 1
    assert err({"model": {"params_b": 7, "heads": 32, "kv_heads": 33}, "inference": INF}) == (
        "w.toml: model.kv_heads must be at most model.heads (32), got 33")
    # Without heads there is nothing to compare with: any kv_heads >= 1 is taken.
    assert ok({"model": {"params_b": 7, "kv_heads": 64}, "inference": INF}).model.kv_heads == 64


def test_active_params_may_equal_params_but_not_exceed_them():
    assert ok({"model": {"params_b": 7, "active_params_b": 7}, "inference": INF}).model.active_params_b == 7
    assert err({"model": {"params_b": 7, "active_params_b": 7.01}, "inference": INF}) == (
        "w.toml: model.active_params_b must be at most model.params_b (7), got 7.01")


def test_heads_must_divide_hidden():
    assert ok({"model": {"params_b": 7, "hidden": 4096, "heads": 32}, "inference": INF}).model.heads == 32
    assert err({"model": {"params_b": 7, "hidden": 4096, "heads": 24}, "inference": INF}) == (
        "w.toml: model.heads must divide model.hidden (4096), got 24")


@pytest.mark.parametrize(("path", "last_ok", "first_bad", "message"), [
    ("inference.batch_size", 1, 0, "must be a whole number >= 1, got 0"),
    ("inference.batch_size", 100_000, 100_001, "must be at most 100000, got 100001"),
    ("inference.prompt_tokens", 0, -1, "must be a whole number >= 0, got -1"),
    ("economics.pue", 1.0, 0.99, "must be a number >= 1, got 0.99"),
    ("economics.pue", 5.0, 5.01, "must be at most 5, got 5.01"),
    ("economics.electricity_usd_per_kwh", 0.0, -0.01, "must be a number >= 0, got -0.01"),
    ("economics.target_utilization", 1.0, 1.0001, "must be at most 1, got 1.0001"),
    ("economics.target_utilization", 0.01, 0.0099, "must be at least 0.01, got 0.0099"),  # tiny: a slip
    ("economics.target_utilization", 0.01, 0.0, "must be a number > 0, got 0"),
    ("economics.horizon_years", 50, 51, "must be at most 50, got 51"),
    ("model.params_b", 100_000, 100_000.5, "must be at most 100000, got 100000.5"),
    ("model.params_b", 1e-6, 9e-7, "must be at least 1e-06, got 9e-07"),  # 1,000 parameters at least
    ("model.params_b", 1e-6, 0, "must be a number > 0, got 0"),
    ("model.kv_heads", 1, 0, "must be a whole number >= 1, got 0"),
])
def test_bounds(path, last_ok, first_bad, message):
    section, key = path.split(".")
    base = {"model": {"params_b": 7}, "inference": dict(INF)}
    base.setdefault(section, {})
    good = json.loads(json.dumps(base))
    good[section][key] = last_ok
    wl = ok(good)
    assert getattr(getattr(wl, section), key) == last_ok
    bad = json.loads(json.dumps(base))
    bad[section][key] = first_bad
    assert err(bad) == f"w.toml: {path} {message}"


def test_whole_numbers_become_int_and_numbers_float():
    wl = ok({"model": {"params_b": 7, "layers": 32.0}, "inference": {**INF, "requests_per_day": 5}})
    assert type(wl.model.layers) is int and wl.model.layers == 32
    assert type(wl.inference.requests_per_day) is float and wl.inference.requests_per_day == 5.0
    assert type(wl.model.params_b) is float
    assert err({"model": {"params_b": 7, "layers": 32.5}, "inference": INF}) == (
        "w.toml: model.layers must be a whole number >= 1, got 32.5")
    assert err({"model": {"params_b": 7, "layers": "32"}, "inference": INF}) == (
        "w.toml: model.layers must be a whole number >= 1, got '32'")
    # A huge int is finite: it is compared, not rejected as non-finite.
    assert err({"model": {"params_b": 10**30}, "inference": INF}) == (
        "w.toml: model.params_b must be at most 100000, got a 31-digit number")


def test_choices_are_trimmed_and_lowered():
    wl = ok({"model": {"params_b": 7, "family": " Transformer "}, "inference": {**INF, "precision": " INT8"}})
    assert wl.model.family == "transformer" and wl.inference.precision == "int8"
    assert err({"model": {"params_b": 7}, "inference": {**INF, "precision": 8}}).startswith(
        "w.toml: inference.precision must be one of fp32, ")


def test_text_fields():
    assert ok({"name": "x" * 200, "model": {"params_b": 7}, "inference": INF}).name == "x" * 200
    assert err({"name": "x" * 201, "model": {"params_b": 7}, "inference": INF}) == (
        "w.toml: name must be one line of at most 200 characters, got '" + "x" * 40 + "...'")
    assert err({"name": 5, "model": {"params_b": 7}, "inference": INF}) == "w.toml: name must be text, got 5"
    assert err({"description": "a\tb", "model": {"params_b": 7}, "inference": INF}) == (
        "w.toml: description must be one line of at most 200 characters, got 'a\\tb'")
    assert ok({"description": "tabs? no; spaces and ü yes", "model": {"params_b": 7},
               "inference": INF}).description == "tabs? no; spaces and ü yes"


@pytest.mark.parametrize(("value", "shown"), [
    ("abc", "'abc'"), ("y" * 41, "'" + "y" * 40 + "...'"), ("y" * 40, "'" + "y" * 40 + "'"),
    (10**21, "a 22-digit number"), (10**21 - 1, str(10**21 - 1)), (-(10**21), "a 22-digit number"),
    (0.1 + 0.2, "0.30000000000000004"), (2.5, "2.5"), (560551.4, "560551.4"), (float("nan"), "nan"),
    ({"a": 1}, "a table"), ([1], "a list"), (True, "true"), (False, "false"), (None, "None"), (7, "7"),
])
def test_values_are_shown_as_a_user_wrote_them(value, shown):
    assert _show(value) == shown


def test_unknown_keys_are_shown_plainly_or_quoted():
    assert err({"model": {"params_b": 7}, "inference": {**INF, "bad key": 1}}).startswith(
        "w.toml: inference.bad key is not a known field (known: precision, ")
    assert err({"model": {"params_b": 7}, "inference": {**INF, "x\ny": 1}}).startswith(
        "w.toml: inference.'x\\ny' is not a known field")
    assert err({"model": {"params_b": 7}, "inference": {**INF, " pad": 1}}).startswith(
        "w.toml: inference.' pad' is not a known field")
    assert err({"model": {"params_b": 7}, "inference": {**INF, "": 1}}).startswith(
        "w.toml: inference.'' is not a known field")
    assert err({"model": {"params_b": 7}, "inference": INF, "x\ty": 1}).startswith("w.toml: 'x\\ty' is not a known")


def test_sections_and_phases():
    both = ok({"model": {"params_b": 7}, "inference": INF, "training": {"precision": "bf16", "tokens": 1e9}})
    assert both.phase == "both"
    train = ok({"model": {"params_b": 7}, "training": {"precision": "bf16", "tokens": 1e9}})
    assert train.phase == "training" and train.inference is None
    assert ok({"model": {"params_b": 7}, "inference": INF}).phase == "inference"
    assert err({"model": {"params_b": 7}, "inference": INF, "economics": [1]}) == (
        "w.toml: economics must be a table of fields, got a list")
    assert err({"model": {"params_b": 7}, "inference": INF, "name": {"a": 1}}) == (
        "w.toml: name must be text, got a table")


def test_non_transformer_rules():
    cnn = {"params_b": 0.0256, "family": "cnn", "forward_gflops_per_sample": 8.2}
    # No tokens for a CNN: prompt/output tokens of 0 are fine.
    wl = ok({"model": cnn, "inference": {**INF, "prompt_tokens": 0, "output_tokens": 0}})
    assert wl.inference.prompt_tokens == 0
    assert err({"model": cnn, "training": {"precision": "fp32"}}) == (
        "w.toml: training.samples is required for family 'cnn'")
    assert err({"model": {"params_b": 1, "family": "generic"}, "training": {"precision": "fp32"}}) == (
        "w.toml: training.samples is required for family 'generic'")
    assert ok({"model": cnn, "training": {"precision": "fp32", "samples": 1.28e6, "epochs": 90}}).training.epochs == 90
    # A transformer may give samples (of seq_len tokens) instead of tokens.
    assert ok({"model": {"params_b": 7}, "training": {"precision": "bf16", "samples": 1e6}}).training.samples == 1e6
    assert ok({"model": {"params_b": 1, "family": "generic"}, "inference": INF}).model.family == "generic"
    assert ok({"model": {"params_b": 7}, "inference": {**INF, "prompt_tokens": 0, "output_tokens": 1}})


def test_to_dict_leaves_out_unset_fields():
    wl = ok({"model": {"params_b": 7}, "inference": INF})
    d = wl.to_dict()
    assert set(d) == {"model", "inference", "economics"}
    assert d["model"] == {"params_b": 7.0, "family": "transformer"}
    named = ok({"name": "n", "description": "d", "model": {"params_b": 7}, "inference": INF}).to_dict()
    assert named["name"] == "n" and named["description"] == "d"


def test_toml_text_is_exact():
    wl = ok({"name": 'Say "hi"', "model": {"params_b": 7, "layers": 32},
             "inference": {**INF, "requests_per_day": 1e13, "latency_slo_ms": 0.5},
             "training": {"precision": "bf16", "tokens": 2e15, "activation_checkpointing": True},
             "economics": {"pue": 1.25}})
    text = dumps_toml(wl)
    assert text.splitlines()[:3] == ['name = "Say \\"hi\\""', "", "[model]"]
    assert "params_b = 7\n" in text and "layers = 32\n" in text
    assert "requests_per_day = 10000000000000\n" in text and "latency_slo_ms = 0.5\n" in text
    assert "tokens = 2000000000000000.0\n" in text  # >= 1e15 stays a float (repr), not an int
    assert "activation_checkpointing = true\n" in text and "activation_checkpointing = true\n" in text
    assert "\n[economics]\nmode = \"cloud\"\n" in text and "pue = 1.25\n" in text
    assert parse_text(text, "w.toml", "toml") == wl
    off = ok({"model": {"params_b": 7}, "training": {"precision": "bf16", "tokens": 1e9}})
    assert "activation_checkpointing = false\n" in dumps_toml(off)
    assert dumps_toml(off).endswith("\n") and not dumps_toml(off).endswith("\n\n")


def test_file_size_limit_and_bom(tmp_path):
    assert MAX_FILE_BYTES == 1_000_000
    f = tmp_path / "big.toml"
    f.write_text("# " + "x" * (MAX_FILE_BYTES - 3) + "\n")  # exactly the limit: read (and found empty of fields)
    with pytest.raises(BadInput) as e:
        load_workload(f)
    assert str(e.value) == "big.toml: model is required (a [model] section with params_b)"
    f.write_text("# " + "x" * (MAX_FILE_BYTES - 2) + "\n")
    with pytest.raises(BadInput) as e:
        load_workload(f)
    assert str(e.value) == "big.toml: file is 1.0 MB, too large for a workload file (at most 1.0 MB)"
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps({"model": {"params_b": 7}, "inference": INF}).encode())
    assert load_workload(bom).name == "bom" and load_workload(bom).model.params_b == 7
    upper = tmp_path / "UP.JSON"
    upper.write_text(json.dumps({"name": "from json", "model": {"params_b": 7}, "inference": INF}))
    assert load_workload(upper).name == "from json"


def test_parse_errors_name_the_format():
    with pytest.raises(BadInput) as e:
        parse_text("{" + '"a": ' * 1 + "1" * 5000 + "}", "w.json", "json")
    assert str(e.value).startswith("w.json: not valid JSON: Exceeds the limit (4300 digits)")
    with pytest.raises(BadInput) as e:
        parse_text("a = 1\na = 2\n", "w.toml", "toml")
    assert str(e.value).startswith("w.toml: not valid TOML: ")
    with pytest.raises(BadInput) as e:
        parse_text("[" * 100_000, "w.json", "json")
    assert str(e.value) == "w.json: not a workload: nested too deeply"


def test_a_number_field_without_a_lower_bound_says_so_plainly():
    from advisor.workload import FieldSpec, check_value

    spec = FieldSpec("x", "number", "X", "Some number.")
    assert check_value(spec, "s.x", 2, "w.toml") == 2.0
    with pytest.raises(BadInput) as e:
        check_value(spec, "s.x", "two", "w.toml")
    assert str(e.value) == "w.toml: s.x must be a number, got 'two'"


def test_toml_float_threshold_and_unicode(tmp_path):
    wl = ok({"name": "Modèle ü", "model": {"params_b": 7},
             "training": {"precision": "bf16", "tokens": 1e15}})
    text = dumps_toml(wl)
    assert "tokens = 1000000000000000.0\n" in text  # 1e15 itself stays a float
    assert text.startswith('name = "Modèle ü"\n')  # written as is, not \u escapes
    just_below = ok({"model": {"params_b": 7}, "training": {"precision": "bf16", "tokens": 999_999_999_999_999.0}})
    assert "tokens = 999999999999999\n" in dumps_toml(just_below)


def test_saved_json_is_indented_two_spaces(tmp_path):
    from advisor.workload import save_workload

    wl = ok({"name": "j", "model": {"params_b": 7}, "inference": INF})
    path = tmp_path / "w.JSON"
    save_workload(wl, path)
    text = path.read_text()
    assert text == json.dumps(wl.to_dict(), indent=2) + "\n"
    assert text.startswith('{\n  "name": "j",\n  "model": {\n    "params_b": 7.0')


def test_file_read_problems(tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    with pytest.raises(BadInput) as e:
        load_workload(loop)
    assert str(e.value) == f"{loop}: cannot read: Too many levels of symbolic links"
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 1_050_000)
    with pytest.raises(BadInput) as e:
        load_workload(big)
    assert str(e.value) == "big.toml: file is 1.1 MB, too large for a workload file (at most 1.0 MB)"
    huge_int = tmp_path / "int.toml"
    huge_int.write_text("[model]\nparams_b = " + "1" * 5000 + "\n")
    with pytest.raises(BadInput) as e:
        load_workload(huge_int)
    assert str(e.value) == ("int.toml: not valid TOML: Exceeds the limit (4300 digits) for integer string "
                            "conversion: value has 5000 digits")


def test_json_integer_limit_message_is_cut_at_the_semicolon():
    with pytest.raises(BadInput) as e:
        parse_text('{"a": ' + "1" * 5000 + "}", "w.json", "json")
    assert str(e.value) == ("w.json: not valid JSON: Exceeds the limit (4300 digits) for integer string "
                            "conversion: value has 5000 digits")


def test_model_overrides_replace_the_files_model_fields(tmp_path):
    f = tmp_path / "w.toml"
    f.write_text('[model]\nparams_b = 7\nlayers = 32\n[inference]\nprecision = "fp16"\nrequests_per_day = 10\n')
    wl = load_workload(f, {"params_b": 13, "hidden": 5120})
    assert (wl.model.params_b, wl.model.layers, wl.model.hidden) == (13, 32, 5120)
    assert parse_text(f.read_text(), "w.toml", "toml", {"layers": 40}).model.layers == 40
    assert load_workload(f).model.params_b == 7


@pytest.mark.parametrize(("text", "ok_"), [
    ("a\x7eb", True), ("a\x7fb", False), ("a\x9fb", False), ("a\xa0b", True),
    ("a\u2029b", True), ("a\u202ab", False), ("a\u202eb", False), ("a\u202fb", True),
    ("a\u2065b", True), ("a\u2066b", False), ("a\u2069b", False), ("a\u206ab", True),
])
def test_control_and_text_direction_characters_at_their_edges(text, ok_):
    data = {"name": text, "model": {"params_b": 7}, "inference": INF}
    if ok_:
        assert ok(data).name == text
    else:
        assert err(data) == ("w.toml: name must be printable text (no control or text-direction characters), "
                             f"got {_show(text)}")


@pytest.mark.parametrize(("text", "ok_"), [("a\ud7ffb", True), ("a\ud800b", False), ("a\udfffb", False),
                                           ("a\ue000b", True)])
def test_lone_surrogates_at_their_edges(text, ok_):
    data = {"name": text, "model": {"params_b": 7}, "inference": INF}
    if ok_:
        assert ok(data).name == text
    else:
        assert err(data) == ("w.toml: name must be valid Unicode text (a lone surrogate is not a character), "
                             f"got {_show(text)}")


def test_toml_escapes_c1_controls_in_text():
    from advisor.workload import InferenceSpec, ModelSpec

    wl = Workload(model=ModelSpec(7.0), inference=InferenceSpec("fp16", 10.0), name="a\x85b\x7fc")
    assert dumps_toml(wl).startswith('name = "a\\u0085b\\u007fc"\n')


def test_experts_per_token_may_equal_experts():
    assert ok({"model": {"params_b": 47, "experts": 8, "experts_per_token": 8}, "inference": INF}).model.experts == 8
    assert err({"model": {"params_b": 47, "experts": 8, "experts_per_token": 9}, "inference": INF}) == (
        "w.toml: model.experts_per_token must be at most model.experts (8), got 9")


def test_required_field_messages_and_default_source():
    with pytest.raises(BadInput) as e:
        workload_from_dict({"model": {"params_b": 7}, "inference": {"requests_per_day": 1}})
    assert str(e.value) == "workload: inference.precision is required (weight precision while serving)"


@pytest.mark.parametrize(("name", "hint"), [
    ("Phi", "(closest: phi-4, phi-3-mini, phi-3.5-moe)"),
    ("llama-3.1-8X", "(closest: llama-3.1-8b, llama-3-8b, llama-3.1-70b)"),
    ("olmo", "(see the models command)"),
])
def test_unknown_library_model_names_the_closest(name, hint):
    assert err({"model": {"name": name}, "inference": INF}) == (
        f"w.toml: model.name {_show(name)} is not a model of the library {hint}")
