"""`devices`: list the spec catalog."""

from __future__ import annotations

import argparse

from advisor.cli.common import add_catalog_arg, examples, load_catalog_for


def register(sub) -> None:
    p = sub.add_parser(
        "devices", help="list the hardware catalog",
        description="List the hardware spec catalog (every row with its source). A row is ranked by "
                    "`recommend` only when it has a peak compute figure, a memory bandwidth and (GPUs, "
                    "accelerators) a memory size; the last column says what an unranked row lacks.",
        epilog=examples("hwadvisor devices", "hwadvisor devices --kind accelerator", "hwadvisor devices --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print every field of every row as JSON")
    p.add_argument("--kind", choices=("gpu", "cpu", "accelerator"), help="only devices of this kind")
    p.add_argument("--unranked", action="store_true", help="only rows that cannot be ranked, with what they lack")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def _fmt(x: float, digits: int = 0) -> str:
    return "-" if x != x else f"{x:,.{digits}f}"


def run(args) -> int:
    from advisor.cli import print_json
    from hardware_db.loader import LIST_COLUMNS, OVERLAY_MARK, not_ranked_because, purchase_price

    cat = load_catalog_for(args)
    rows = [r for r in cat.rows if args.kind is None or r["kind"] == args.kind]
    if args.unranked:
        rows = [r for r in rows if not_ranked_because(r)]
    if args.json:
        out = []
        for r in rows:
            d = {k: (list(v) if k in LIST_COLUMNS else v) for k, v in r.items()}
            usd, what = purchase_price(r)
            d["purchase_price_usd"], d["purchase_price_basis"] = (None, None) if usd != usd else (usd, what)
            d["not_ranked_because"] = not_ranked_because(r)
            d["ranked"] = not d["not_ranked_because"]
            out.append(d)
        print_json(out)
        return 0
    print(f"{'id':<26} {'name':<34} {'kind':<11} {'mem GB':>7} {'GB/s':>7} {'bf16 TF':>8} {'TDP W':>6} {'buy $':>8}  not ranked because")
    for r in rows:
        usd = purchase_price(r)[0]
        print(f"{r['id']:<26} {(r['name'][:34 - len(OVERLAY_MARK)] + OVERLAY_MARK if r.get('overlay') else r['name'][:34]):<34} {r['kind']:<11} {_fmt(r['memory_gb']):>7} "
              f"{_fmt(r['memory_bandwidth_gbps']):>7} {_fmt(r['bf16_tflops'], 1):>8} {_fmt(r['tdp_w']):>6} {_fmt(usd):>8}  "
              + "; ".join(not_ranked_because(r)))
    unranked = sum(1 for r in rows if not_ranked_because(r))
    print(f"{len(rows)} devices" + (f" of kind {args.kind}" if args.kind else "")
          + (f", {unranked} not ranked (they lack the figures named)" if unranked else ""))
    return 0


