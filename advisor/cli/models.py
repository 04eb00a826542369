"""`models`: the model library (open models by name, with their public configs)."""

from __future__ import annotations

import argparse

from advisor.cli.common import examples


def register(sub) -> None:
    p = sub.add_parser(
        "models", help="list the model library (use a name as model.name in a workload)",
        description="The open models the advisor knows by name, with the shapes read from their public "
                    "config.json or model card (the source column says where).",
        epilog=examples("hwadvisor models", "hwadvisor models --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the library as a JSON list")
    p.set_defaults(func=run)


def run(args) -> int:
    from advisor.models import library

    models = library()
    if args.json:
        from advisor.cli import print_json

        print_json([m.as_json() for m in models])
        return 0
    print(f"{'id':20} {'params':>9} {'active':>9} {'layers':>6} {'experts':>9}  name")
    for m in models:
        moe = f"{m.experts_per_token}/{m.experts}" if m.experts else ""
        layers = m.layers if m.layers is not None else ""
        print(f"{m.id:20} {m.params_b:>8.3g}B {m.active_params_b:>8.3g}B {layers:>6} {moe:>9}  {m.name}")
    print(f"{len(models)} models; put an id in a workload as [model] name = \"...\"")
    return 0
