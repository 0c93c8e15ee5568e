"""Filter protocol and the registry that builds filters from Clara config entries.

A filter transforms the variables a client is about to send (or the server is about to
broadcast): ``filter(weights) -> weights``. It never modifies its input in place
(received arrays may be views of network buffers shared with other code) and returns a
new dict. Clara configs name filters in entries such as
``{"name": "PercentilePrivacy", "args": {"percentile": 75, "gamma": 1}}`` (older configs
give a dotted ``"path"`` instead of ``"name"``; its last component is used).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import numpy as np

from mmarc.errors import MmarcError


class FilterConfigError(MmarcError, ValueError):
    """A filter entry names an unknown filter or has arguments it does not accept."""


class Filter(Protocol):
    """What every filter is: a pure function on a dict of named arrays."""

    def __call__(self, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]: ...


_REGISTRY: dict[str, Callable[..., Filter]] = {}


def register_filter(cls: type) -> type:
    """Class decorator: make ``cls`` buildable by its class name."""
    _REGISTRY[cls.__name__] = cls
    return cls


def supported_filters() -> list[str]:
    return sorted(_REGISTRY)


def build_filter(name: str, args: Mapping[str, Any] | None = None) -> Filter:
    """Build the filter called ``name`` with keyword ``args``; errors name the valid choices."""
    short = name.rsplit(".", 1)[-1] if isinstance(name, str) else name
    factory = _REGISTRY.get(short)
    if factory is None:
        raise FilterConfigError(
            f"unknown filter {name!r}; supported: {', '.join(supported_filters())}"
        )
    args = dict(args or {})
    parameters = inspect.signature(factory).parameters
    unknown = sorted(set(args) - set(parameters))
    if unknown:
        raise FilterConfigError(
            f"filter {short} does not accept {', '.join(map(repr, unknown))}; "
            f"its arguments are: {', '.join(parameters)}"
        )
    try:
        return factory(**args)
    except (TypeError, ValueError) as exc:
        raise FilterConfigError(f"filter {short}: {exc}") from None


def build_filters(entries: Iterable[Mapping[str, Any]]) -> list[Filter]:
    """Build a chain from Clara entries ``{"name"|"path": ..., "args": {...}}``."""
    chain = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise FilterConfigError(f"filter entry #{index} must be an object")
        name = entry.get("name", entry.get("path"))
        if not isinstance(name, str):
            raise FilterConfigError(f"filter entry #{index} has no 'name' (or 'path')")
        args = entry.get("args", {})
        if not isinstance(args, Mapping):
            raise FilterConfigError(f"filter entry #{index}: 'args' must be an object")
        chain.append(build_filter(name, args))
    return chain


def apply_filters(
    chain: Iterable[Filter], weights: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Run ``weights`` through the filters in order."""
    out = dict(weights)
    for step in chain:
        out = step(out)
    return out


def check_number(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False) -> float:
    """Validate a numeric filter argument (config values come from users' JSON)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not (lo < value if lo_open else lo <= value) or not value <= hi:
        bracket = "(" if lo_open else "["
        raise ValueError(f"{name} = {value} is outside {bracket}{lo}, {hi}]")
    return value


def float_arrays(weights: Mapping[str, Any]) -> list[str]:
    """Names of the floating-point, non-scalar variables: the ones privacy filters touch.

    Scalars and integer variables (e.g. ``num_batches_tracked``) pass through unchanged.
    """
    return [
        name
        for name, value in weights.items()
        if np.asarray(value).dtype.kind == "f" and np.ndim(value) > 0
    ]
