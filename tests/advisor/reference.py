"""Predictions for every row of tests/data/measured_reference.csv, grouped by engine and device class.

Used by test_model_accuracy.py (which asserts the targets) and runnable on its own to print the
tables quoted in the README and the issue notes:

    .venv/bin/python -m tests.advisor.reference
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from advisor.model.devices import device_table
from advisor.model.estimate import estimate_table
from advisor.models import find_model
from advisor.workload import workload_from_dict
from hardware_db import load_catalog

DATA = Path(__file__).resolve().parent.parent / "data" / "measured_reference.csv"

# Reference device names -> catalog ids where the reference names a memory size or core count
# the catalog row does not carry in its name.
DEVICE_IDS = {
    "RTX 4000 Ada 20GB": "rtx-4000-ada", "RTX 5000 Ada 32GB": "rtx-5000-ada", "RTX 6000 Ada 48GB": "rtx-6000-ada",
    "M1 Max 24-core": "m1-max", "M1 Max 32-core": "m1-max", "M2 Ultra 76-core": "m2-ultra",
    "M3 Max 40-core": "m3-max-40c", "M1 Pro 14-core": "m1-pro", "M3 Pro 18-core": "m3-pro",
    "RTX 3070 8GB": "rtx-3070", "RTX 3080 Ti 12GB": "rtx-3080-ti", "RTX 4070 Ti 12GB": "rtx-4070-ti",
    "A100 80GB (variant not stated)": "a100-sxm4-80gb", "M1 7-core": "m1", "M1 8-core": "m1", "M2 10-core": "m2",
    "M3 10-core": "m3", "RTX 3060": "rtx-3060-12gb",
}
# Laptop parts are not in the catalog (their clocks and power differ from the desktop cards).
SKIP_DEVICES = {"RTX 3070 Laptop 8GB"}
# Llama shapes (model cards) for rows named the older way: layers, hidden, heads, kv_heads.
SHAPES = {"Llama-2-7B": (32, 4096, 32, 32), "LLaMA-7B": (32, 4096, 32, 32), "Llama-3-8B": (32, 4096, 32, 8),
          "Mistral-7B": (32, 4096, 32, 8), "Llama-2-13B": (40, 5120, 40, 40), "Llama-2-70B": (80, 8192, 64, 8),
          "LLaMA-70B": (80, 8192, 64, 8), "Llama-3-70B": (80, 8192, 64, 8), "LLaMA-65B": (80, 8192, 64, 64),
          "MPT-7B": (32, 4096, 32, 32), "MPT-13B": (40, 5120, 40, 40), "MPT-70B": (80, 8192, 64, 8)}


def rows(kind: str | None = None) -> list[dict]:
    with open(DATA, newline="") as f:
        return [r for r in csv.DictReader(f) if kind is None or r["kind"] == kind]


_CTX: dict = {}


def context():
    if not _CTX:
        cat = load_catalog(user_overlay=False)
        _CTX.update(cat=cat, table=device_table(cat))
    return _CTX["cat"], _CTX["table"]


def device(name: str):
    cat, table = context()
    dev_id = DEVICE_IDS.get(name) or cat.resolve(name)["id"]
    return table.take(np.flatnonzero(table.ids == dev_id)), dev_id


def model_fields(r: dict) -> dict:
    lib = find_model(r["model"])
    if lib is not None and lib.id == r["model"]:
        return {"name": lib.id}
    layers, hidden, heads, kv = SHAPES.get(r["model"], (None, None, None, None))
    m = {"params_b": float(r["params_b"])}
    if layers:
        m.update(layers=layers, hidden=hidden, heads=heads, kv_heads=kv)
    return m


def device_class(dev) -> str:
    """Apple, NVIDIA consumer/workstation, NVIDIA datacenter, AMD GPU, Intel GPU, CPU."""
    vendor, kind, segment = dev.vendor[0], dev.kind[0], dev.segment[0]
    if kind == "cpu":
        return "CPU"
    if vendor == "Apple":
        return "Apple"
    if vendor in ("AMD", "Intel"):
        return f"{vendor} GPU"
    return "NVIDIA datacenter" if segment in ("datacenter", "cloud") else "NVIDIA consumer/workstation"


def _inference(r: dict, *, batch: int = 1, prompt: int = 16, output: int = 128) -> dict:
    inf = {"precision": r["precision"], "requests_per_day": 1, "prompt_tokens": prompt, "output_tokens": output,
           "batch_size": batch}
    if r.get("engine"):
        inf["engine"] = r["engine"]
    if r.get("bits_per_weight"):
        inf["bits_per_weight"] = float(r["bits_per_weight"])
    if r.get("host_bandwidth_gbps"):
        inf.update(offload="auto", host_bandwidth_gbps=float(r["host_bandwidth_gbps"]), host_memory_gb=64)
    return inf


def decode_results() -> list[dict]:
    """Single-stream decode: predicted / measured tokens/s for every decode row with a catalog device."""
    out = []
    for r in rows("decode"):
        if r["device"] in SKIP_DEVICES:
            continue
        dev, dev_id = device(r["device"])
        if np.isnan(dev.bandwidth_gbps[0]):
            continue  # the catalog has no bandwidth for it: nothing to predict from
        count = int(r["count"]) if r.get("count") else 1
        w = workload_from_dict({"model": model_fields(r),
                                "inference": _inference(r, output=int(r["output_tokens"] or 128))})
        est = estimate_table(w, dev, count=count)
        pred = est.point["decode_tokens_per_s"][0]
        out.append({"device": r["device"], "count": count, "model": r["model"], "precision": r["precision"],
                    "engine": r.get("engine") or "llama.cpp", "class": device_class(dev) if count == 1 else "multi-GPU",
                    "ratio": pred / float(r["measured_value"]), "predicted": pred, "measured": float(r["measured_value"]),
                    "row": r, "estimate": est})
    return out


def serving_results() -> list[dict]:
    """Batched serving throughput (output tokens/s of a replica at the stated batch)."""
    out = []
    for r in rows("serving"):
        dev, _ = device(r["device"])
        b, P, O = int(r["batch_size"]), int(r["prompt_tokens"]), int(r["output_tokens"])
        count = int(r["count"]) if r.get("count") else 1
        inf = _inference(r, batch=b, prompt=P, output=O)
        # TensorRT-LLM's FP8 benchmark engines are built with `--enable_fp8 --fp8_kv_cache`.
        inf["kv_cache_precision"] = "fp8" if r["precision"] == "fp8" else "fp16"
        w = workload_from_dict({"model": model_fields(r), "inference": inf})
        pred = estimate_table(w, dev, count=count).point["serving_tokens_per_s"][0]
        if "GPU" in r["unit"]:
            pred /= count
        out.append({"device": r["device"], "engine": r.get("engine") or "tensorrt-llm", "model": r["model"],
                    "batch": b, "ratio": pred / float(r["measured_value"])})
    return out


def energy_results() -> list[dict]:
    """Energy per output token: the `energy` rows (stated batch) and decode rows with a measured system power."""
    out = []
    for r in rows("energy"):
        dev, _ = device(r["device"])
        b = int(r["batch_size"])
        inf = _inference(r, batch=b, prompt=int(r["prompt_tokens"] or 512), output=int(r["output_tokens"] or 128))
        w = workload_from_dict({"model": model_fields(r), "inference": inf})
        p = estimate_table(w, dev, count=1).point
        joules = p["busy_power_w"][0] * p["tpot_ms"][0] / 1e3 / b
        out.append({"device": r["device"], "batch": b, "ratio": joules / float(r["measured_value"]), "what": "GPU J/token"})
    for d in decode_results():
        r = d["row"]
        if not (r.get("system_power_w") and r.get("host_power_w")):
            continue
        p = d["estimate"].point
        if np.isnan(p["busy_power_w"][0]):
            continue
        joules = (p["busy_power_w"][0] * d["count"] + float(r["host_power_w"])) / d["predicted"]
        measured = float(r["system_power_w"]) / d["measured"]
        out.append({"device": r["device"], "batch": 1, "ratio": joules / measured, "what": "system J/token"})
    return out


def summary(results: list[dict], key: str) -> dict[str, tuple[int, float, float, float]]:
    """key -> (rows, median |error|, worst ratio low, worst ratio high)."""
    groups: dict[str, list[float]] = defaultdict(list)
    for x in results:
        groups[x[key]].append(x["ratio"])
    out = {}
    for k, v in sorted(groups.items()):
        a = np.array(v)
        out[k] = (len(a), float(np.median(np.abs(a - 1))), float(a.min()), float(a.max()))
    return out


def table(title: str, s: dict) -> str:
    lines = [title, "| group | rows | median error | lowest ratio | highest ratio |", "|---|---|---|---|---|"]
    for k, (n, med, lo, hi) in s.items():
        lines.append(f"| {k} | {n} | {med:.0%} | {lo:.2f} | {hi:.2f} |")
    return "\n".join(lines)


def main() -> None:
    dec = decode_results()
    print(table("Single-stream decode by engine (predicted/measured)", summary(dec, "engine")))
    print()
    print(table("Single-stream decode by device class", summary(dec, "class")))
    allr = np.array([x["ratio"] for x in dec])
    print(f"\nall decode rows: {len(allr)}, median error {np.median(np.abs(allr - 1)):.0%}, "
          f"range {allr.min():.2f}-{allr.max():.2f}")
    srv = serving_results()
    print()
    print(table("Batched serving throughput", summary(srv, "engine")))
    en = energy_results()
    print()
    print(table("Energy per output token", summary(en, "what")))
    for x in sorted(dec, key=lambda x: x["ratio"])[:6] + sorted(dec, key=lambda x: x["ratio"])[-6:]:
        print(f"  {x['device']:>20} x{x['count']} {x['model']:>14} {x['precision']:>7} {x['engine']:>10} {x['ratio']:.2f}")


if __name__ == "__main__":
    main()


# Published GPU-hours; Llama 2 trained on Meta's clusters of ~2000 A100s (the model card
# gives GPU-hours only: 2048 is the count assumed here).
TRAINING_RUNS = [("Llama-2-7B", 2048), ("Llama-2-13B", 2048), ("Llama-2-70B", 2048)]


def training_hours_ratios() -> list[tuple[str, float]]:
    """(model, predicted / published GPU-hours) for the Llama 2 runs of TRAINING_RUNS."""
    by_model = {r["model"]: r for r in rows("training") if r["unit"].startswith("GPU-hours")}
    out = []
    for model, gpus in TRAINING_RUNS:
        r = by_model[model]
        dev, _ = device(r["device"])
        w = workload_from_dict({"model": model_fields(r), "training": {"precision": "bf16", "tokens": 2e12,
                                                                      "seq_len": 4096, "devices": gpus}})
        out.append((model, estimate_table(w, dev).point["device_hours"][0] / float(r["measured_value"])))
    return out


def training_throughput_ratios() -> list[float]:
    """Predicted / measured tokens/s per GPU of the MosaicML llm-foundry rows (bf16)."""
    out = []
    for r in rows("training"):
        if r["unit"] != "tokens/s/GPU" or r["precision"] != "bf16" or not r["prompt_tokens"]:
            continue
        dev, _ = device(r["device"])
        gpus = int(r["batch_size"])
        ckpt = "act. ckpt" in r["notes"] and "no act. ckpt" not in r["notes"]
        w = workload_from_dict({"model": model_fields(r), "training": {
            "precision": "bf16", "tokens": 1e10, "seq_len": int(r["prompt_tokens"]), "devices": gpus,
            "activation_checkpointing": ckpt}})
        p = estimate_table(w, dev).point
        out.append(1e10 / (p["time_hours"][0] * 3600) / gpus / float(r["measured_value"]))
    return out
