"""`estimate`: one workload on one catalog device (or N of them)."""

from __future__ import annotations

import argparse
import sys

from advisor.cli.common import add_catalog_arg, add_workload_args, examples, load_catalog_for, load_workload_for
from advisor.errors import BadInput


def register(sub) -> None:
    p = sub.add_parser(
        "estimate", help="predict memory, latency, energy and cost of a workload on one device",
        description="Predict memory, speed, energy and cost of a workload on one catalog device, "
                    "with low/high ranges from the efficiency uncertainty.",
        epilog=examples("hwadvisor estimate --preset chat_7b_workstation --device 'rtx 4090'",
                        "hwadvisor estimate --preset serve_70b_at_scale --device 'h100 sxm' --count 4 --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_args(p)
    p.add_argument("--device", required=True, metavar="DEV", help="catalog id, name or alias as people write it (e.g. 'h100 sxm', rtx-4090, "
                   "'8x A100 80GB' = --count 8 unless --count is given)")
    p.add_argument("--count", type=int, metavar="N", help="devices per inference replica / for training (default: sized)")
    p.add_argument("--json", action="store_true", help="print the estimate as JSON")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.count is not None and not 1 <= args.count <= 100_000:
        raise BadInput(f"--count must be a whole number from 1 to 100000, got {args.count}")
    wl = load_workload_for(args)  # before the numpy imports: a bad file is reported at once

    from advisor.cli import print_json
    from advisor.machines import calibrations_with_this_machine
    from advisor.model.devices import device_table
    from advisor.model.estimate import estimate_table
    from advisor.plan import _is_this_machine, this_machine_devices

    cat = load_catalog_for(args)
    count, machine_text = args.count, None
    if _is_this_machine(args.device):
        # The detected machine: its GPUs (all of them, unless --count says otherwise), calibrated
        # by its own stored probe runs where there are any.
        from advisor.detect import detect_machine
        from advisor.machines import measured_cpu_bandwidth, with_this_machine

        # the full detection (py-cpuinfo, ~1 s): the CPU's brand and ISA give its peaks
        machine = detect_machine(cat)
        cat = with_this_machine(cat, machine, measured_cpu_bandwidth())
        device_id, n, machine_text = this_machine_devices(machine, cat)
        row = cat.row(device_id)
        count = count or n
    else:
        found = cat.resolve_name(args.device)
        row = found.row
        if found.note:
            print(f"note: {found.note}", file=sys.stderr)
        if args.count is None and found.count is not None:  # "8x A100 80GB": the name's count
            if not 1 <= found.count <= 100_000:
                raise BadInput(f"--device: the count in '{args.device}' must be from 1 to 100000, got {found.count}")
            args.count = found.count
        count = args.count
    table = device_table(cat)
    idx = int((table.ids == row["id"]).nonzero()[0][0])
    est = estimate_table(wl, table.take([idx]), count=count, calibrations=calibrations_with_this_machine(cat))
    rec = est.record(0)
    rec["workload"] = wl.name
    if machine_text:
        rec["this_machine"] = machine_text
    from hardware_db.loader import purchase_price

    usd, what = purchase_price(row)
    rec["purchase_price"] = {"usd_per_device": None if usd != usd else usd, "basis": what or None}
    if args.json:
        print_json(rec)
    else:
        print(format_estimate(rec))
    return 0


def _n(x, fmt="{:,.1f}", unit=""):
    return "n/a" if x is None or x != x else fmt.format(x) + unit


def _usd(x, fmt="{:,.0f}") -> str:
    return "n/a" if x is None or x != x else "$" + fmt.format(x)


def _r(rng: dict, key: str, fmt="{:,.1f}") -> str:
    r = rng.get(key) or {}
    if r.get("low") is None or r.get("high") is None or r["low"] != r["low"] or r["high"] != r["high"]:
        return ""
    return f"  ({fmt.format(r['low'])} - {fmt.format(r['high'])})"


def format_estimate(rec: dict) -> str:
    """A plain-text summary of one estimate record."""
    count = f"x{rec['count']}" if rec["count"] else "(device count unknown: no memory size in the catalog)"
    lines = [f"{rec['workload']} on {rec['device_name']} {count}"
             + (f"  [calibrated by probe: {', '.join(rec.get('calibrated_figures') or [])}]" if rec["calibrated"] else "")
             + (f"  [{rec['this_machine']}]" if rec.get("this_machine") else "")]
    fit = "fits" if rec["fits"] else "DOES NOT FIT"
    lines.append(f"  memory: {_n(rec['memory_per_device_gb'])} GB per device of {_n(rec['memory_available_gb'], '{:g}')} GB -> {fit}")
    b = rec["memory_breakdown_gb"]
    lines.append("  breakdown GB: " + ", ".join(f"{k} {v:,.1f}" for k, v in b.items() if v and v == v))
    if "inference" in rec:
        i, rg = rec["inference"], rec["range"]["inference"]
        split = f", {i['split']} split" if i.get("split") not in (None, "none") else ""
        lines += [
            "  inference:",
            f"    engine                {i['engine']}{split}",
        ]
        if i.get("offloaded_layers"):
            lines.append(f"    offload               {i['offloaded_layers']} layers ({_n(i['offloaded_gb'])} GB) from host "
                         f"memory: {_n(i['offload_slowdown'], '{:.1f}')}x slower than all on the device")
        lines += [
            f"    time to first token   {_n(i['ttft_ms'])} ms{_r(rg, 'ttft_ms')}",
            f"    time per output token {_n(i['tpot_ms'], '{:,.2f}')} ms{_r(rg, 'tpot_ms', '{:,.2f}')}  ({i['bound']}-bound)",
            f"    one stream            {_n(i['decode_tokens_per_s'])} tokens/s{_r(rg, 'decode_tokens_per_s')}",
            f"    request latency       {_n(i['request_latency_ms'], '{:,.0f}')} ms{_r(rg, 'request_latency_ms', '{:,.0f}')}"
            + ("" if i["meets_latency_slo"] else "  MISSES the latency target"),
            f"    replicas needed       {_n(i['replicas_needed'], '{:,.0f}')}"
            + (f" of {i['count']} device(s)" if i["count"] else ""),
            f"    energy                {_n(i['energy_wh_per_request'], '{:.3g}')} Wh/request",
            f"    cost                  {_usd(i['cost_usd_per_day'])}/day, {_usd(i['cost_usd_per_year'])}/year, "
            f"{_usd(i['cost_usd_per_million_tokens'], '{:,.3f}')}/1M tokens  [{i['price_basis']}]",
        ]
    if "training" in rec:
        t, rg = rec["training"], rec["range"]["training"]
        lines += [
            "  training:",
            f"    devices               {t['count']}" + ("" if t["fits"] else "  (does NOT fit)"),
            f"    method                {t['method']}" + (f", LoRA rank {t['lora_rank']}, {_n(t['trainable_params'] / 1e6, '{:,.1f}')} M trainable"
                                                          if t.get("lora_rank") and t.get("trainable_params") else ""),
            f"    time                  {_n(t['time_days'])} days{_r({'d': {k: (v / 24 if v else v) for k, v in rg['time_hours'].items()}}, 'd')}",
            f"    device-hours          {_n(t['device_hours'], '{:,.0f}')}",
            f"    energy                {_n(t['energy_kwh'], '{:,.0f}')} kWh, {_n(t['co2_kg'], '{:,.0f}')} kg CO2",
            f"    cost                  {_usd(t['cost_usd'])}{_r(rg, 'cost_usd', '{:,.0f}')}  [{t['price_basis']}]",
        ]
    pp = rec.get("purchase_price") or {}
    if pp.get("usd_per_device") is not None:
        lines.append(f"  purchase price: ${pp['usd_per_device']:,.0f} per device ({pp['basis']})")
    if "lifecycle" in rec:
        lc = rec["lifecycle"]
        lines.append(f"  lifecycle: training ${_n(lc['training_cost_usd'], '{:,.0f}')} vs inference "
                     f"${_n(lc['inference_cost_usd'], '{:,.0f}')} over {lc['horizon_years']:g} year(s): "
                     f"inference share {_n(lc['inference_share'], '{:.0%}')}")
        if lc.get("training_energy_kwh") is not None:
            from advisor.yardstick import co2_in_words

            co2 = (lc["training_co2_kg"] or 0) + (lc["inference_co2_kg"] or 0)
            lines.append(f"  energy: training {_n(lc['training_energy_kwh'], '{:,.0f}')} kWh once vs inference "
                         f"{_n(lc['inference_energy_kwh'], '{:,.0f}')} kWh: inference share "
                         f"{_n(lc['inference_energy_share'], '{:.0%}')}; {co2_in_words(co2)}")
    return "\n".join(lines)
