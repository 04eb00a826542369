"""Plain-language explanations of the field's terms, shown as tool tips next to the figures."""

GLOSSARY = {
    "ttft": "TTFT (time to first token): the prefill of the whole prompt before the first output token "
            "appears. Compute-bound: it grows with prompt length and model size.",
    "tpot": "TPOT (time per output token): one decode step. At small batches it is memory-bound: every "
            "step reads all the weights (and the KV cache) from memory once.",
    "kv_cache": "KV cache: the attention keys and values of every token so far, kept so each new token "
                "does not recompute them. It grows with context length x batch size; GQA (fewer KV heads) "
                "shrinks it.",
    "pue": "PUE (power usage effectiveness): facility power / IT power. 1.1 for a hyperscale data "
           "centre, ~1.5 for a typical server room. Energy figures include it.",
    "pareto": "Pareto-optimal: no other device is at once cheaper, faster and more frugal with energy.",
    "roofline": "Roofline: attainable speed = min(peak compute, bandwidth x arithmetic intensity). Work "
                "left of a device's ridge point is memory-bound, right of it compute-bound.",
    "intensity": "Arithmetic intensity: FLOPs done per byte moved from memory. Decode at batch 1 does ~2 "
                 "FLOPs per weight byte (memory-bound); prefill and training do hundreds or thousands.",
    "throughput": "Throughput: tokens per second of one replica, all streams of the batch together.",
    "cost_per_mtok": "Hardware cost per million tokens (prompt + output) at the planned utilisation; "
                     "cloud: on-demand price per device-hour; owned: amortised purchase + electricity.",
    "energy": "Energy per request at the wall: average fleet power x time, incl. idle time and PUE.",
    "optimized": "Training-optimized hardware has large HBM, fast device links and dense 16-bit math; "
                 "inference-optimized hardware favours low power, INT8/FP8/INT4 math and bandwidth per FLOP.",
    "range": "The range comes from pessimistic and optimistic efficiency factors (kernel efficiency, "
             "bandwidth utilisation, MFU); a probe narrows it for the probed device.",
    "mfu": "MFU (model FLOPs utilisation): the fraction of peak compute a training run really achieves "
           "(typically 35-50%).",
}

#: Extra help appended to a workload field's own help text, by field path.
FIELD_EXTRA = {
    "model.kv_heads": GLOSSARY["kv_cache"],
    "inference.latency_slo_ms": GLOSSARY["ttft"] + " " + GLOSSARY["tpot"],
    "inference.batch_size": GLOSSARY["tpot"],
    "inference.prompt_tokens": GLOSSARY["ttft"],
    "economics.pue": GLOSSARY["pue"],
    "training.precision": GLOSSARY["mfu"],
}
