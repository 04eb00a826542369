"""`report`: the PDF recommendation report, headless.

Registered by `ui.commands.register`; imports nothing from Qt until the command runs, so the
other commands (and `--help`) stay fast and never touch a display.
"""

from __future__ import annotations

import argparse

from advisor.cli.common import add_catalog_arg, add_plan_args, add_workload_args, examples, load_workload_for
from advisor.errors import BadInput


def register(sub) -> None:
    p = sub.add_parser(
        "report", help="write a PDF recommendation report for a workload",
        description="Write a PDF report for a workload: the recommendation and its reasons, the top candidates "
                    "with memory fit, latency, throughput, energy and cost (with low-high ranges), the trade-off "
                    "charts, the training-vs-serving cost split, this machine's probe figures, the assumptions and "
                    "the source of every catalog row used. Works with no display; the file is written atomically.",
        epilog=examples("hwadvisor report --preset chat_7b_workstation --out advice.pdf",
                        "hwadvisor report --preset pretrain_7b_2t --out pretrain.pdf "
                        "--device 'h100 sxm' --device mi300x --page-size Letter"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_args(p)
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write (replaced atomically)")
    p.add_argument("--device", action="append", default=[], metavar="DEV",
                   help="a device to compare as well as the top candidates (repeatable; id, name or alias)")
    add_plan_args(p, "an option for the 'What to buy' section, e.g. '2x rtx 4090' or 'this machine' (repeatable)")
    p.add_argument("--page-size", default="A4", metavar="A4|Letter", help="paper size (default A4)")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from advisor.cli.common import load_catalog_for

    size = str(args.page_size).strip().lower()
    if size not in ("a4", "letter"):
        raise BadInput(f"--page-size must be A4 or Letter, got {args.page_size!r}")
    from advisor.files import check_output

    # The PDF replaces --out: never one of the inputs (nor a device node).
    check_output(args.out, [(opt, getattr(args, opt[2:].replace("-", "_"), None))
                            for opt in ("--workload", "--catalog", "--model-config")])
    wl = load_workload_for(args)
    cat = load_catalog_for(args)
    devices = [cat.resolve(d)["id"] for d in args.device]
    from advisor.plan import parse_option, parse_owned, parse_prices

    machine = None
    from advisor.plan import _is_this_machine

    if any(_is_this_machine(t) for t in [*args.option, *args.own]):
        from advisor.detect import detect_machine

        machine = detect_machine(cat, fast=True)
    for t in args.option:  # bad options are reported before any Qt import
        parse_option(t, cat, machine=machine)
    parse_owned(args.own, cat, machine=machine)
    parse_prices(args.price, cat)

    from ui.report import check_output_path, write_report_info  # Qt is imported only from here on

    check_output_path(args.out)
    path, pages = write_report_info(args.out, wl, catalog=cat, devices=devices, page_size=size, machine=machine,
                                    options=args.option or None, owned=args.own, prices=args.price)
    print(f"wrote {path} ({pages} pages)")
    return 0
