"""What a client's result may say, read as untrusted input.

A result's ``meta`` comes from the network: a registered client can put anything JSON
allows in it (an integer of 400 digits, a list where a number belongs, ten thousand
metric names). Everything the workflow uses is read here, by allow-list: known keys only,
numbers that are finite and bounded, short names, a bounded count. A result that breaks
a rule is refused with a :class:`ResultRefused` naming the rule; the workflow logs the
reason in the event log and the round goes on without it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mmarc.errors import MmarcError

from ..aggregation import MAX_LOCAL_STEPS, UPDATE_KINDS, UpdateKind

__all__ = [
    "MAX_METRIC",
    "MAX_METRICS",
    "MAX_NAME",
    "MAX_SAMPLES",
    "ResultRefused",
    "TrainResult",
    "bounded_int",
    "metric_value",
    "metrics_of",
    "read_train_result",
]

#: The most metrics one result may report (a validation reports a handful).
MAX_METRICS = 64
#: The longest metric, model owner or key metric name.
MAX_NAME = 128
#: The largest magnitude of a metric value (losses and scores are far below).
MAX_METRIC = 1e15
#: The most validation samples one client may claim.
MAX_SAMPLES = 10**12


class ResultRefused(MmarcError, ValueError):
    """A client's result that the workflow will not use; the message says why."""


def bounded_int(value: Any, limit: int, what: str) -> int:
    """``value`` as an int in ``[0, limit]``: a JSON integer, not a bool or a float."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResultRefused(f"{what} must be an integer, got {type(value).__name__}")
    if not 0 <= value <= limit:
        shown = str(value) if abs(value) < 10**24 else f"a {len(str(abs(value)))}-digit number"
        raise ResultRefused(f"{what} {shown} is outside [0, {limit}]")
    return value


def metric_value(value: Any, what: str = "a metric") -> float | None:
    """A metric as a float. Not a number (a string, a list, a bool) or NaN/infinity
    (a diverged loss, a Dice of an empty label): None, the metric is left out. A number
    beyond :data:`MAX_METRIC` (no validation produces one; ``10**400`` would overflow a
    float): :class:`ResultRefused`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and abs(value) > MAX_METRIC:  # before float() can overflow
        digits = len(str(abs(value)))
        raise ResultRefused(f"{what} is a {digits}-digit integer, beyond {MAX_METRIC:g}")
    number = float(value)
    if not math.isfinite(number):
        return None
    if abs(number) > MAX_METRIC:
        raise ResultRefused(f"{what} {number:g} is beyond {MAX_METRIC:g}")
    return number


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME:
        raise ResultRefused(f"{what} must be a name of 1 to {MAX_NAME} characters")
    return value


def metrics_of(found: Any, what: str = "metrics") -> dict[str, float]:
    """``{name: value}`` of a client's metrics: at most :data:`MAX_METRICS` names, each
    value read by :func:`metric_value`."""
    if found is None:
        return {}
    if not isinstance(found, Mapping):
        raise ResultRefused(f"{what} must be a mapping of names to numbers")
    if len(found) > MAX_METRICS:
        raise ResultRefused(f"{what} has {len(found)} entries, at most {MAX_METRICS} are read")
    out: dict[str, float] = {}
    for key, value in found.items():
        name = _name(key, f"a name in {what}")
        number = metric_value(value, f"{name!r} in {what}")
        if number is not None:
            out[name] = number
    return out


@dataclass(frozen=True)
class TrainResult:
    """The parts of a train result's ``meta`` the workflow uses, checked."""

    steps: int
    kind: UpdateKind
    metrics: dict[str, float] = field(default_factory=dict)
    key_metric: str | None = None
    val_samples: int = 0

    @property
    def key_value(self) -> float | None:
        """The key metric's value, when the client reported one."""
        return None if self.key_metric is None else self.metrics.get(self.key_metric)


def read_train_result(meta: Any) -> TrainResult:
    """Read a train result's ``meta``; raises :class:`ResultRefused`."""
    if not isinstance(meta, Mapping):
        raise ResultRefused("the result has no meta mapping")
    steps = bounded_int(meta.get("steps"), MAX_LOCAL_STEPS, "steps")
    kind = meta.get("update")
    if kind not in UPDATE_KINDS:
        raise ResultRefused(f"update must be one of {list(UPDATE_KINDS)}, got {kind!r:.40}")
    key = meta.get("key_metric")
    samples = meta.get("val_samples")
    return TrainResult(
        steps=steps,
        kind=kind,
        metrics=metrics_of(meta.get("metrics")),
        key_metric=None if key is None else _name(key, "key_metric"),
        val_samples=0 if samples is None else bounded_int(samples, MAX_SAMPLES, "val_samples"),
    )
