"""The seam between the round workflow and an aggregation algorithm.

The server knows nothing about how updates become a new global model: each round it
calls a :class:`Strategy` four ways, ``begin_round`` (the global model the round sent),
``accept`` (each client's update as it arrives, after the server's inbound filters, with
its weight), ``while_waiting`` (after an accepted update when others are still awaited:
work done then is off the path from the last update to the result) and ``finish`` (the
new global model). Any error in ``accept`` is an :class:`~.fedavg.AggregationError` that
rejects that update alone; the strategy must leave no trace of a rejected update.

:class:`FedAvg` is Clara's ``InTimeAccumulateWeightedAggregator``; :mod:`.fedopt` adds
server optimisers on the averaged update. FedProx needs no strategy of its own: its
server side is FedAvg, its proximal term lives in the client's training
(:mod:`mmarc.runtime.client.proximal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from ..protocol import as_numpy
from .fedavg import AggregationError, InTimeAccumulator, all_finite
from .selection import ExcludeSpec, VarSelector

__all__ = ["UPDATE_KINDS", "FedAvg", "Strategy", "UpdateKind", "Weights", "nonfinite"]

Weights = dict[str, np.ndarray]
UpdateKind = Literal["diff", "weights"]
#: What a client's update may be: local minus global (Clara 4.0 clients), or local weights.
UPDATE_KINDS: tuple[UpdateKind, ...] = ("diff", "weights")


@runtime_checkable
class Strategy(Protocol):
    """What the round workflow calls; one instance lives for the whole run (state such as
    a server optimiser's moments carries from round to round)."""

    #: A short name for logs and the run's records (``FedAvg``, ``FedAdam``...).
    name: str

    def begin_round(self, global_weights: Mapping[str, np.ndarray]) -> None:
        """Start a round from ``global_weights`` (the model the round's task carried)."""
        ...

    def accept(
        self, update: Mapping[str, Any], weight: float, *, kind: UpdateKind, source: str = ""
    ) -> None:
        """Take one client's update; raise :class:`AggregationError` to reject it."""
        ...

    def while_waiting(self) -> None:
        """More updates are coming this round: do now what the last one would wait for."""
        ...

    def finish(self) -> Weights:
        """The new global model; :class:`AggregationError` when there is nothing to
        aggregate (the workflow keeps the old model)."""
        ...


class FedAvg:
    """Weighted federated averaging, accumulated as updates arrive.

    Every update is checked against the round's global model (names, shapes, dtypes,
    finite values) before it counts. The first accepted update of a round fixes whether
    the round averages differences or weights; an update of the other kind is converted
    (clients of one plan agree, so this only happens across mmarc versions).
    """

    name = "FedAvg"

    def __init__(self, exclude: ExcludeSpec | VarSelector = None) -> None:
        self.accumulator = InTimeAccumulator(exclude)
        self._global: dict[str, np.ndarray] = {}
        self._mode: UpdateKind | None = None

    def begin_round(self, global_weights: Mapping[str, np.ndarray]) -> None:
        self._global = {name: as_numpy(value) for name, value in global_weights.items()}
        self._mode = None
        self.accumulator.reset(reference=self._global)

    @property
    def count(self) -> int:
        """Updates accepted this round."""
        return self.accumulator.count

    @property
    def diffs(self) -> bool:
        """Whether this round averages differences."""
        return self._mode == "diff"

    def accept(
        self, update: Mapping[str, Any], weight: float, *, kind: UpdateKind, source: str = ""
    ) -> None:
        if kind not in UPDATE_KINDS:
            raise AggregationError(f"update kind {kind!r} is not one of {list(UPDATE_KINDS)}")
        mode = self._mode or kind
        if kind != mode:
            checked = self.accumulator.check(update, source=source)
            sign = 1 if mode == "weights" else -1
            update = {k: (v + sign * self._global[k]).astype(v.dtype) for k, v in checked.items()}
        self.accumulator.add(update, weight, source=source)
        self._mode = mode

    def while_waiting(self) -> None:
        """More updates are coming: sum the latest now, not when the next one arrives."""
        self.accumulator.settle()

    def finish(self) -> Weights:
        return self.accumulator.result(self._global, diffs=self.diffs)


def nonfinite(weights: Mapping[str, Any]) -> str | None:
    """The name of the first floating-point variable holding NaN or infinity, if any: the
    workflow never sends or saves such a global model."""
    for name, value in weights.items():
        array = as_numpy(value)
        if not all_finite(array):
            return name
    return None
