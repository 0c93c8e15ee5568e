"""Which variables a rule applies to: Clara's ``exclude_vars`` convention, in one place.

Clara configs give either a regular expression string (``"dummy"``,
``"^.*running.*$"``), matched anywhere in the name like ``re.search``, or a list of
exact variable names. Both aggregation (keep excluded variables from the global model)
and the ``ExcludeVars`` filter (drop them from outbound updates) use this one matcher,
so the two can never disagree about what a pattern means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeAlias

ExcludeSpec: TypeAlias = str | re.Pattern[str] | Iterable[str] | None


class VarSelector:
    """Callable ``name -> bool``: does the name match the pattern or the name list?"""

    __slots__ = ("_names", "_pattern")

    def __init__(self, spec: ExcludeSpec = None) -> None:
        self._pattern: re.Pattern[str] | None = None
        self._names: frozenset[str] = frozenset()
        if spec is None:
            return
        if isinstance(spec, re.Pattern):
            self._pattern = spec
        elif isinstance(spec, str):
            try:
                self._pattern = re.compile(spec)
            except re.error as exc:
                raise ValueError(
                    f"exclude_vars {spec!r} is not a valid regular expression: {exc}"
                ) from None
        else:
            names = list(spec)
            if not all(isinstance(name, str) for name in names):
                raise TypeError("exclude_vars must be a regex string or a list of variable names")
            self._names = frozenset(names)

    @classmethod
    def of(cls, spec: ExcludeSpec | VarSelector) -> VarSelector:
        return spec if isinstance(spec, VarSelector) else cls(spec)

    def __bool__(self) -> bool:
        """False when it matches nothing, so callers can skip the per-name check."""
        return self._pattern is not None or bool(self._names)

    def __call__(self, name: str) -> bool:
        if name in self._names:
            return True
        return self._pattern is not None and self._pattern.search(name) is not None

    def __repr__(self) -> str:
        if self._pattern is not None:
            return f"VarSelector({self._pattern.pattern!r})"
        return f"VarSelector({sorted(self._names)!r})"
