"""Clara's outbound filters: ExcludeVars, PercentilePrivacy, SVTPrivacy.

Same names, arguments and defaults as Clara Train 4.0 configs, so an MMAR's
``config_fed_client.json`` keeps working; the code is this project's own. The privacy
filters act on weight *differences* (what the client learned this round), treat all
floating-point tensors as one vector (the percentile and the SVT budget are global, not
per layer) and pass scalars and integer variables through unchanged.

``local_steps``: Clara divides the differences by the round's local iterations before
thresholding and clipping and multiplies back afterwards, so that ``gamma`` and ``tau``
do not depend on how long the client trained. Pass it to ``__call__`` to do the same;
left out, the differences are used as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from mmarc.catalog.constraints import domain

from ..aggregation.selection import ExcludeSpec, VarSelector
from .base import check_number, float_arrays, register_filter


def _flatten(weights: Mapping[str, Any], names: list[str], scale: float) -> np.ndarray:
    if not names:
        return np.empty(0, dtype=np.float64)
    flat = np.concatenate(
        [np.asarray(weights[name], dtype=np.float64).reshape(-1) for name in names]
    )
    if scale != 1.0:
        flat /= scale
    return flat


def _unflatten(
    weights: Mapping[str, Any], names: list[str], flat: np.ndarray, scale: float
) -> dict[str, np.ndarray]:
    out = dict(weights)
    if scale != 1.0:
        flat = flat * scale
    start = 0
    for name in names:
        original = np.asarray(weights[name])
        stop = start + original.size
        out[name] = flat[start:stop].reshape(original.shape).astype(original.dtype)
        start = stop
    return out


def _in_domain(filter_name: str, arg: str, value: Any) -> float:
    """``value`` checked against the filter's row of the constraints table (validate's too)."""
    row = domain(f"mmarc.runtime.filters.{filter_name}", arg)
    low = row.low if row.low is not None else -math.inf
    high = row.high if row.high is not None else math.inf
    return check_number(arg, value, low, high, lo_open=row.low_open)


def _scale(local_steps: float | None) -> float:
    if local_steps is None:
        return 1.0
    return check_number("local_steps", local_steps, 0.0, math.inf, lo_open=True)


@register_filter
class ExcludeVars:
    """Drop variables from the outbound update (they then keep the server's value).

    ``exclude_vars``: a regex searched in each name (``"dummy"``, ``"^.*running.*$"``)
    or a list of exact names; None excludes nothing.
    """

    def __init__(self, exclude_vars: ExcludeSpec = None) -> None:
        self.selector = VarSelector(exclude_vars)

    def __call__(self, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {name: value for name, value in weights.items() if not self.selector(name)}


@register_filter
class PercentilePrivacy:
    """Share only the largest differences (Shokri & Shmatikov, CCS 2015).

    Differences whose absolute value is below the ``percentile``-th percentile of all
    absolute differences become 0; the rest are kept and clipped to ``[-gamma, gamma]``.
    The cutoff is ``numpy.percentile`` (linear interpolation) over every floating-point
    element; elements with ``|d| >= cutoff`` survive.
    """

    def __init__(self, percentile: float = 10, gamma: float = 0.01) -> None:
        self.percentile = _in_domain("PercentilePrivacy", "percentile", percentile)
        self.gamma = _in_domain("PercentilePrivacy", "gamma", gamma)

    def __call__(
        self, weights: Mapping[str, np.ndarray], *, local_steps: float | None = None
    ) -> dict[str, np.ndarray]:
        scale = _scale(local_steps)
        names = float_arrays(weights)
        flat = _flatten(weights, names, scale)
        if flat.size:
            cutoff = np.percentile(np.abs(flat), self.percentile)
            flat[np.abs(flat) < cutoff] = 0.0
            np.clip(flat, -self.gamma, self.gamma, out=flat)
        return _unflatten(weights, names, flat, scale)


@register_filter
class SVTPrivacy:
    """Differentially private release of a sparse subset of the differences.

    The sparse vector technique as in Lyu, Su & Li (VLDB 2017): differences are clipped
    to ``[-gamma, gamma]`` (so one query's sensitivity is ``gamma``); a noisy threshold
    ``tau + Lap(gamma / eps1)`` is drawn once; elements are visited in random order and
    an element is selected when ``|d| + Lap(2 c gamma / eps2)`` reaches the threshold,
    until ``c = ceil(fraction * n)`` are selected. Selected elements are released as
    ``clip(d + Lap(noise_var), -gamma, gamma)``, all others as 0. The budget ``epsilon``
    is split ``eps1 : eps2 = 1 : (2c)^(2/3)``, the split the paper shows minimises error.

    ``seed`` makes the noise reproducible (one ``numpy.random.Generator`` per filter,
    so successive calls differ but a rerun repeats them).
    """

    def __init__(
        self,
        fraction: float = 0.1,
        epsilon: float = 0.1,
        noise_var: float = 0.1,
        gamma: float = 1e-5,
        tau: float = 1e-6,
        seed: int | None = None,
    ) -> None:
        self.fraction = _in_domain("SVTPrivacy", "fraction", fraction)
        self.epsilon = _in_domain("SVTPrivacy", "epsilon", epsilon)
        self.noise_var = _in_domain("SVTPrivacy", "noise_var", noise_var)
        self.gamma = _in_domain("SVTPrivacy", "gamma", gamma)
        self.tau = _in_domain("SVTPrivacy", "tau", tau)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.rng = np.random.default_rng(seed)

    def __call__(
        self, weights: Mapping[str, np.ndarray], *, local_steps: float | None = None
    ) -> dict[str, np.ndarray]:
        scale = _scale(local_steps)
        names = float_arrays(weights)
        flat = _flatten(weights, names, scale)
        if flat.size:
            flat = self._release(flat)
        return _unflatten(weights, names, flat, scale)

    def _release(self, diff: np.ndarray) -> np.ndarray:
        rng, gamma = self.rng, self.gamma
        n = diff.size
        wanted = min(n, math.ceil(n * self.fraction))
        eps1 = self.epsilon / (1.0 + (2.0 * wanted) ** (2.0 / 3.0))
        eps2 = self.epsilon - eps1
        clipped = np.clip(diff, -gamma, gamma)
        threshold = self.tau + rng.laplace(scale=gamma / eps1)
        query_scale = 2.0 * wanted * gamma / eps2
        order = rng.permutation(n)
        chosen: list[np.ndarray] = []
        found = 0
        block = max(4096, 2 * wanted)
        for start in range(0, n, block):
            candidates = order[start : start + block]
            noisy = np.abs(clipped[candidates]) + rng.laplace(
                scale=query_scale, size=candidates.size
            )
            passed = candidates[noisy >= threshold][: wanted - found]
            chosen.append(passed)
            found += passed.size
            if found >= wanted:
                break
        selected = np.concatenate(chosen)
        out = np.zeros_like(diff)
        noise = rng.laplace(scale=self.noise_var, size=selected.size) if self.noise_var else 0.0
        out[selected] = np.clip(clipped[selected] + noise, -gamma, gamma)
        return out
