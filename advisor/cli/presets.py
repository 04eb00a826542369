"""`presets`: the built-in workloads, one name a line (the names `--preset` takes)."""

from __future__ import annotations

import argparse

from advisor.cli.common import examples


def register(sub) -> None:
    p = sub.add_parser(
        "presets", help="list the built-in workloads (names for --preset)",
        description="List the built-in workloads shipped with the advisor, one name a line; any command that "
                    "takes --workload FILE takes --preset NAME instead.",
        epilog=examples("hwadvisor presets", "hwadvisor presets --json",
                        "hwadvisor recommend --preset chat_7b_workstation"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true",
                   help="print a list of {name, title, description, phase, file} instead")
    p.set_defaults(func=run)


def run(args) -> int:
    from advisor.presets import list_presets, preset_names

    if not args.json:  # names only: no file needs parsing, so this answers at once
        for name in preset_names():
            print(name)
        return 0
    from advisor.cli import print_json

    print_json([{"name": p.key, "title": p.name, "description": p.description, "phase": p.workload.phase,
                 "file": str(p.path)} for p in list_presets()])
    return 0
