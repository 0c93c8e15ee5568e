"""The plan's error, in a module of its own so that catching it imports no pydantic model
(``mmarc validate`` imports :mod:`mmarc.api`, which names it, on every run)."""

from __future__ import annotations

from mmarc.errors import MmarcError

__all__ = ["PlanError"]


class PlanError(MmarcError):
    """A plan that cannot be compiled or cannot be run; one line, naming where."""

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer
