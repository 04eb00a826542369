"""The commands that need Qt: the desktop window (default), `--screenshot`, `report`.

Imported at start-up by `main.py`, so it must not import Qt at module level: headless
commands stay fast and never touch a display.
"""

from __future__ import annotations

import argparse

VIEWS = "recommendations, tradeoffs[:cost_vs_latency|energy|lifecycle|roofline|memory|batch], compare, machine"


def register(parser, sub) -> None:
    """Add the Qt-backed options and sub-commands to the CLI parser."""
    parser.add_argument("--screenshot", metavar="FILE.png",
                        help="open the main window offscreen with the default preset, save a PNG, exit")
    parser.add_argument("--view", metavar="VIEW", help=f"with --screenshot: the view to show ({VIEWS})")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    from ui import report_command  # the PDF report; imports Qt only when it runs

    report_command.register(sub)


def launch(args) -> int:
    """No sub-command: open the desktop app (or take a screenshot of it)."""
    from ui.app import run_app

    if args.screenshot:
        from advisor.files import check_output

        check_output(args.screenshot, option="--screenshot")  # a device node or folder is bad input
    return run_app(screenshot=args.screenshot, view=getattr(args, "view", None),
                   startup_probe=getattr(args, "startup_probe", False))
