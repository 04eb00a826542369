"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import sys


def add_catalog_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--catalog", metavar="FILE", help="a CSV overlay that adds or overrides catalog rows")


def load_catalog_for(args):
    """The catalog with the user's overlay and `--catalog`; overlay warnings go to stderr."""
    from hardware_db import load_catalog

    cat = load_catalog(getattr(args, "catalog", None))
    for w in cat.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return cat


def examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {ln}" for ln in lines)


def add_workload_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    """`--workload FILE` or `--preset NAME` (a built-in workload, see `hwadvisor presets`), one of
    them; and `--model-config FILE` (a Hugging Face config.json that fills [model])."""
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--workload", metavar="FILE", help="workload file (TOML or JSON)")
    g.add_argument("--preset", metavar="NAME", help="a built-in workload instead of a file (list: hwadvisor presets)")
    p.add_argument("--model-config", metavar="FILE",
                   help="a Hugging Face config.json whose shape (layers, heads, experts ...) replaces the workload's [model]")


def load_workload_for(args):
    """The workload of `--workload FILE` or `--preset NAME`, its [model] filled from
    `--model-config` when given; BadInput names what is wrong."""
    from advisor.errors import BadInput
    from advisor.workload import load_workload

    overrides = None
    if getattr(args, "model_config", None):
        from advisor.models import model_fields_from_config

        overrides = model_fields_from_config(args.model_config)
    if getattr(args, "preset", None):
        from advisor.presets import find_preset_file

        return load_workload(find_preset_file(args.preset), overrides)
    if getattr(args, "workload", None):
        return load_workload(args.workload, overrides)
    raise BadInput("one of --workload FILE or --preset NAME is required")


def add_plan_args(p, option_help: str) -> None:
    """--option / --own / --price as `plan` and `report` take them (DESIGN.md, Plans)."""
    p.add_argument("--option", action="append", default=[], metavar="'[N x] DEVICE'", help=option_help)
    p.add_argument("--own", action="append", default=[], metavar="'[N x] DEVICE'",
                   help="hardware you already have, e.g. '1x rtx 4090' (repeatable)")
    p.add_argument("--price", action="append", default=[], metavar="DEVICE=USD",
                   help="a purchase price, filling a missing one or replacing the catalog's (repeatable)")
