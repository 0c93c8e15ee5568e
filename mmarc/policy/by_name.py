"""By-name arguments: a string that MONAI turns into a class or callable must be allowed.

``LoadImaged(reader="os.system", ...)`` makes MONAI ``pydoc.locate`` the string and call
it. The catalog records every such constructor argument with the names it may take
(:class:`~mmarc.catalog.entries.ByNameArg`, found by :mod:`mmarc.catalog.by_name`);
:func:`check_by_name` applies that record to one argument value. The compiler calls it
on the values written in a config, the executor on the plan before building.

A by-name argument must be written literally: a name from the list (or a list of them),
a nested component, or null. A ``#`` expression or ``@`` reference there is refused,
because it could compute any string (``@conf`` holds the config's own strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mmarc.catalog.entries import ComponentEntry

__all__ = ["ByNameRefusal", "check_by_name"]

_SHOWN = 12


@dataclass(frozen=True, slots=True)
class ByNameRefusal:
    """Why a by-name argument value is refused, and the fix (the names allowed)."""

    message: str
    hint: str
    #: index inside a list value, when one item of a list is the culprit
    index: int | None = None


def check_by_name(entry: ComponentEntry, arg: str, value: Any) -> ByNameRefusal | None:
    """None when ``value`` for ``entry``'s argument ``arg`` is allowed, else the refusal.

    Arguments that are not by-name arguments of ``entry`` are always allowed here.
    """
    spec = entry.by_name_arg(arg)
    if spec is None or spec.kind != "locate":
        return None
    allowed = spec.allowed
    # class names first, then the lower-case table keys and dotted paths that also work
    preferred = sorted(allowed, key=lambda n: ("." in n, n.islower(), n))
    shown = ", ".join(preferred[:_SHOWN]) + (", ..." if len(allowed) > _SHOWN else "")
    hint = (
        f"use one of: {shown}"
        if allowed
        else "no name is allowed: the library it names was not installed when the catalog "
        "was built; pass a component object instead"
    )
    where = f"{entry.name}({arg}=...)"
    items = list(enumerate(value)) if isinstance(value, (list, tuple)) else [(None, value)]
    for index, item in items:
        if item is None or _is_component(item):
            continue
        if isinstance(item, str):
            if item in allowed:
                continue
            return ByNameRefusal(
                f"{where} resolves {item!r} by name and would run whatever it names; "
                f"{item!r} is not one of the {len(allowed)} names allowed",
                hint,
                index,
            )
        return ByNameRefusal(
            f"{where} is resolved by name, so it must be written as a literal name, not "
            f"{_describe(item)}",
            hint,
            index,
        )
    return None


def _is_component(value: Any) -> bool:
    """A nested component (config form ``{"name": ...}`` or plan form ``{"path": ...}``)."""
    if not isinstance(value, Mapping):
        return False
    if "@expr" in value or "@ref" in value:
        return False
    return isinstance(value.get("name"), str) or isinstance(value.get("path"), str)


def _describe(value: Any) -> str:
    if isinstance(value, Mapping) and "@expr" in value:
        return "an expression"
    if isinstance(value, Mapping) and ("@ref" in value or "ref" in value):
        return "a reference"
    if isinstance(value, str):
        return "a computed string"
    return f"a {type(value).__name__}"
