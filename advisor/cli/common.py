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
