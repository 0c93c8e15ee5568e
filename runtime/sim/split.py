"""Splitting one datalist into per-client datalists for a simulated federation.

Methods (``--split``), all deterministic for a given ``seed``:

* ``iid``: shuffle, then cut into ``n`` parts whose sizes differ by at most one;
* ``dirichlet:ALPHA``: label skew. For each class, client shares are drawn from
  Dirichlet(ALPHA, ..., ALPHA) (small ALPHA: each client sees few classes; large: close to
  iid). Items whose ``label`` is not a class (a segmentation mask path) get a quantity
  skew instead: one Dirichlet draw of the clients' shares of all items;
* ``fraction:F``: every client gets a random fraction F of the items, disjoint as long
  as ``n x F <= 1`` (consecutive slices of one shuffled order, wrapping around beyond).

Every key the plan's datasets read (``training``, ``validation``...) is split the same
way (the same class shares for all keys, so a client validates on data like its own); a
client never gets an empty list, which the executor would refuse. Other keys are copied.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

METHODS = ("iid", "dirichlet", "fraction")


@dataclass(frozen=True)
class SplitSpec:
    method: str
    value: float | None = None

    def __str__(self) -> str:
        return self.method if self.value is None else f"{self.method}:{self.value:g}"


def parse_split(text: str) -> SplitSpec:
    """``iid``, ``dirichlet:ALPHA`` (ALPHA > 0) or ``fraction:F`` (0 < F <= 1)."""
    method, _, raw = str(text).strip().partition(":")
    method = method.lower()
    if method == "iid" and not raw:
        return SplitSpec("iid")
    if method in ("dirichlet", "fraction") and raw:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if method == "dirichlet" and math.isfinite(value) and value > 0:
            return SplitSpec(method, value)
        if method == "fraction" and math.isfinite(value) and 0 < value <= 1:
            return SplitSpec(method, value)
    raise ValueError(
        f"--split {text!r} is not one of: iid, dirichlet:ALPHA (ALPHA > 0), fraction:F (0 < F <= 1)"
    )


def _class_of(item: Any) -> Any:
    """The item's class label when it has one (an int, or a short non-path string)."""
    label = item.get("label") if isinstance(item, Mapping) else None
    if isinstance(label, (bool, int)):
        return int(label)
    if isinstance(label, str) and "/" not in label and "." not in label:
        return label
    return None


def _cut(order: Sequence[int], shares: np.ndarray) -> list[list[int]]:
    """Split ``order`` into consecutive parts proportional to ``shares``."""
    bounds = np.floor(np.cumsum(shares) / shares.sum() * len(order)).astype(int)
    bounds[-1] = len(order)
    parts, start = [], 0
    for stop in bounds:
        parts.append(list(order[start:stop]))
        start = stop
    return parts


def _fill_empty(parts: list[list[int]]) -> list[list[int]]:
    """Move one item from the largest part into each empty one."""
    for part in parts:
        if not part:
            donor = max(parts, key=len)
            if len(donor) <= 1:
                raise ValueError("too few items to give every client at least one")
            part.append(donor.pop())
    return parts


class _Splitter:
    def __init__(self, n: int, spec: SplitSpec, seed: int) -> None:
        if n < 1:
            raise ValueError("the number of clients must be at least 1")
        self.n = n
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self._class_shares: dict[Any, np.ndarray] = {}

    def _shares(self, key: Any) -> np.ndarray:
        if key not in self._class_shares:
            assert self.spec.value is not None
            self._class_shares[key] = self.rng.dirichlet([self.spec.value] * self.n)
        return self._class_shares[key]

    def split(self, items: Sequence[Any]) -> list[list[int]]:
        count = len(items)
        if count < self.n:
            raise ValueError(f"{count} item(s) cannot be shared among {self.n} clients")
        order = list(self.rng.permutation(count))
        if self.spec.method == "iid":
            return [list(part) for part in np.array_split(order, self.n)]
        if self.spec.method == "fraction":
            assert self.spec.value is not None
            size = max(1, round(self.spec.value * count))
            return [[order[(i * size + j) % count] for j in range(size)] for i in range(self.n)]
        classes = [_class_of(item) for item in items]
        parts: list[list[int]] = [[] for _ in range(self.n)]
        if any(c is None for c in classes):  # no classes: quantity skew
            for i, part in enumerate(_cut(order, self._shares(("__quantity__",)))):
                parts[i].extend(part)
        else:
            for label in sorted(set(classes), key=str):
                members = [i for i in order if classes[i] == label]
                for i, part in enumerate(_cut(members, self._shares(label))):
                    parts[i].extend(part)
        return _fill_empty(parts)


def split_datalist(
    doc: Mapping[str, Any], keys: Sequence[str], n: int, spec: SplitSpec, seed: int = 0
) -> list[dict[str, Any]]:
    """``n`` copies of the datalist ``doc`` with each of ``keys`` split among them."""
    splitter = _Splitter(n, spec, seed)
    out = [copy.deepcopy(dict(doc)) for _ in range(n)]
    for key in keys:
        items = doc.get(key)
        if not isinstance(items, list):
            raise ValueError(f"the datalist has no list under {key!r}")
        for client, indices in enumerate(splitter.split(items)):
            out[client][key] = [copy.deepcopy(items[i]) for i in sorted(indices)]
    for part in out:
        for key, count_key in (("training", "numTraining"), ("validation", "numValidation")):
            if count_key in part and isinstance(part.get(key), list):
                part[count_key] = len(part[key])
    return out
