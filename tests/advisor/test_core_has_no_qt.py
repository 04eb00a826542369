"""advisor/ is the core: importing every module of it loads no Qt (DESIGN.md layout rule)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_advisor_module_loads_no_qt():
    code = ("import importlib, pkgutil, sys, advisor\n"
            "for m in pkgutil.walk_packages(advisor.__path__, 'advisor.'):\n"
            "    importlib.import_module(m.name)\n"
            "import hardware_db\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_cli_entry_loads_no_qt_for_headless_commands():
    code = ("import sys, main\n"
            "main.main(['devices', '--kind', 'cpu'])\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('PySide6', 'pyqtgraph')), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().splitlines()[-1] == "[]"
