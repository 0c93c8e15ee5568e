"""What the server sends to clients each round: the full global model.

Clara's ``FullModelShareableGenerator``: every task carries the whole global model (not a
difference to the previous one), so a client that joins late or missed rounds needs
nothing else. The server's ``outbound_filters`` run on it first. The tensors are laid out
in frames once per round (:func:`~mmarc.runtime.protocol.prepare`) and that one
:class:`~mmarc.runtime.protocol.Payload` is sent to every client zero-copy: a round
costs one layout, not one per client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..filters import Filter, apply_filters
from ..protocol import DEFAULT_LIMITS, Limits, Payload, chunk_bytes_for, prepare


class FullModelShareable:
    """Builds the per-round payload from the global model.

    ``curve``: the server's connections use CurveZMQ (smaller chunks, see
    :data:`~mmarc.runtime.protocol.CURVE_CHUNK_BYTES`).
    """

    def __init__(
        self,
        outbound_filters: Sequence[Filter] = (),
        limits: Limits = DEFAULT_LIMITS,
        *,
        curve: bool = False,
    ):
        self.filters = list(outbound_filters)
        self.chunk_bytes = chunk_bytes_for(limits, curve=curve)

    def payload(self, weights: Mapping[str, np.ndarray]) -> Payload:
        """The frames every client of this round receives (shared, do not modify
        ``weights`` until the round is over: the frames point into them)."""
        shared = apply_filters(self.filters, weights) if self.filters else weights
        return prepare(shared, chunk_bytes=self.chunk_bytes)
