"""`python -m advisor`: the same as the `hwadvisor` command (the app, or a sub-command).

The entry itself lives in `main.py` (the thin entry the layout names); this only forwards to
it, so `python -m advisor` works wherever the package is installed, with no file path.
"""

import sys

if __name__ == "__main__":
    from main import main

    sys.exit(main())
