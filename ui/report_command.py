"""`report`: the PDF recommendation report, headless.

Registered by `ui.commands.register`; imports nothing from Qt until the command runs, so the
other commands (and `--help`) stay fast and never touch a display.
"""

from __future__ import annotations

import argparse

from advisor.cli.common import add_catalog_arg, examples
from advisor.errors import BadInput


def register(sub) -> None:
    p = sub.add_parser(
        "report", help="write a PDF recommendation report for a workload",
        description="Write a PDF report for a workload: the recommendation and its reasons, the top candidates "
                    "with memory fit, latency, throughput, energy and cost (with low-high ranges), the trade-off "
                    "charts, the training-vs-serving cost split, this machine's probe figures, the assumptions and "
                    "the source of every catalog row used. Works with no display; the file is written atomically.",
        epilog=examples("hwadvisor report --workload workloads/chat_7b_workstation.toml --out advice.pdf",
                        "hwadvisor report --workload workloads/pretrain_7b_2t.toml --out pretrain.pdf "
                        "--device 'h100 sxm' --device mi300x --page-size Letter"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from advisor.cli.common import add_workload_args

    add_workload_args(p)
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write (replaced atomically)")
    p.add_argument("--device", action="append", default=[], metavar="DEV",
                   help="a device to compare as well as the top candidates (repeatable; id, name or alias)")
    p.add_argument("--page-size", default="A4", metavar="A4|Letter", help="paper size (default A4)")
    add_catalog_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from advisor.cli.common import load_catalog_for, load_workload_for

    size = str(args.page_size).strip().lower()
    if size not in ("a4", "letter"):
        raise BadInput(f"--page-size must be A4 or Letter, got {args.page_size!r}")
    wl = load_workload_for(args)
    cat = load_catalog_for(args)
    devices = [cat.resolve(d)["id"] for d in args.device]

    from ui.report import check_output_path, write_report_info  # Qt is imported only from here on

    check_output_path(args.out)
    path, pages = write_report_info(args.out, wl, catalog=cat, devices=devices, page_size=size)
    print(f"wrote {path} ({pages} pages)")
    return 0
