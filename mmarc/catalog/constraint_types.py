"""The shape of one constraints-table row (:mod:`mmarc.catalog.constraints` holds the rows).

Why apart from the table: the rows are data that grows with every class the table covers;
what a row means (its interval, how a value violates it) is code that does not. Imports
neither torch nor MONAI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Constraint", "Failure"]


class Failure(StrEnum):
    """What the library does with a value outside the domain (what the proof test shows)."""

    RAISES = "raises"  # building the class raises
    RAISES_ON_USE = "raises_on_use"  # the first call/step/run raises
    CLAMPED = "clamped"  # silently replaced: the config does not do what it says


@dataclass(frozen=True, slots=True)
class Constraint:
    """The domain of one argument of some classes.

    ``targets`` are catalogue paths, or ``tag:<tag>`` for every class with that tag that
    has the argument. A number must lie within ``low``/``high`` (each excluded when its
    ``*_open`` flag is set); with ``each``, so must every number of a list (``betas``,
    ``margin``). A string must be one of ``choices``. ``bad`` is the value the proof test
    builds with; ``effect`` says, for the hint, what the library does with such a value
    (``{lib}`` and ``{cls}`` stand for the library and the class).
    """

    targets: tuple[str, ...]
    arg: str
    failure: Failure
    bad: Any
    effect: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    each: bool = False

    def interval(self) -> str:
        """The domain as a message says it: ``>= 0``, ``in [0, 1)``, ``one of "a", "b"``."""
        if self.choices:
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        low, high = self.low, self.high
        if low is not None and high is not None:
            return (
                f"in {'(' if self.low_open else '['}{_num(low)}, {_num(high)}"
                f"{')' if self.high_open else ']'}"
            )
        if low is not None:
            return f"{'>' if self.low_open else '>='} {_num(low)}"
        if high is not None:
            return f"{'<' if self.high_open else '<='} {_num(high)}"
        return "anything"

    def number_fits(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (
            self.high is not None and (value >= self.high if self.high_open else value > self.high)
        )

    def violation(self, value: object) -> str | None:
        """Why ``value`` (a plain JSON value) is outside the domain, or None when it fits.

        Values of another type are not judged here (that is the annotation's job, C004).
        """
        if self.choices:
            if isinstance(value, str) and value not in self.choices:
                return f"must be {self.interval()}"
            return None
        numbers = _numbers(value, self.each)
        for number in numbers:
            if not self.number_fits(number):
                shown = "every value" if isinstance(value, list) else "it"
                return f"{shown} must be {self.interval()}"
        return None


def _num(value: float) -> str:
    return f"{value:g}"


def _numbers(value: object, each: bool) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if each and isinstance(value, list):
        return [float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
    return []
