"""Federated averaging, accumulated as results arrive (memory O(model), not O(clients)).

Semantics, per variable ``k``::

    average[k] = sum_i w_i * x_i[k] / sum_i w_i     (over the clients i that sent k)

where the caller chooses ``w_i`` (Clara: the client's aggregation weight times its local
steps or samples; see :func:`update_weight`). Normalising per variable, not by the sum
of all weights, keeps the average right when a client's outbound filter
(``ExcludeVars``) removed some variables: those are averaged over the clients that did
send them, and a variable no client sent keeps its global value.

Numerics: sums are kept in float64 whatever the tensors' dtype, in blocks of 64 Ki
elements through a scratch buffer (twice as fast as numpy's whole-array temporaries;
~28 ms per 100 MB float32 update on one core). Results are cast back to the variable's
dtype. A large variable's passes (the finite check, the weighted add, the final average)
are split into contiguous ranges run on up to :data:`MAX_THREADS` threads (numpy releases
the GIL in its loops). Why: the last update of a round and the average are on the round's
critical path, with the sites waiting and the machine otherwise idle; every element is
computed exactly as on one thread, so the result is bit-for-bit the same.

Integer and boolean variables (BatchNorm's ``num_batches_tracked``, masks) are averaged
the same way and rounded half-to-even: for ``num_batches_tracked`` every client starts the
round at the global count and adds its local steps, so the rounded weighted mean is
"global count + typical local steps", which keeps the counter meaningful; for booleans it
is a weighted majority vote (ties give False).

Updates are either full weights or differences (client weights minus the global model
it started from). With ``diffs=True`` the averaged difference is added to the current
global model, variable by variable, in the same blocked pass.

Hostile updates: with a ``reference`` (the global model the round sent, see
:meth:`InTimeAccumulator.reset`) every variable must be one of the reference's, with its
shape and dtype, so the first sender of a round cannot decide a tensor's shape. Weights
are bounded (:data:`MAX_LOCAL_STEPS`, :data:`MAX_WEIGHT`) and multiplied in float64, so a
finite float32 (or narrower) update can never make a sum overflow; an integer average
that would not fit its dtype is refused rather than wrapped around. A float average can
still leave its dtype's range once added to the global model (``diffs=True``): it is
then infinite, and the caller checks (the server never keeps a non-finite model).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from mmarc.errors import MmarcError
from mmarc.plan.fl import MAX_AGGREGATION_WEIGHT

from ..protocol import as_numpy
from .selection import ExcludeSpec, VarSelector

#: Elements per block of the float64 accumulation (512 KiB scratch, stays in L2 cache).
BLOCK = 1 << 16
#: Most threads one pass over a variable uses (beyond this, memory bandwidth is the limit).
MAX_THREADS = 4
#: Elements below which a pass stays on the calling thread: a pass over 1 Mi elements
#: takes 1-3 ms, waking a pool thread on an idle core ~0.05 ms (the caller does a share
#: meanwhile). Measured on the 6.4 MB model's 1.6 Mi-element layer: the average went from
#: 3.9 to 2.5 ms on 2 cores.
PARALLEL_MIN = 1 << 20
#: The most local steps (or samples) one update may claim in a round.
MAX_LOCAL_STEPS = 10**12
#: The largest weight of one update: aggregation weight x local steps. With float32 values
#: (|x| < 3.4e38) a weighted sum of a million updates stays below 1e60, far from float64's
#: 1.8e308.
MAX_WEIGHT = MAX_AGGREGATION_WEIGHT * MAX_LOCAL_STEPS

Spec = tuple[tuple[int, ...], np.dtype[Any]]


@functools.cache
def _threads() -> int:
    """Threads that share a large variable's passes: the usable cores, at most
    :data:`MAX_THREADS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cores))


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max(1, _threads() - 1), "mmarc-fedavg")


if hasattr(os, "register_at_fork"):  # a forked child has none of its parent's threads
    os.register_at_fork(after_in_child=_pool.cache_clear)


def in_ranges(size: int, work: Callable[[int, int], bool | None]) -> list[bool | None]:
    """``work(start, stop)`` over ``[0, size)``: one call for a small size, else one per
    contiguous range (whole blocks each), the first on the calling thread and the others
    on up to :data:`MAX_THREADS` - 1 more. An exception in any range is raised here,
    after all of them ended."""
    threads = _threads()
    if threads == 1 or size < PARALLEL_MIN:
        return [work(0, size)]
    per = -(-size // (threads * BLOCK)) * BLOCK
    pool = _pool()
    futures = [pool.submit(work, start, min(start + per, size)) for start in range(per, size, per)]
    try:
        mine = work(0, min(per, size))
    finally:
        errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error
    return [mine, *(f.result() for f in futures)]


def all_finite(array: np.ndarray) -> bool:
    """Whether a floating-point array holds no NaN or infinity (other dtypes: True).

    Checked in blocks of :data:`BLOCK` elements: ``np.isfinite(a).all()`` on a whole
    100 MB update first allocates a 25 MB boolean array (fresh pages, ~10 ms on a VM) for
    every update and every new global model; blocks stay in cache and stop at the first
    bad value of their range."""
    if array.dtype.kind not in "fc":
        return True
    flat = array.reshape(-1)

    def finite(start: int, stop: int) -> bool:
        return all(
            np.isfinite(flat[i : min(i + BLOCK, stop)]).all() for i in range(start, stop, BLOCK)
        )

    return all(in_ranges(flat.size, finite))


class AggregationError(MmarcError, ValueError):
    """An update cannot be aggregated (bad weight, shape/dtype mismatch, NaN/inf...)."""


def _bounded(value: object, limit: float, what: str) -> float:
    """``value`` as a float in ``[0, limit]``; checked before any conversion can overflow."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise AggregationError(f"{what} must be a number, got {type(value).__name__}")
    if isinstance(value, int | np.integer) and not 0 <= value <= limit:
        raise AggregationError(f"{what} {_short(value)} is outside [0, {limit:g}]")
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= limit:
        raise AggregationError(f"{what} {_short(value)} is outside [0, {limit:g}]")
    return number


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:10]}...({len(text)} digits)"


def update_weight(aggregation_weight: float, local_steps: float) -> float:
    """Clara's weighting: the client's configured aggregation weight times its local steps
    (or samples) of this round. A client that did no work contributes nothing.

    Both factors come from outside (the config, the client's message): they are checked
    to be finite, >= 0 and bounded, so the product is at most :data:`MAX_WEIGHT`."""
    steps = _bounded(local_steps, MAX_LOCAL_STEPS, "local steps")
    factor = _bounded(aggregation_weight, MAX_AGGREGATION_WEIGHT, "aggregation weight")
    return factor * steps


class InTimeAccumulator:
    """Running weighted sums of client updates; ``add`` each result as it arrives.

    An ``add`` is atomic: the update is validated completely (names, shapes, dtypes,
    finite values) before any sum changes, so a rejected update leaves no trace.

    The latest accepted update is held, not yet summed, until the next ``add`` (or
    :meth:`means`, or :meth:`settle`): :meth:`result` folds it into the final average's
    pass, which saves writing the float64 sums and reading them back (on the 100 MB model,
    ~10 ms of the round's critical path). A caller that knows more updates are coming
    calls :meth:`settle` meanwhile, so that the next ``add`` does not sum this one on
    the way to the result. The caller must not change an update's arrays after adding
    it; a decoded message's are its own.
    """

    def __init__(self, exclude: ExcludeSpec | VarSelector = None, *, check_finite: bool = True):
        self._exclude = VarSelector.of(exclude)
        self._check_finite = check_finite
        self._sums: dict[str, np.ndarray] = {}  # float64, flat
        self._weights: dict[str, float] = {}
        self._specs: dict[str, Spec] = {}
        self._reference: dict[str, Spec] | None = None
        self._spare: dict[str, np.ndarray] = {}  # sum buffers kept by reset() for reuse
        #: the latest update (flat arrays by name) and its weight, not yet in the sums
        self._pending: tuple[dict[str, np.ndarray], float] | None = None
        self.count = 0
        self.total_weight = 0.0
        self.sources: list[str] = []

    def reset(self, reference: Mapping[str, Any] | None = None) -> None:
        """Start a new round, keeping the float64 buffers: zeroing them in place is ~10x
        cheaper than fresh memory, whose page faults dominate on VMs (~0.2 s per 200 MB).

        ``reference``: the global model of the round; updates must then name only its
        variables, with its shapes and dtypes (without it, the first update of a variable
        sets what the others must match)."""
        self._reference = (
            None
            if reference is None
            else {
                name: (array.shape, array.dtype)
                for name, array in ((n, as_numpy(v)) for n, v in reference.items())
            }
        )
        self._spare.update(self._sums)
        self._sums.clear()
        self._pending = None
        self._weights.clear()
        self._specs.clear()
        self.count = 0
        self.total_weight = 0.0
        self.sources = []

    def check(self, weights: Mapping[str, Any], *, source: str = "") -> dict[str, np.ndarray]:
        """The update's arrays that count (excluded ones left out), each checked against
        the reference (or the other updates): name, shape, dtype, finite values."""
        who = f" from {source!r}" if source else ""
        arrays: dict[str, np.ndarray] = {}
        for name, value in weights.items():
            if self._exclude and self._exclude(name):
                continue
            array = as_numpy(value)
            if self._reference is not None:
                spec = self._reference.get(name)
                if spec is None:
                    raise AggregationError(f"variable {name!r}{who} is not in the global model")
                others = "the global model has"
            else:
                spec = self._specs.get(name)
                others = "other updates sent"
            if spec is not None and (array.shape, array.dtype) != spec:
                raise AggregationError(
                    f"variable {name!r}{who} is {array.dtype}{list(array.shape)}, {others} "
                    f"{spec[1]}{list(spec[0])}"
                )
            if self._check_finite and array.dtype.kind == "f" and not all_finite(array):
                raise AggregationError(f"variable {name!r}{who} contains NaN or infinity")
            arrays[name] = array
        return arrays

    def add(self, weights: Mapping[str, Any], weight: float, *, source: str = "") -> None:
        """Add one client's update (name -> array or tensor) with its weight."""
        who = f" from {source!r}" if source else ""
        try:
            weight = _bounded(weight, MAX_WEIGHT, "weight")
        except AggregationError:
            raise AggregationError(
                f"weight {_short(weight)} of the update{who} must be finite and >= 0 "
                f"(at most {MAX_WEIGHT:g})"
            ) from None
        arrays = self.check(weights, source=source)
        self.count += 1
        self.total_weight += weight
        self.sources.append(source)
        if weight == 0:
            return
        self.settle()
        for name, array in arrays.items():
            self._specs.setdefault(name, (array.shape, array.dtype))
            self._weights[name] = self._weights.get(name, 0.0) + weight
        self._pending = ({name: array.reshape(-1) for name, array in arrays.items()}, weight)

    def settle(self) -> None:
        """Add the held update to the sums now (a no-op when none is held). Variable by
        variable: should one fail (no memory for its sum), the ones not summed yet stay
        held, and :meth:`result` still counts each exactly once."""
        if self._pending is None:
            return
        arrays, weight = self._pending
        for name in list(arrays):
            flat = arrays[name]
            total = self._sums.get(name)
            if total is None:  # first update of this variable: write w*x, no zeroing pass
                total = self._spare.pop(name, None)
                if total is None or total.size != flat.size:
                    total = np.empty(flat.size, dtype=np.float64)
                in_ranges(flat.size, functools.partial(_weighted, total, flat, weight))
                self._sums[name] = total
            else:
                in_ranges(flat.size, functools.partial(_accumulate, total, flat, weight))
            del arrays[name]
        self._pending = None

    def names(self) -> list[str]:
        """Variables that received a non-zero weight so far."""
        return list(self._weights)

    def means(self) -> dict[str, np.ndarray]:
        """The float64 weighted average of every variable received, in its shape (what a
        server optimiser steps with; :meth:`result` casts to the variables' dtypes)."""
        self.settle()
        return {
            name: (total / self._weights[name]).reshape(self._specs[name][0])
            for name, total in self._sums.items()
        }

    def result(
        self, global_model: Mapping[str, Any] | None = None, *, diffs: bool = False
    ) -> dict[str, np.ndarray]:
        """The aggregate.

        Without ``global_model``: the averaged variables only. With it: a full model, in
        the global model's variable order; variables that are excluded or that no client
        sent are the global model's own arrays (not copied). ``diffs=True`` (updates are
        differences) needs ``global_model`` and returns ``global + average difference``.
        """
        if not self._weights:
            raise AggregationError("nothing to aggregate: no update with a non-zero weight")
        if diffs and global_model is None:
            raise AggregationError("aggregating differences needs the current global model")
        base = {name: as_numpy(value) for name, value in (global_model or {}).items()}
        averaged: dict[str, np.ndarray] = {}
        held, held_weight = self._pending or ({}, 0.0)
        for name, weight in self._weights.items():
            shape, dtype = self._specs[name]
            start_from = base.get(name)
            if diffs:
                if start_from is None:
                    raise AggregationError(f"difference for {name!r} has no global variable")
                if start_from.shape != shape:
                    raise AggregationError(
                        f"difference for {name!r} has shape {list(shape)}, global variable "
                        f"{list(start_from.shape)}"
                    )
                dtype = start_from.dtype
            last = None if name not in held else (held[name], held_weight)
            sums = self._sums.get(name)  # None: the held update is the variable's only one
            averaged[name] = _average(
                sums, last, weight, shape, dtype, start_from if diffs else None
            )
        if global_model is None:
            return averaged
        out = {name: averaged.get(name, array) for name, array in base.items()}
        for name, array in averaged.items():
            out.setdefault(name, array)
        return out


def _average(
    total: np.ndarray | None,
    last: tuple[np.ndarray, float] | None,
    weight: float,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    start_from: np.ndarray | None,
) -> np.ndarray:
    """``(total + w * x) / weight`` (+ ``start_from``) in ``dtype``, where ``(x, w)`` is the
    held ``last`` update (either term may be absent, not both): the same float64
    operations as summing ``x`` first, in one pass."""
    size = total.size if total is not None else last[0].size if last is not None else 0
    out = np.empty(size, dtype=dtype)
    base = None if start_from is None else start_from.reshape(-1)
    rounding = dtype.kind in "iub"

    def average(first: int, stop_at: int) -> None:
        scratch = np.empty(min(BLOCK, stop_at - first), dtype=np.float64)
        # base cast to float64 through its own buffer: a mixed-dtype ``+=`` is slower
        cast = None if base is None else np.empty_like(scratch)
        for start in range(first, stop_at, BLOCK):
            stop = min(start + BLOCK, stop_at)
            tmp = scratch[: stop - start]
            if last is not None:
                tmp[...] = last[0][start:stop]  # to float64 first, as when summed
                tmp *= last[1]
                if total is not None:
                    tmp += total[start:stop]
                np.divide(tmp, weight, out=tmp)
            else:
                assert total is not None
                np.divide(total[start:stop], weight, out=tmp)
            if rounding:
                np.rint(tmp, out=tmp)
            if base is not None:
                assert cast is not None
                widened = cast[: stop - start]
                widened[...] = base[start:stop]
                tmp += widened
            if dtype.kind in "iu":
                info = np.iinfo(dtype)
                # float(info.max) + 1 is the first value out of range (2**63 for int64)
                if tmp.size and (tmp.min() < info.min or tmp.max() >= float(info.max) + 1):
                    raise AggregationError(f"the average does not fit {dtype}")
            if dtype.kind == "b":
                out[start:stop] = tmp >= 0.5
            else:
                with np.errstate(over="ignore"):  # the caller checks the result is finite
                    out[start:stop] = tmp

    in_ranges(size, average)
    return out.reshape(shape)


def _weighted(total: np.ndarray, flat: np.ndarray, weight: float, first: int, last: int) -> None:
    """``total = weight * flat`` over ``[first, last)``, block by block (the first update
    of a variable: no zeroing pass)."""
    for start in range(first, last, BLOCK):
        tmp = total[start : min(start + BLOCK, last)]
        tmp[...] = flat[start : start + tmp.size]  # float64 first: no multiply in float32
        tmp *= weight


def _accumulate(total: np.ndarray, flat: np.ndarray, weight: float, first: int, last: int) -> None:
    """``total += weight * flat`` over ``[first, last)``, through a block-sized scratch."""
    scratch = np.empty(min(BLOCK, last - first), dtype=np.float64)
    for start in range(first, last, BLOCK):
        stop = min(start + BLOCK, last)
        tmp = scratch[: stop - start]
        tmp[...] = flat[start:stop]  # to float64 first: the multiply never runs in float32
        tmp *= weight
        total[start:stop] += tmp


def fedavg(
    updates: Iterable[tuple[Mapping[str, Any], float]],
    exclude: ExcludeSpec | VarSelector = None,
    *,
    global_model: Mapping[str, Any] | None = None,
    diffs: bool = False,
) -> dict[str, np.ndarray]:
    """Weighted FedAvg of ``(weights, weight)`` pairs; see :class:`InTimeAccumulator`.

    ``exclude`` (regex or names) variables are not averaged: they keep the global
    model's value when ``global_model`` is given and are left out otherwise.
    """
    accumulator = InTimeAccumulator(exclude)
    for weights, weight in updates:
        accumulator.add(weights, weight)
    return accumulator.result(global_model, diffs=diffs)
