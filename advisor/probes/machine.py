"""The hardware record stored with each probe run, and the machine fingerprint.

Detection proper (`advisor.detect`) is used when it is installed; without it a basic record
(CPU brand, thread count, memory) is built from the standard library and psutil, so probes
work either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform


def usable_cpus() -> int:
    """CPUs this process may run on (affinity-aware; containers often restrict it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _cpu_brand() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def basic_hardware() -> dict:
    """A minimal hardware record, without `advisor.detect` (fast; no subprocess)."""
    mem_gb = None
    try:
        import psutil

        mem_gb = round(psutil.virtual_memory().total / 1e9, 1)
    except Exception:
        pass
    return {
        "hostname": platform.node() or "unknown-host",
        "cpu": {"brand": _cpu_brand(), "arch": platform.machine(), "threads": os.cpu_count(),
                "usable_threads": usable_cpus()},
        "memory_gb": mem_gb,
        "gpus": [],
        "source": "basic",
    }


def detect_hardware(ctx=None) -> dict:
    """The full detection record (`advisor.detect.detect_machine().to_dict()`) when that
    module exists, else `basic_hardware()`. Always carries `hostname`."""
    try:
        from advisor.detect import detect_machine  # written alongside; absent in older trees
    except ImportError:
        return basic_hardware()
    record = dict(detect_machine().to_dict())
    record.setdefault("hostname", platform.node() or "unknown-host")
    record.setdefault("source", "advisor.detect")
    return record


def fingerprint(machine: dict) -> str:
    """A stable id for one machine: host name, CPU, thread count, memory (GB), GPU models.

    Same box, same fingerprint across runs; another box (or the same one with other GPUs)
    gets another. 16 hex digits.
    """
    machine = machine or {}
    cpu = machine.get("cpu") or {}
    mem = machine.get("memory_gb")
    gpus = sorted(
        f"{g.get('name', '')}|{round(g['memory_gb']) if isinstance(g.get('memory_gb'), (int, float)) else ''}"
        for g in machine.get("gpus") or [] if isinstance(g, dict)
    )
    key = {
        "host": machine.get("hostname") or "",
        "cpu": cpu.get("brand") or "",
        "threads": cpu.get("threads") or "",
        "memory_gb": round(mem) if isinstance(mem, (int, float)) else "",
        "gpus": gpus,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
