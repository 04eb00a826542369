"""`python -m advisor`: the same as the `hwadvisor` command (the app, or a sub-command).

What `main.main` does, without importing `main` by name: `python -m` puts the working folder
first on sys.path, and a folder with its own main.py (a common name) would run that instead.
For the same reason the working folder is dropped from the path when the package was not
loaded from it.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    here = Path(__file__).resolve().parent.parent
    cwd = Path.cwd().resolve()
    if here != cwd:
        sys.path[:] = [p for p in sys.path if p not in ("", ".") and Path(p or ".").resolve() != cwd]
    from advisor.cli import run
    from ui import commands

    sys.exit(run(None, extra=commands.register, default=commands.launch))
