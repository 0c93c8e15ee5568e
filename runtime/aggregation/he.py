"""FedAvg over ciphertexts: the server adds what it cannot read.

Clara's / NVFlare's ``HEInTimeAccumulateWeightedAggregator``. The sites seal (encrypt)
their local weights with their weight applied (:mod:`mmarc.runtime.filters.he`); this
strategy adds the sealed layers as they arrive, multiplying a ciphertext by the server's
own aggregation weight for the site when it is not 1 (a plaintext scalar: one CKKS
level), and adds the weights alongside. When the round closes it multiplies each sum by
``1 / total weight`` (a plaintext scalar again), so the global model is the encrypted
average; the rescale drops a modulus level, which makes that model about half the size
and much cheaper for the sites to load and decrypt. When its own weights already used
the level, it leaves the sums as they are, with their total weight beside them
(:mod:`mmarc.runtime.security.ckks`), and the sites divide after decrypting. Either way
the server never decrypts, and holds only the public context, which cannot. Variables
the sites leave unencrypted (``encrypt_layers``, integer buffers) take the plain path,
:class:`~.strategy.FedAvg`, with the same weights.

What the server checks of a sealed update (it comes from the network): the companion
array (weight, shape), the shape against the global model, the ciphertext parses as a
CKKS vector of the server's context with that many values, and a layer is sealed by
every site or by none (the first update of the round fixes which, then the global
model does). It cannot check the values: that is the point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..security.ckks import (
    SEAL_SUFFIX,
    HEError,
    SealedLayer,
    ciphertext_nbytes,
    is_companion,
    pack,
    read_sealed,
    sealed_names,
    vector_of,
)
from .fedavg import AggregationError, update_weight
from .selection import ExcludeSpec, VarSelector
from .strategy import FedAvg, UpdateKind, Weights

__all__ = ["HEFedAvg"]


class HEFedAvg:
    """Weighted FedAvg of sealed updates with a public CKKS ``context``.

    ``weight_of(site)``: the server's aggregation weight of a site (plaintext; default 1).
    """

    name = "HEFedAvg"

    def __init__(
        self,
        context: Any,
        exclude: ExcludeSpec | VarSelector = None,
        weight_of: Callable[[str], float] | None = None,
    ) -> None:
        if context.is_private():
            raise HEError("the server's context holds a secret key; give it the public one")
        self.context = context
        self.exclude = VarSelector.of(exclude)
        self.weight_of = weight_of
        self.plain = FedAvg(self.exclude)
        self._global: dict[str, Any] = {}
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._sealed: set[str] | None = None
        self._sums: dict[str, Any] = {}
        self._weights: dict[str, float] = {}
        self._scaled = False  # a ciphertext was multiplied this round: no level left
        self.count = 0

    def begin_round(self, global_weights: Mapping[str, np.ndarray]) -> None:
        self._global = dict(global_weights)
        sealed = sealed_names(global_weights)
        self._shapes = {}
        for name in sealed:
            try:
                self._shapes[name] = read_sealed(global_weights, name).shape
            except HEError as exc:
                raise AggregationError(f"the global model: {exc}") from None
        plain = {k: v for k, v in global_weights.items() if k not in sealed and not is_companion(k)}
        self._shapes.update({k: np.shape(v) for k, v in plain.items()})
        self.plain.begin_round(plain)
        self._sealed = set(sealed) or None
        self._sums.clear()
        self._weights.clear()
        self._scaled = False
        self.count = 0

    def expected_upload(self, global_weights: Mapping[str, np.ndarray]) -> tuple[int, int]:
        """(bytes, tensors) an honest update may take: every floating-point variable
        sealed at most (for the transport's frame budgets)."""
        nbytes = tensors = 0
        for shape in self._shapes_of(global_weights).values():
            count = int(np.prod(shape))
            nbytes += ciphertext_nbytes(self.context, count) + 8 * (2 + len(shape))
            tensors += 2
        return nbytes, tensors

    def _shapes_of(self, weights: Mapping[str, np.ndarray]) -> dict[str, tuple[int, ...]]:
        sealed = set(sealed_names(weights))
        out = {}
        for name, value in weights.items():
            if is_companion(name):
                continue
            out[name] = read_sealed(weights, name).shape if name in sealed else np.shape(value)
        return out

    def accept(
        self, update: Mapping[str, Any], weight: float, *, kind: UpdateKind, source: str = ""
    ) -> None:
        who = f" from {source!r}" if source else ""
        sealed = [n for n in sealed_names(update) if not (self.exclude and self.exclude(n))]
        loose = [n for n in update if is_companion(n) and n[: -len(SEAL_SUFFIX)] not in update]
        if loose:
            raise AggregationError(f"{loose[0]!r}{who} has no sealed layer beside it")
        if sealed and kind != "weights":
            raise AggregationError(f"sealed layers{who} must be weights, not {kind!r}")
        must = self._sealed if self._sealed is not None else set(sealed)
        plain = {
            k: v
            for k, v in update.items()
            if not is_companion(k) and k not in sealed and not (self.exclude and self.exclude(k))
        }
        leaked = sorted(set(plain) & must)
        if leaked:
            raise AggregationError(f"variable {leaked[0]!r}{who} must be encrypted")
        stray = sorted(set(sealed) - must)
        if stray:
            raise AggregationError(f"variable {stray[0]!r}{who} is sealed, the others' are not")
        scale = 1.0 if self.weight_of is None else float(self.weight_of(source))
        layers = self._read(update, sealed, who)
        factors = {layer.weight for layer in layers}
        if len(factors) > 1:
            raise AggregationError(f"the sealed layers{who} carry different weights")
        site_weight = update_weight(scale, factors.pop() if factors else 1.0)
        staged = self._staged(layers, self._vectors(layers, who), scale, who)
        if plain:
            self.plain.accept(plain, site_weight if layers else weight, kind=kind, source=source)
        # nothing below can fail: the update counts whole or not at all
        self._sealed = must
        self.count += 1
        self._scaled = self._scaled or (bool(staged) and scale != 1.0)
        self._sums.update(staged)
        for layer in layers:
            if layer.weight:
                self._weights[layer.name] = (
                    self._weights.get(layer.name, 0.0) + scale * layer.weight
                )

    def _staged(
        self, layers: list[SealedLayer], vectors: list[Any], scale: float, who: str
    ) -> dict[str, Any]:
        """The new sums with this update added (new objects: the old sums are untouched);
        a ciphertext TenSEAL cannot scale or add (a hostile one at the last level, of
        another scale) refuses the update."""
        staged: dict[str, Any] = {}
        try:
            for layer, vector in zip(layers, vectors, strict=True):
                if layer.weight == 0 or scale == 0:
                    continue
                if scale != 1.0:
                    vector = vector * scale
                total = self._sums.get(layer.name)
                staged[layer.name] = vector if total is None else total + vector
        except HEError as exc:
            raise AggregationError(f"the sealed update{who} cannot be added: {exc}") from None
        return staged

    def _read(self, update: Mapping[str, Any], names: list[str], who: str) -> list[SealedLayer]:
        layers = []
        for name in names:
            try:
                layer = read_sealed(update, name)
            except HEError as exc:
                raise AggregationError(f"{exc}{who}") from None
            shape = self._shapes.get(name)
            if shape is None:
                raise AggregationError(f"variable {name!r}{who} is not in the global model")
            if tuple(shape) != layer.shape:
                raise AggregationError(
                    f"sealed {name!r}{who} has shape {list(layer.shape)}, the global model "
                    f"{list(shape)}"
                )
            layers.append(layer)
        return layers

    def _vectors(self, layers: list[SealedLayer], who: str) -> list[Any]:
        out = []
        for layer in layers:
            try:
                out.append(vector_of(self.context, layer))
            except HEError as exc:
                raise AggregationError(f"{exc}{who}") from None
        return out

    def _average(self, name: str) -> Weights:
        """The sealed layer of a variable's sum: divided on the server when a level is
        left for it, else with its total weight for the sites to divide by."""
        total, weight = self._sums[name], self._weights[name]
        if not self._scaled:
            try:
                return pack(name, total * (1.0 / weight), self._shapes[name], 1.0)
            except HEError:  # a site's ciphertext left no level for it
                pass
        return pack(name, total, self._shapes[name], weight)

    def while_waiting(self) -> None:
        """More updates are coming: the plain layers' latest update is summed now."""
        self.plain.while_waiting()

    def finish(self) -> Weights:
        if not self.count or (not self._sums and not self.plain.accumulator.names()):
            raise AggregationError("nothing to aggregate: no update with a non-zero weight")
        plain = self.plain.finish() if self.plain.accumulator.names() else {}
        out: Weights = {}
        for name, value in self._global.items():
            if is_companion(name):
                continue
            if name in self._sums:
                out.update(self._average(name))
            elif name in plain:
                out[name] = plain[name]
            else:  # not sent this round: the global model's own (sealed or plain)
                out[name] = value
                companion = name + SEAL_SUFFIX
                if companion in self._global:
                    out[companion] = self._global[companion]
        return out
