"""The headless command line: one parser, one error boundary.

Exit codes: 0 ok, 2 bad input (one line on stderr naming the field or file), 1 internal error
(a short message and where the log is). Each sub-command lives in its own module with
`register(subparsers)`; `main.py` adds the commands that need Qt (the window, the report).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable

from advisor.errors import BadInput

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2) instead of a usage dump."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise BadInput(f"{self.prog}: {message} (see --help)")


HEADLESS_COMMANDS = ("detect", "devices", "estimate", "recommend", "probe", "models", "presets", "plan")


def _headless_modules():
    import importlib

    return [importlib.import_module(f"advisor.cli.{name}") for name in HEADLESS_COMMANDS]


def build_parser(extra: Callable | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hwadvisor",
        description="Training-vs-inference hardware advisor. With no command, opens the desktop app.",
        epilog="Examples:\n  hwadvisor detect --json\n  hwadvisor presets\n  hwadvisor recommend --preset chat_7b_workstation\n"
               "  hwadvisor estimate --workload w.toml --device 'h100 sxm' --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in _headless_modules():
        mod.register(sub)
    if extra is not None:
        extra(parser, sub)
    return parser


def print_json(obj) -> None:
    """JSON on stdout; NaN/inf (unknown figures) become null so any JSON parser reads it."""
    sys.stdout.write(json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n")


def _clean(obj):
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return _clean(obj.item())
    return obj


def _log_internal_error() -> str:
    from advisor.logfile import log_exception

    return log_exception("internal error in the command line", sys.exc_info())


def run(argv: list[str] | None = None, *, extra: Callable | None = None, default: Callable | None = None) -> int:
    """Parse `argv`, run the command, map failures to exit codes. Never lets a traceback out."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    from advisor.terminal import TerminalStream

    # Everything a command prints may hold text from someone's file: no escape sequences reach
    # the terminal, and a name the terminal's encoding cannot show never fails the command.
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (s if isinstance(s, TerminalStream) else TerminalStream(s) for s in streams)
    try:
        return _run(argv, extra, default)
    finally:
        sys.stdout, sys.stderr = streams


def _run(argv, extra, default) -> int:
    try:
        parser = build_parser(extra)
        args = parser.parse_args(argv)
        if args.version:
            from advisor import __version__

            print(f"hwadvisor {__version__}")
            return EXIT_OK
        func = getattr(args, "func", None)
        if func is None:
            if default is None:
                parser.print_help()
                return EXIT_OK
            return int(default(args) or 0)
        return int(func(args) or 0)
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # the boundary: anything else is our bug, reported briefly
        where = _log_internal_error()
        print(f"internal error: {type(e).__name__}: {e} (details in {where})", file=sys.stderr)
        return EXIT_INTERNAL
