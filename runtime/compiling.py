"""What the runtime needs from the compiler, handed in by its caller: a compile function.

The runtime never imports the compiler or :mod:`mmarc.api`: the dependency runs
compiler <- runtime only. Where it must compile an MMAR it received (an admin's upload,
a deployment, a kit client's training), whoever started it (``mmarc.api`` or a test)
passes a :class:`CompileFn`; :func:`mmarc.api.compile_for_runtime` is the one the CLI
uses. A plan crosses a process boundary as a plan file (``write_plan``, the compiler's atomic
writer), and the process at the other end reads it back with its hash checked
(:func:`read_plan_file`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from mmarc.compiler.plan import plan_sha256, write_plan
from mmarc.errors import MmarcError

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
    ) -> dict[str, Any]: ...


def read_plan_file(path: Path) -> dict[str, Any]:
    """A plan file written by ``write_plan``; refused when its hash does not match."""
    plan = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(plan, dict) or plan.get("sha256") != plan_sha256(plan):
        raise ValueError(f"{path} is not an unmodified mmarc plan (its sha256 does not match)")
    return plan
