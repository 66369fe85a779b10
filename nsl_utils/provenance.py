"""What a long experiment records about the machine and software that produced its CSV."""

from __future__ import annotations

import importlib
import os
import platform
from pathlib import Path

__all__ = ["cpu_name", "hardware", "versions"]


def versions(*packages: str) -> dict[str, str]:
    """Python's version and each named package's ``__version__``.

    Parameters
    ----------
    *packages : str
        Importable package names, e.g. ``"numpy"``, ``"torch"``.

    Returns
    -------
    dict of str to str
        ``{"python": ..., package: version, ...}``.
    """
    found = {"python": platform.python_version()}
    for name in packages:
        found[name] = str(importlib.import_module(name).__version__)
    return found


def cpu_name() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else what :mod:`platform` reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware() -> dict[str, str | int | None]:
    """The operating system, architecture, CPU model and number of logical cores."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": cpu_name(),
        "cpu_count": os.cpu_count(),
    }
