"""The shape of one constraints-table row (:mod:`mmarc.catalog.constraints` holds the rows).

Why apart from the table: the rows are data that grows with every class the table covers;
what a row means (its interval, how a value violates it) is code that does not. Imports
neither torch nor MONAI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Constraint", "Failure", "Relation", "Rule"]


class Failure(StrEnum):
    """What the library does with a value outside the domain (what the proof test shows)."""

    RAISES = "raises"  # building the class raises
    RAISES_ON_USE = "raises_on_use"  # the first call/step/run raises
    CLAMPED = "clamped"  # silently replaced: the config does not do what it says


@dataclass(frozen=True, slots=True)
class Constraint:
    """The domain of one argument of some classes.

    ``targets`` are catalogue paths, or ``tag:<tag>`` / ``category:<category>`` for every
    class with that tag or of that catalog category that has the argument. A number must
    lie within ``low``/``high`` (each excluded when its ``*_open`` flag is set); with
    ``each``, so must every number of a list (``betas``, ``margin``). A string must be one
    of ``choices``. ``bad`` is the value the proof test builds with; ``effect`` says, for
    the hint, what the library does with such a value (``{lib}`` and ``{cls}`` stand for
    the library and the class).
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


class Rule(StrEnum):
    """How the arguments of a :class:`Relation` must relate."""

    ONE_FEWER = "one_fewer"  # the second list has one item fewer than the first
    AT_MOST_ONE = "at_most_one"  # at most one of the flags is true
    NOT_ALL_ZERO = "not_all_zero"  # not every number is 0


@dataclass(frozen=True, slots=True)
class Relation:
    """A rule between arguments of some classes that no single argument's domain states.

    ``UNet(channels=[16, 32, 64], strides=[2])`` has valid values one by one, yet MONAI
    refuses it: ``strides`` needs one value fewer than ``channels``. ``args`` are the related
    arguments (the diagnostic points at the last one the config writes); ``bad`` maps them
    to values the proof test builds with; ``effect`` is as in :class:`Constraint`.
    """

    targets: tuple[str, ...]
    args: tuple[str, ...]
    rule: Rule
    failure: Failure
    bad: Mapping[str, Any]
    effect: str

    def violation(self, values: Mapping[str, object]) -> str | None:
        """Why the values (every one of ``args``, plain JSON) break the rule, or None."""
        given = [values[a] for a in self.args]
        names = " and ".join(f'"{a}"' for a in self.args)
        every = "both" if len(self.args) == 2 else "all"
        if self.rule is Rule.ONE_FEWER:
            first, second = given
            if (
                isinstance(first, list)
                and isinstance(second, list)
                and len(second) != len(first) - 1
            ):
                return (
                    f'"{self.args[1]}" has {len(second)} values; with {len(first)} '
                    f'"{self.args[0]}" it needs {len(first) - 1}'
                )
            return None
        if self.rule is Rule.AT_MOST_ONE:
            if sum(v is True for v in given) > 1:
                return f"{names} are {every} true; at most one may be"
            return None
        numbers = [v for v in given if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) == len(given) and all(v == 0 for v in numbers):
            return f"{names} are {every} 0"
        return None
