"""What machine something ran on: one line for benchmark output and study reports.

Why one module: figures are only comparable with the machine they came from, and every
place that prints one (``benchmarks/``, ``mmarc study``'s report) must say it the same way.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

__all__ = ["cpu_model", "describe", "memory_gib"]


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def memory_gib() -> float | None:
    """Total memory in GiB (``/proc/meminfo``), None where it cannot be read."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def describe() -> str:
    """One line: CPU, cores, memory, OS, Python."""
    mem = memory_gib()
    memory = f", {mem:.1f} GiB RAM" if mem is not None else ""
    return (
        f"machine: {cpu_model()}, {os.cpu_count()} cores{memory}, {platform.system()} "
        f"{platform.release()}, Python {sys.version.split()[0]}"
    )
