"""What the runtime needs from the compiler, handed in by its caller: a compile function.

The runtime never imports the compiler or :mod:`mmarc.api`: the dependency runs
compiler <- runtime only. Where it must compile an MMAR it received (an admin's upload,
a deployment, a kit client's training), whoever started it (``mmarc.api`` or a test)
passes a :class:`CompileFn`; :func:`mmarc.api.compile_for_runtime` is the one the CLI
uses. A plan crosses a process boundary as a plan file (``write_plan``, the plan's atomic
writer), and the process at the other end reads it back through the plan's one door,
:func:`mmarc.plan.load_plan` (size, types and hash checked).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from mmarc.errors import MmarcError
from mmarc.plan import Plan, load_plan, write_plan

__all__ = ["CompileFn", "CompileRefused", "read_plan_file", "write_plan"]


class CompileRefused(MmarcError):
    """The MMAR cannot be compiled: the message says why in one line; ``diagnostics``
    holds the full report (``mmarc validate``'s text) when the MMAR had errors."""

    def __init__(self, message: str, diagnostics: str = "") -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class CompileFn(Protocol):
    """Compile the MMAR folder ``mmar`` into its hashed plan, or raise :class:`CompileRefused`.

    ``sets``: ``KEY=VALUE`` overrides (``--set``). ``paths_from_mmar``: name files in
    diagnostics relative to the MMAR (as an uploader knows them), not to the current
    directory. The MMAR is read, never imported or run.
    """

    def __call__(
        self, mmar: Path, *, sets: Sequence[str] = (), paths_from_mmar: bool = False
    ) -> Plan: ...


def read_plan_file(path: Path) -> Plan:
    """A plan file written by ``write_plan``, through :func:`mmarc.plan.load_plan`."""
    return load_plan(path)
