"""`plan`: what to buy or rent: how many of which device, hosts, upfront, yearly cost, TCO."""

from __future__ import annotations

import argparse

from advisor.cli.common import (
    add_catalog_arg,
    add_plan_args,
    add_workload_args,
    examples,
    load_catalog_for,
    load_workload_for,
)
from advisor.errors import BadInput


def register(sub) -> None:
    p = sub.add_parser(
        "plan", help="what to buy or rent: devices per replica, replicas, hosts, upfront, yearly cost, TCO",
        description="Plan a purchase (or rental) for a workload: N devices per replica (tensor or layer split), "
                    "replicas for the traffic within the latency target (M/M/c queueing, p95), hosts, what to "
                    "buy beyond what you own, upfront, yearly running cost, TCO over the horizon next to renting "
                    "the same fleet, and the break-even month. Without --option it plans the top recommended devices.",
        epilog=examples("hwadvisor plan --workload w.toml --option '2x rtx 4090' --own '1x rtx 4090'",
                        "hwadvisor plan --workload w.toml --option 'rtx 6000 ada' --price 'rtx 6000 ada=6800' --json",
                        "hwadvisor plan --workload w.toml --option 'this machine'"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_args(p)
    add_plan_args(p, "an option to plan, e.g. '2x rtx 4090', 'this machine', or 'machine:HOST' (a machine of "
                     "the probe history, priced with its own measured figures) (repeatable)")
    p.add_argument("--top", type=int, default=3, metavar="N", help="without --option: plan the top N devices (default 3)")
    p.add_argument("--json", action="store_true", help="print the plans as JSON")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if not 1 <= args.top <= 100:
        raise BadInput(f"--top must be from 1 to 100, got {args.top}")
    wl = load_workload_for(args)

    from advisor.cli import print_json
    from advisor.machines import (
        calibrations_with_this_machine,
        is_machine_text,
        measured_cpu_bandwidth,
        with_this_machine,
    )
    from advisor.plan import format_plan, parse_option, parse_owned, parse_prices, plan

    cat = load_catalog_for(args)
    machine = None
    if any(_mentions_machine(t) for t in [*args.option, *args.own]):
        from advisor.detect import detect_machine

        # the full detection (py-cpuinfo, ~1 s): the CPU's brand and ISA give its peaks
        machine = detect_machine(cat)
        cat = with_this_machine(cat, machine, measured_cpu_bandwidth())
    calibrations = calibrations_with_this_machine(cat)
    options, machine_rows = [], []
    for t in args.option:
        if is_machine_text(t):  # a machine of the probe history (this one or an imported one)
            options.append(_history_machine_option(t, cat, machine_rows, calibrations))
        else:
            options.append(parse_option(t, cat, machine=machine))
    owned = parse_owned(args.own, cat, machine=machine)
    prices = parse_prices(args.price, cat)
    source = cat
    if machine_rows:  # the machines priced as rows of their own, with their measured calibration
        from advisor.model.devices import DeviceTable

        source = DeviceTable.from_rows([*cat.rows, *machine_rows])
    out = plan(wl, source, options or None, owned=owned, prices=prices, top=args.top,
               calibrations=calibrations)
    if args.json:
        print_json(out)
    else:
        print(format_plan(out))
    return 0


def _history_machine_option(text: str, cat, rows: list, calibrations: dict):
    """An Option for 'machine:HOST' from the probe history; its row and calibration are added
    to `rows` and `calibrations`."""
    from advisor.history import History
    from advisor.machines import find_machine
    from advisor.plan import Option

    with History() as h:
        device_id, row, cal = find_machine(text, h.runs(), cat)
    rows.append(row)
    if cal is not None:
        calibrations[device_id] = cal
    return Option(device_id, None, False, row["name"])


def _mentions_machine(text: str) -> bool:
    from advisor.plan import _is_this_machine

    return _is_this_machine(text)
