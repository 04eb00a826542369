"""The commands that need Qt: the desktop window (default), `--screenshot`, `report`.

Imported at start-up by `main.py`, so it must not import Qt at module level: headless
commands stay fast and never touch a display.
"""

from __future__ import annotations


def register(parser, sub) -> None:
    """Add the Qt-backed options and sub-commands to the CLI parser."""
    parser.add_argument("--screenshot", metavar="FILE.png",
                        help="open the main window offscreen with the default preset, save a PNG, exit")


def launch(args) -> int:
    """No sub-command: open the desktop app (or take a screenshot of it)."""
    from ui.app import run_app

    return run_app(screenshot=args.screenshot)
