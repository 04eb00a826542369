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


def add_workload_args(p: argparse.ArgumentParser) -> None:
    """--workload FILE and --model-config FILE (a Hugging Face config.json that fills [model])."""
    p.add_argument("--workload", required=True, metavar="FILE", help="workload file (TOML or JSON)")
    p.add_argument("--model-config", metavar="FILE",
                   help="a Hugging Face config.json whose shape (layers, heads, experts ...) replaces the workload's [model]")


def load_workload_for(args):
    """The workload of --workload, its [model] filled from --model-config when given."""
    from advisor.workload import load_workload

    overrides = None
    if getattr(args, "model_config", None):
        from advisor.models import model_fields_from_config

        overrides = model_fields_from_config(args.model_config)
    return load_workload(args.workload, overrides)
