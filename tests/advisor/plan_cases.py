"""The three cases of issue #12, as workloads shared by the core, CLI and GUI plan tests."""

LLAMA_8B = {"params_b": 8.03, "layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8}
LLAMA_70B = {"params_b": 70.6, "layers": 80, "hidden": 8192, "heads": 64, "kv_heads": 8}


def serve_8b(requests_per_day: float) -> dict:
    """Case 1: serve Llama-3-8B q4 to ~50 users (20,000 requests/day), owned."""
    return {"name": f"Serve Llama-3-8B q4, {requests_per_day:,.0f} requests/day", "model": dict(LLAMA_8B),
            "inference": {"precision": "q4_k_m", "requests_per_day": requests_per_day, "prompt_tokens": 500,
                          "output_tokens": 300, "batch_size": 1, "latency_slo_ms": 10_000},
            "economics": {"mode": "owned"}}


# Case 2: "I have one RTX 4090: a second 4090 or one RTX 6000 Ada for a 70B q4 model?"
SERVE_70B = {"name": "70B q4 for one person", "model": dict(LLAMA_70B),
             "inference": {"precision": "q4_0", "requests_per_day": 500, "prompt_tokens": 1000,
                           "output_tokens": 300, "batch_size": 1},
             "economics": {"mode": "owned"}}
CASE2_OPTIONS = ("2x rtx 4090", "rtx 6000 ada")
CASE2_OWN = ("1x rtx 4090",)
CASE2_PRICE = ("rtx 6000 ada=6800",)

# Case 3: a training job that needs 16 cards (the seed showed one card's price as "upfront").
TRAIN_13B = {"name": "Fine-tune 13B in bf16", "model": {"params_b": 13},
             "training": {"precision": "bf16", "tokens": 2e9, "seq_len": 2048,
                          "activation_checkpointing": True, "target_days": 3},
             "economics": {"mode": "owned"}}
CASE3_OPTION = "16x rtx 4090"
