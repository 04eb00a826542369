"""Measure start-up: process start to main window shown (for `benchmarks/run.py --json`)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def startup_to_window_s(runs: int = 3, python: str | None = None, timeout_s: float = 60.0) -> float:
    """Median seconds from process creation to the main window shown, over `runs` launches of
    `main.py --startup-probe` (offscreen unless a display is set; a hermetic config folder)."""
    import tempfile

    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        env.setdefault("HWADVISOR_CONFIG_DIR", tmp)
        for _ in range(runs):
            out = subprocess.run([python or sys.executable, str(ROOT / "main.py"), "--startup-probe"], env=env,
                                 capture_output=True, text=True, timeout=timeout_s, cwd=ROOT)
            if out.returncode != 0:
                raise RuntimeError(f"--startup-probe failed (rc {out.returncode}): {out.stderr.strip()[-300:]}")
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return round(statistics.median(times), 3)


if __name__ == "__main__":
    print(startup_to_window_s())
