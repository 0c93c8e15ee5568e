"""Server optimisers on the averaged update: FedAdam and FedYogi.

Reddi et al., "Adaptive Federated Optimization" (ICLR 2021), Algorithm 2: the server
treats the weighted average of the clients' differences, ``delta``, as a pseudo-gradient
and steps with an adaptive optimiser instead of adding it as it is (FedAvg)::

    m     = beta1 * m + (1 - beta1) * delta
    v     = beta2 * v + (1 - beta2) * delta**2                           (FedAdam)
    v     = v - (1 - beta2) * delta**2 * sign(v - delta**2)               (FedYogi)
    w_new = w + eta * m / (sqrt(v) + tau)

per variable and element, with ``m`` starting at 0 and ``v`` at ``tau**2`` (the paper's
``v_{-1} >= tau**2``), and no bias correction. Everything is computed in float64 and cast
to the variable's dtype at the end. The averaging itself (weights, exclusions, checks
against the global model) is :class:`~.strategy.FedAvg`'s.

Which variables: the floating-point ones that at least one client sent this round.
Integer and boolean variables (BatchNorm's ``num_batches_tracked``, masks) take FedAvg's
result; variables no client sent keep their value and their moments. The moments live in
the server process: a restarted server starts them again from ``m = 0, v = tau**2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mmarc.errors import MmarcError

from .fedavg import AggregationError
from .selection import ExcludeSpec, VarSelector
from .strategy import FedAvg, Weights

__all__ = ["FedAdam", "FedOptSettings", "FedOptSettingsError", "FedYogi"]


@dataclass(frozen=True)
class FedOptSettings:
    """The server optimiser's hyper-parameters (the paper's eta, beta1, beta2, tau)."""

    eta: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.99
    tau: float = 1e-3

    def __post_init__(self) -> None:
        for key in ("eta", "beta1", "beta2", "tau"):
            value = getattr(self, key)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise FedOptSettingsError(key, f"must be a finite number, got {value!r}")
            if key in ("eta", "tau") and value <= 0:
                raise FedOptSettingsError(key, f"must be > 0, got {value!r}")
            if key.startswith("beta") and not 0 <= value < 1:
                raise FedOptSettingsError(key, f"must be in [0, 1), got {value!r}")


class FedOptSettingsError(MmarcError, ValueError):
    """A hyper-parameter that is not usable; ``key`` names it, the message says why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class _FedOpt(FedAvg):
    """FedAvg's averaging, then a server optimiser step (:meth:`_second_moment` differs)."""

    def __init__(
        self, settings: FedOptSettings | None = None, exclude: ExcludeSpec | VarSelector = None
    ) -> None:
        super().__init__(exclude)
        self.settings = settings or FedOptSettings()
        self._m: dict[str, np.ndarray] = {}
        self._v: dict[str, np.ndarray] = {}

    def _second_moment(self, v: np.ndarray, squared: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def finish(self) -> Weights:
        averaged = super().finish()  # FedAvg for every variable; raises if nothing came
        s = self.settings
        out = dict(averaged)
        moments: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, mean in self.accumulator.means().items():
            start = self._global[name]
            if start.dtype.kind != "f":
                continue
            base = start.astype(np.float64)
            delta = mean if self.diffs else mean - base
            m = self._m.get(name)
            v = self._v.get(name)
            m = (1 - s.beta1) * delta if m is None else s.beta1 * m + (1 - s.beta1) * delta
            v = self._second_moment(np.full_like(delta, s.tau**2) if v is None else v, delta**2)
            new = base + s.eta * m / (np.sqrt(v) + s.tau)
            if not np.isfinite(new).all():
                raise AggregationError(f"the {self.name} step for {name!r} is not finite")
            out[name] = new.astype(start.dtype)
            moments[name] = (m, v)
        for name, (m, v) in moments.items():  # only a complete step changes the state
            self._m[name], self._v[name] = m, v
        return out


class FedAdam(_FedOpt):
    """FedAvg's average as a pseudo-gradient for Adam on the server (no bias correction)."""

    name = "FedAdam"

    def _second_moment(self, v: np.ndarray, squared: np.ndarray) -> np.ndarray:
        b2 = self.settings.beta2
        return b2 * v + (1 - b2) * squared


class FedYogi(_FedOpt):
    """Like :class:`FedAdam` with Yogi's additive second moment, which grows or shrinks by
    at most ``(1 - beta2) * delta**2`` a round, so a burst of large updates does not
    silence the later ones."""

    name = "FedYogi"

    def _second_moment(self, v: np.ndarray, squared: np.ndarray) -> np.ndarray:
        b2 = self.settings.beta2
        return v - (1 - b2) * squared * np.sign(v - squared)
