"""The model library and Hugging Face config.json reading (independent hand arithmetic)."""

from __future__ import annotations

import json

import pytest

from advisor.errors import BadInput
from advisor.models import find_model, hf_params, library, model_fields_from_config
from advisor.workload import workload_from_dict

INF = {"precision": "fp16", "requests_per_day": 100}


def test_library_has_forty_sourced_models_with_unique_ids():
    lib = library()
    assert len(lib) >= 40
    assert len({m.id for m in lib}) == len(lib)
    assert all(m.source.strip() for m in lib)
    assert all(0 < m.active_params_b <= m.params_b for m in lib)


@pytest.mark.parametrize("model_id, total_b, active_b", [
    # Published totals (model cards): Llama 3.1 8B 8.03 B; Mixtral 46.7 B / 12.9 B active;
    # Qwen3-30B-A3B 30.5 B / 3.3 B; Qwen3-235B-A22B 235 B / 22 B; gpt-oss-120b 116.8 B.
    ("llama-3.1-8b", 8.03, 8.03), ("mixtral-8x7b", 46.7, 12.9), ("qwen3-30b-a3b", 30.5, 3.3),
    ("qwen3-235b-a22b", 235, 22), ("gpt-oss-120b", 116.8, None), ("llama-2-7b", 6.74, 6.74),
])
def test_parameter_counts_follow_the_configs(model_id, total_b, active_b):
    m = find_model(model_id)
    assert m.params_b == pytest.approx(total_b, rel=0.02)
    if active_b:
        assert m.active_params_b == pytest.approx(active_b, rel=0.04)


def test_llama_8b_by_hand():
    # embeddings 2 x 128256 x 4096; per layer attention 4096 x 128 x (2x32 + 2x8); MLP 3 x 4096 x 14336
    by_hand = 2 * 128256 * 4096 + 32 * (4096 * 128 * 80 + 3 * 4096 * 14336)
    total, active = hf_params({"num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32,
                               "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256})
    assert total == by_hand == active


def test_names_match_loosely():
    assert find_model("Llama 3.1 8B").id == "llama-3.1-8b"
    assert find_model("QWEN3-30B-A3B").id == "qwen3-30b-a3b"
    assert find_model("no such model") is None


def test_model_name_fills_fields_and_explicit_fields_win():
    w = workload_from_dict({"model": {"name": "qwen3-30b-a3b"}, "inference": INF})
    assert (w.model.experts, w.model.experts_per_token, w.model.layers, w.model.head_dim) == (128, 8, 48, 128)
    assert w.model.active_params_b == pytest.approx(3.34, rel=0.01)
    w2 = workload_from_dict({"model": {"name": "llama-3.1-8b", "layers": 40}, "inference": INF})
    assert w2.model.layers == 40 and w2.model.params_b == pytest.approx(8.03, rel=0.01)


def test_unknown_model_name_is_one_line_with_candidates():
    with pytest.raises(BadInput, match=r"model.name 'llama-3.1-9b' is not a model of the library \(closest: llama-3.1-8b"):
        workload_from_dict({"model": {"name": "llama-3.1-9b"}, "inference": INF}, "w.toml")


def test_config_json_with_moe_fields(tmp_path):
    cfg = {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
           "intermediate_size": 14336, "num_local_experts": 8, "num_experts_per_tok": 2, "vocab_size": 32000}
    f = tmp_path / "config.json"
    f.write_text(json.dumps(cfg))
    got = model_fields_from_config(f)
    assert (got["experts"], got["experts_per_token"], got["kv_heads"]) == (8, 2, 8)
    assert got["params_b"] == pytest.approx(46.7, rel=0.01)
    assert got["active_params_b"] == pytest.approx(12.9, rel=0.01)
    # DeepSeek spelling: n_routed_experts + shared experts + dense first layers
    ds = {"hidden_size": 7168, "num_hidden_layers": 61, "num_attention_heads": 128, "intermediate_size": 18432,
          "moe_intermediate_size": 2048, "n_routed_experts": 256, "num_experts_per_tok": 8, "n_shared_experts": 1,
          "first_k_dense_replace": 3, "kv_lora_rank": 512, "q_lora_rank": 1536, "qk_rope_head_dim": 64,
          "qk_nope_head_dim": 128, "v_head_dim": 128, "vocab_size": 129280}
    f.write_text(json.dumps(ds))
    got = model_fields_from_config(f)
    assert got["params_b"] == pytest.approx(671, rel=0.01)
    assert got["active_params_b"] == pytest.approx(37.5, rel=0.03)
    assert (got["kv_heads"], got["head_dim"]) == (1, 288)  # one 576-value latent per token and layer


@pytest.mark.parametrize("text, message", [
    ("{", "not valid JSON"), ("[1]", "must be a JSON object"), ('{"hidden_size": 10}', "num_hidden_layers is missing"),
    ('{"hidden_size": -1, "num_hidden_layers": 2, "num_attention_heads": 1}', "hidden_size must be a positive number"),
])
def test_bad_config_json_is_one_line(tmp_path, text, message):
    f = tmp_path / "config.json"
    f.write_text(text)
    with pytest.raises(BadInput, match=message):
        model_fields_from_config(f)


@pytest.mark.parametrize("model, inference, training, message", [
    ({"params_b": 7, "experts": 8, "experts_per_token": 9}, INF, None,
     "model.experts_per_token must be at most model.experts (8), got 9"),
    ({"params_b": 7}, {**INF, "engine": "llamafile"}, None, "inference.engine must be one of auto, llama.cpp"),
    ({"params_b": 7}, {**INF, "offload": "yes"}, None, "inference.offload must be one of none, auto"),
    ({"params_b": 7}, {**INF, "bits_per_weight": 0.5}, None, "inference.bits_per_weight must be a number >= 1"),
    ({"params_b": 7}, None, {"precision": "bf16", "tokens": 1e9, "method": "dora"}, "training.method must be one of full, lora, qlora"),
    ({"params_b": 7}, None, {"precision": "bf16", "tokens": 1e9, "lora_rank": 0}, "training.lora_rank must be a whole number >= 1"),
])
def test_new_fields_are_checked(model, inference, training, message):
    data = {"model": model}
    if inference:
        data["inference"] = inference
    if training:
        data["training"] = training
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        workload_from_dict(data, "w.toml")


def test_library_workload_round_trips_through_toml(tmp_path):
    from advisor.workload import load_workload, save_workload

    w = workload_from_dict({"model": {"name": "deepseek-r1"}, "inference": {**INF, "engine": "ollama", "offload": "auto"}})
    f = tmp_path / "w.toml"
    save_workload(w, f)
    back = load_workload(f)
    assert back.model == w.model and back.inference == w.inference


def test_config_with_head_dim_apart_keeps_heads(tmp_path):
    # Gemma 2 9B: 16 heads of 256 on a 3584-wide model (16 x 256 = 4096 != 3584).
    f = tmp_path / "config.json"
    f.write_text(json.dumps({"hidden_size": 3584, "num_hidden_layers": 42, "num_attention_heads": 16,
                             "num_key_value_heads": 8, "head_dim": 256, "intermediate_size": 14336,
                             "vocab_size": 256000, "tie_word_embeddings": True}))
    got = model_fields_from_config(f)
    assert (got["heads"], got["kv_heads"], got["head_dim"]) == (16, 8, 256)
    assert got["params_b"] == pytest.approx(9.24, rel=0.01)
    w = workload_from_dict({"model": got, "inference": INF})
    assert w.model.head_dim == 256
