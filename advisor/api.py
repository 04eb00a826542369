"""The advisor for notebooks: the same answers as the command line, as pandas DataFrames.

    from advisor import api

    api.presets()                                        # the built-in workloads
    api.recommend("chat_7b_workstation", top=5)          # a ranking, one row per device
    api.estimate("serve_70b_at_scale", ["h100 sxm", "mi300x"], count=4)
    api.plan("chat_7b_workstation", options=["2x rtx 4090", "rtx 6000 ada"], own=["1x rtx 4090"])
    api.history()                                        # this machine's (and imported) probe runs

A workload is a preset name, a path to a workload file, a dict with the file's fields, or an
`advisor.workload.Workload`. Column names are the `--json` field names, nested ones joined with
dots (`inference.tpot_ms`, `range.inference.tpot_ms.high`). Bad input raises
`advisor.errors.BadInput` with the same one-line message the command line prints.

pandas is imported when a function is first called, never at import: the desktop app, which
imports the core but not this module's functions, does not pay for it at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import BadInput

if TYPE_CHECKING:  # annotations only; pandas is imported lazily
    import pandas as pd

    from advisor.workload import Workload

__all__ = ["presets", "recommend", "estimate", "plan", "history", "workload"]


def _pandas():
    import pandas as pd  # lazily: see the module docstring

    return pd


def workload(spec: Any, model_config: str | Path | None = None) -> Workload:
    """A validated Workload from a preset name, a workload file, a dict of its fields or a
    Workload. `model_config`: a Hugging Face config.json whose shape replaces [model]."""
    from advisor.workload import Workload, load_workload, workload_from_dict

    overrides = None
    if model_config is not None:
        from advisor.models import model_fields_from_config

        overrides = model_fields_from_config(model_config)
    if isinstance(spec, Workload):
        return spec if overrides is None else workload_from_dict(spec.to_dict(), spec.name or "workload", overrides)
    if isinstance(spec, dict):
        return workload_from_dict(spec, "workload", overrides)
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        if path.suffix.lower() in (".toml", ".json") or path.is_file():
            return load_workload(path, overrides)
        from advisor.presets import find_preset_file

        return load_workload(find_preset_file(str(spec)), overrides)
    raise BadInput(f"workload: expected a preset name, a file path, a dict or a Workload, got {type(spec).__name__}")


def _catalog(catalog):
    if catalog is not None and not isinstance(catalog, (str, Path)):
        return catalog  # an already loaded Catalog
    from hardware_db import load_catalog

    return load_catalog(catalog)


def _frame(records: list[dict], first: list[str]) -> pd.DataFrame:
    """Records flattened to columns ('a.b.c'), the `first` columns leading, lists kept as lists."""
    pd = _pandas()
    df = pd.json_normalize(records, sep=".") if records else pd.DataFrame(columns=first)
    lead = [c for c in first if c in df.columns]
    return df[lead + [c for c in df.columns if c not in lead]]


def presets() -> pd.DataFrame:
    """The built-in workloads: name (what `recommend("...")` takes), title, phase, description, file."""
    from advisor.presets import list_presets

    rows = [{"name": p.key, "title": p.name, "phase": p.workload.phase, "description": p.description,
             "file": str(p.path)} for p in list_presets()]
    return _frame(rows, ["name", "title", "phase", "description", "file"])


def recommend(spec: Any, *, top: int | None = 10, catalog=None, model_config: str | Path | None = None,
              calibrated: bool = True) -> pd.DataFrame:
    """Every catalog device ranked for a workload, best first (`recommend --json`'s `ranked`).

    top: how many rows (None or 0: every device that fits and is priced).
    catalog: a loaded catalog, or a CSV overlay path added to the built-in one.
    calibrated: use this machine's probe calibrations, as the CLI and the app do.
    The frame's `attrs` carry `workload`, `phase`, `ranked_by` and `excluded` (device -> why).
    """
    from advisor.recommend import recommend as rank_catalog

    if top is not None and top < 0:
        raise BadInput(f"top must be 0 (all) or more, got {top}")
    wl = workload(spec, model_config)
    out = rank_catalog(wl, _catalog(catalog), top=top or None, calibrations=_calibrations(calibrated))
    df = _frame(out["ranked"], ["rank", "device", "device_name", "score", "pareto", "fits", "optimized_for"])
    df.attrs.update(workload=out["workload"], phase=out["phase"], ranked_by=out["ranked_by"],
                    excluded={e["device"]: e["why"] for e in out["excluded"]})
    return df


def estimate(spec: Any, devices: str | list[str], *, count: int | None = None, catalog=None,
             model_config: str | Path | None = None, calibrated: bool = True) -> pd.DataFrame:
    """One row per device (`estimate --json` for each): memory fit, latency, throughput, energy,
    cost, with their low/high ranges. `devices`: names as people write them ("h100 sxm",
    "RTX-4090", "8x A100 80GB"); `count` sets devices per replica / for training."""
    from advisor.model.devices import device_table
    from advisor.model.estimate import estimate_table

    if count is not None and not 1 <= count <= 100_000:
        raise BadInput(f"count must be a whole number from 1 to 100000, got {count}")
    names = [devices] if isinstance(devices, str) else list(devices)
    if not names:
        raise BadInput("devices: name at least one device")
    wl = workload(spec, model_config)
    cat = _catalog(catalog)
    table = device_table(cat)
    calibrations = _calibrations(calibrated)
    records = []
    for name in names:
        found = cat.resolve_name(name)
        n = count if count is not None else found.count  # "8x A100 80GB": the name's count
        if n is not None and not 1 <= n <= 100_000:
            raise BadInput(f"devices: the count in {name!r} must be from 1 to 100000, got {n}")
        index = int((table.ids == found.row["id"]).nonzero()[0][0])
        rec = estimate_table(wl, table.take([index]), count=n, calibrations=calibrations).record(0)
        rec["workload"] = wl.name
        records.append(rec)
    return _frame(records, ["device", "device_name", "count", "fits", "memory_required_gb"])


def plan(spec: Any, options: str | list[str] | None = None, *, own: str | list[str] | None = None,
         prices: str | list[str] | None = None, top: int = 3, catalog=None, model_config: str | Path | None = None,
         calibrated: bool = True) -> pd.DataFrame:
    """What to buy or rent (`plan --json`'s `options`): one row per option with devices per
    replica, replicas, hosts, to buy, upfront, yearly, TCO next to renting, break-even.

    options: '[N x] DEVICE' strings ("2x rtx 4090", "this machine"); None plans the top `top`
    recommended devices. own: hardware you have, same form. prices: "DEVICE=USD" strings.
    The frame's `attrs` carry `workload`, `mode` and the planner's `assumptions`.
    """
    from advisor.plan import _is_this_machine, parse_option, parse_owned, parse_prices
    from advisor.plan import plan as make_plan

    def as_list(x) -> list[str]:
        return [] if x is None else [x] if isinstance(x, str) else list(x)

    if not 1 <= top <= 100:
        raise BadInput(f"top must be from 1 to 100, got {top}")
    wl = workload(spec, model_config)
    cat = _catalog(catalog)
    texts, owned_texts = as_list(options), as_list(own)
    machine = None
    if any(_is_this_machine(t) for t in [*texts, *owned_texts]):
        from advisor.detect import detect_machine

        machine = detect_machine(cat, fast=True)
    out = make_plan(wl, cat, [parse_option(t, cat, machine=machine) for t in texts] or None,
                    owned=parse_owned(owned_texts, cat, machine=machine), prices=parse_prices(as_list(prices), cat),
                    top=top, calibrations=_calibrations(calibrated))
    df = _frame(out["options"], ["label", "device", "devices_per_replica", "replicas", "devices_total", "to_buy",
                                 "fits", "meets_latency_slo", "upfront_usd", "yearly_usd", "tco_usd", "cloud_tco_usd",
                                 "breakeven_months"])
    df.attrs.update(workload=out["workload"], mode=out["mode"], assumptions=out.get("assumptions", []))
    return df


def history(path: str | Path | None = None) -> pd.DataFrame:
    """The probe history, newest first: one row per run with its machine and its figures
    (`cpu.matmul_fp32_gflops`, `gpu0.matmul_tflops.bf16` ...). `path`: another history file."""
    from advisor.history import History, _flat_figures

    with History(path) as h:
        runs = h.runs()
    rows = []
    for r in runs:
        row = {"run_id": r.id, "created_at": r.created_at, "hostname": r.hostname, "machine": r.label,
               "source": r.source, "quick": r.quick, "app_version": r.app_version, "fingerprint": r.fingerprint}
        row.update({f"{device}.{name}": value for device, name, value in _flat_figures(r.report)})
        rows.append(row)
    df = _frame(rows, ["run_id", "created_at", "hostname", "machine", "source", "quick"])
    if len(df):
        df["created_at"] = _pandas().to_datetime(df["created_at"], utc=True, errors="coerce")
    return df


def _calibrations(calibrated: bool):
    if not calibrated:
        return None
    from advisor.calibrations import stored_calibrations

    return stored_calibrations()
