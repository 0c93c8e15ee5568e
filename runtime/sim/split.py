"""Splitting one datalist into per-client datalists for a simulated federation.

What to split is the plan's ``simulation`` section (:mod:`mmarc.plan.simulation`: the
method, its parameter, the seed, the sites and clients, the training share), so the
split is covered by the plan hash; this module only does the cutting, deterministically
for a given seed:

* ``iid``: shuffle, then cut into parts whose sizes differ by at most one;
* ``dirichlet:ALPHA``: label skew. For each class, the sites' shares are drawn from
  Dirichlet(ALPHA, ..., ALPHA) (small ALPHA: each site sees few classes; large: close to
  iid). Items whose ``label`` is not a class (a segmentation mask path) get a quantity
  skew instead: one Dirichlet draw of the sites' shares of all items;
* ``fraction:F``: every site trains on a random fraction F of the training items,
  disjoint as long as ``sites x F <= 1`` (consecutive slices of one shuffled order,
  wrapping around beyond).

Training keys (those the plan's ``train`` section reads) are cut among ``sites`` sites;
the first ``clients`` of them train, each on ``train_share`` of its part (a random
subset). Validation keys (read only by ``validate``) are cut among the ``clients``, every
item to exactly one of them (iid, or with the training class shares for ``dirichlet``,
so a site validates on data like its own): the server's combined metric, weighted by each
site's validation samples, is then the metric on the whole validation set, the same in
every setting of a study. A client never gets an empty list, which the executor would
refuse. Other keys are copied.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mmarc.plan.simulation import SimulationSettings, SplitSpec, parse_split

__all__ = ["SplitSpec", "parse_split", "split_datalist"]


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
    """Cuts the items of each key; one random stream and one set of class shares for all."""

    def __init__(self, settings: SimulationSettings) -> None:
        self.settings = settings
        self.spec = settings.split
        self.rng = np.random.default_rng(settings.seed)
        self._class_shares: dict[Any, np.ndarray] = {}

    def _shares(self, key: Any) -> np.ndarray:
        """The sites' Dirichlet shares of one class (drawn on first use)."""
        if key not in self._class_shares:
            assert self.spec.value is not None
            self._class_shares[key] = self.rng.dirichlet([self.spec.value] * self.settings.sites)
        return self._class_shares[key]

    def _permutation(self, items: Sequence[Any], n: int) -> list[int]:
        if len(items) < n:
            raise ValueError(f"{len(items)} item(s) cannot be shared among {n} clients")
        return [int(i) for i in self.rng.permutation(len(items))]

    def _skewed(self, items: Sequence[Any], order: list[int], n: int) -> list[list[int]]:
        """Dirichlet: each class cut with its shares among the first ``n`` sites."""
        classes = [_class_of(item) for item in items]
        parts: list[list[int]] = [[] for _ in range(n)]
        if any(c is None for c in classes):  # no classes: quantity skew
            for i, part in enumerate(_cut(order, self._shares(("__quantity__",))[:n])):
                parts[i].extend(part)
        else:
            for label in sorted(set(classes), key=str):
                members = [i for i in order if classes[i] == label]
                for i, part in enumerate(_cut(members, self._shares(label)[:n])):
                    parts[i].extend(part)
        return _fill_empty(parts)

    def training(self, items: Sequence[Any]) -> list[list[int]]:
        """Each client's training items: its site's part, reduced to ``train_share``."""
        sites, clients = self.settings.sites, self.settings.clients
        order = self._permutation(items, sites)
        if self.spec.method == "iid":
            parts = [[int(i) for i in part] for part in np.array_split(order, sites)]
        elif self.spec.method == "fraction":
            assert self.spec.value is not None
            count = len(order)
            size = max(1, round(self.spec.value * count))
            parts = [[order[(i * size + j) % count] for j in range(size)] for i in range(sites)]
        else:
            parts = self._skewed(items, order, sites)
        rank = {index: position for position, index in enumerate(order)}
        kept = []
        for part in parts[:clients]:
            keep = max(1, round(self.settings.train_share * len(part)))
            kept.append(sorted(part, key=rank.__getitem__)[:keep])  # a random subset
        return kept

    def validation(self, items: Sequence[Any]) -> list[list[int]]:
        """Each client's validation items: every item to exactly one client."""
        clients = self.settings.clients
        order = self._permutation(items, clients)
        if self.spec.method == "dirichlet":
            return self._skewed(items, order, clients)
        return [[int(i) for i in part] for part in np.array_split(order, clients)]


def split_datalist(
    doc: Mapping[str, Any],
    training: Sequence[str],
    validation: Sequence[str],
    settings: SimulationSettings,
) -> list[dict[str, Any]]:
    """``settings.clients`` copies of the datalist ``doc``, each with its share of the items.

    Args:
        doc: the datalist (a JSON object).
        training: the keys the plan's training datasets read (cut among the sites).
        validation: the keys only its validation datasets read (cut among the clients).
        settings: the plan's ``simulation`` section.

    Raises:
        ValueError: a key with no list, or too few items for the clients.
    """
    splitter = _Splitter(settings)
    out = [copy.deepcopy(dict(doc)) for _ in range(settings.clients)]
    roles = [(key, splitter.training) for key in training]
    roles += [(key, splitter.validation) for key in validation if key not in training]
    for key, cut in roles:  # training keys first: one random stream for all keys
        items = doc.get(key)
        if not isinstance(items, list):
            raise ValueError(f"the datalist has no list under {key!r}")
        for client, indices in enumerate(cut(items)):
            out[client][key] = [copy.deepcopy(items[i]) for i in sorted(indices)]
    for part in out:
        for key, count_key in (("training", "numTraining"), ("validation", "numValidation")):
            if count_key in part and isinstance(part.get(key), list):
                part[count_key] = len(part[key])
    return out
