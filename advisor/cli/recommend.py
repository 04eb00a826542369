"""`recommend`: rank the catalog for a workload."""

from __future__ import annotations

import argparse

from advisor.cli.common import add_catalog_arg, add_workload_args, examples, load_catalog_for, load_workload_for
from advisor.errors import BadInput


def register(sub) -> None:
    p = sub.add_parser(
        "recommend", help="rank the catalog for a workload, with reasons",
        description="Rank every catalog device for a workload: training by cost and time to train, inference by "
                    "cost per 1M tokens within the latency target, then energy. Marks the Pareto front and says why.",
        epilog=examples("hwadvisor recommend --preset chat_7b_workstation",
                        "hwadvisor recommend --preset pretrain_7b_2t --top 5 --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_args(p)
    p.add_argument("--top", type=int, default=10, metavar="N", help="how many candidates to list (0: all; default 10)")
    p.add_argument("--json", action="store_true", help="print the ranking as JSON")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from advisor.calibrations import stored_calibrations
    from advisor.cli import print_json
    from advisor.recommend import recommend

    if args.top < 0:
        raise BadInput(f"--top must be 0 (all) or more, got {args.top}")
    wl = load_workload_for(args)
    cat = load_catalog_for(args)
    out = recommend(wl, cat, top=args.top or None, calibrations=stored_calibrations(cat), plans=True)
    if args.json:
        print_json(out)
        return 0
    print(f"{wl.name}: {out['phase']} workload, ranked by {out['ranked_by']}")
    if "best_for_phase" in out:
        for phase, b in out["best_for_phase"].items():
            print(f"  best for {phase} alone: {b['device_name']} ({b['optimized_for']})")
    for r in out["ranked"]:
        flag = " *" if r["pareto"] else ""
        print(f"{r['rank']:>3}. {r['device_name']}{flag}  score {r['score']:.0f}  [{r['optimized_for']}]")
        for w in r["why"]:
            print(f"       - {w}")
        if r.get("plan"):
            from advisor.plan import devices_word, money

            pl = r["plan"]
            print(f"       plan: {devices_word(pl['devices_total'])} ({pl['devices_per_replica']} per replica x "
                  f"{pl.get('replicas') or 1}), buy {pl['to_buy']}, upfront {money(pl['upfront_usd'])}"
                  + (f", {money(pl['yearly_usd'])}/year" if pl.get("yearly_usd") is not None else ""))
    print(f"{out['candidates']} of {out['catalog_size']} devices fit and are priced; * = Pareto front; "
          f"{len(out['excluded'])} excluded (see --json for why)")
    return 0
