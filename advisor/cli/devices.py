"""`devices`: list the spec catalog."""

from __future__ import annotations

import argparse

from advisor.cli.common import add_catalog_arg, examples, load_catalog_for


def register(sub) -> None:
    p = sub.add_parser(
        "devices", help="list the hardware catalog",
        description="List the hardware spec catalog (every row with its source).",
        epilog=examples("hwadvisor devices", "hwadvisor devices --kind accelerator", "hwadvisor devices --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print every field of every row as JSON")
    p.add_argument("--kind", choices=("gpu", "cpu", "accelerator"), help="only devices of this kind")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def _fmt(x: float, digits: int = 0) -> str:
    return "-" if x != x else f"{x:,.{digits}f}"


def run(args) -> int:
    from advisor.cli import print_json
    from hardware_db.loader import OVERLAY_MARK

    cat = load_catalog_for(args)
    rows = [r for r in cat.rows if args.kind is None or r["kind"] == args.kind]
    if args.json:
        print_json([{k: (list(v) if k == "aliases" else v) for k, v in r.items()} for r in rows])
        return 0
    print(f"{'id':<24} {'name':<34} {'kind':<11} {'mem GB':>7} {'GB/s':>7} {'bf16 TF':>8} {'TDP W':>6}")
    for r in rows:
        print(f"{r['id']:<24} {(r['name'][:34 - len(OVERLAY_MARK)] + OVERLAY_MARK if r.get('overlay') else r['name'][:34]):<34} {r['kind']:<11} {_fmt(r['memory_gb']):>7} "
              f"{_fmt(r['memory_bandwidth_gbps']):>7} {_fmt(r['bf16_tflops'], 1):>8} {_fmt(r['tdp_w']):>6}")
    print(f"{len(rows)} devices" + (f" of kind {args.kind}" if args.kind else ""))
    return 0


