"""FedProx's client side: the local loss plus a proximal term that keeps local training
near the global model the round started from.

Li et al., "Federated Optimization in Heterogeneous Networks" (MLSys 2020): each client
minimises ``loss(w) + mu/2 * ||w - w_global||^2`` instead of ``loss(w)``, which adds
``mu * (w - w_global)`` to every gradient. With sites whose data differ (label skew),
this limits how far each drifts from the others in a round. The server side is plain
FedAvg.

Why wrap the trainer's loss function rather than the gradients: the term is then part
of the loss MONAI's trainer logs and back-propagates, exactly the objective of the
paper, and it works with any optimiser and with AMP. ``w`` are the network's trainable
parameters (buffers such as BatchNorm statistics get no gradient, so no term).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["ProximalLoss"]


class ProximalLoss(torch.nn.Module):
    """``loss(*args) + mu/2 * sum ||p - anchor_p||^2`` over ``network``'s parameters.

    :meth:`anchor` records the current parameters as ``w_global``; the client calls it
    when a round's global model has been loaded, before training.
    """

    def __init__(self, loss: Callable[..., torch.Tensor], network: torch.nn.Module, mu: float):
        super().__init__()
        self.loss = loss
        self.mu = float(mu)
        self._params = [p for p in network.parameters() if p.requires_grad]
        self._anchor: list[torch.Tensor] = []

    def anchor(self) -> None:
        """Take the network's current parameters as the round's global model."""
        with torch.no_grad():
            self._anchor = [p.detach().clone() for p in self._params]

    def term(self) -> torch.Tensor:
        """``mu/2 * ||w - w_global||^2`` (0 before :meth:`anchor`)."""
        if not self._anchor:
            return torch.zeros(())
        total = sum(
            ((p - a).pow(2).sum() for p, a in zip(self._params, self._anchor, strict=True)),
            torch.zeros((), device=self._anchor[0].device),
        )
        return 0.5 * self.mu * total

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        return self.loss(*args, **kwargs) + self.term()
