"""Names a package re-exports but imports only on first use (PEP 562).

Why: ``mmarc validate`` must answer in a fraction of a second, so a package's ``__init__``
must not import what only training, serving or migrating needs (torch, MONAI, the
migrator). Each such package maps a name to the module that defines it and installs the
``__getattr__`` made here; the first access imports the module and caches the name.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that loads each name from its home.

    Args:
        package: the module installing it (its ``__name__``); relative homes resolve there.
        homes: name -> module defining it, absolute or relative (``".loop"``).
    """

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        setattr(sys.modules[package], name, value)  # later accesses skip this hook
        return value

    return __getattr__
