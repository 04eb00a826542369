"""hwadvisor: the training-vs-inference hardware advisor.

`python main.py` opens the desktop app; sub-commands work headless (see `--help`).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from advisor.cli import run
    from ui import commands

    return run(argv, extra=commands.register, default=commands.launch)


if __name__ == "__main__":
    sys.exit(main())
