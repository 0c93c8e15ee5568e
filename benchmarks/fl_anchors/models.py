"""Models A and B and the client step that every framework in the FL round benchmark runs.

One module, imported unchanged by the NVFlare client script, the Flower ClientApp and (once it
exists) mmarc's benchmark client, so the only thing that differs between frameworks is the
framework. The work per round is deliberately tiny (one SGD step on a batch of 8) so that a
round's wall time is almost entirely framework overhead: configure, send, receive, aggregate.

- A: a small CNN, 1,608,778 parameters, 6.4 MB fp32, inputs 1x28x28.
- B: a wide MLP, 25,055,010 parameters, 100.2 MB fp32, inputs of width 5000; it makes the
  round cost dominated by moving bytes.

Timing convention (the anchor method): ``compute_s`` is the ``time.perf_counter`` span of
`local_train` alone; ``client_s`` adds ``load_state_dict`` before and ``state_dict()`` after.
The framework's own (de)serialization is outside both and so counts as overhead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

BATCH_SIZE = 8
LEARNING_RATE = 0.01
MODEL_NAMES = ("A", "B")


class ModelA(nn.Sequential):
    """Model A: small CNN, 1,608,778 parameters (6.4 MB fp32), inputs 1x28x28.

    A class with a no-argument constructor rather than a bare ``nn.Sequential`` because
    NVFlare's persistor rebuilds the server's model from its class path and init args.
    """

    def __init__(self) -> None:
        super().__init__(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 14 * 14, 256),
            nn.ReLU(),
            nn.Linear(256, 10),
        )


class ModelB(nn.Sequential):
    """Model B: wide MLP, 25,055,010 parameters (100.2 MB fp32), inputs of width 5000."""

    def __init__(self) -> None:
        super().__init__(nn.Linear(5000, 5000), nn.ReLU(), nn.Linear(5000, 10))


def build_model(name: str) -> nn.Module:
    """Build model A or B with a fixed seed, so every framework starts from the same weights."""
    classes: dict[str, type[nn.Module]] = {"A": ModelA, "B": ModelB}
    if name not in classes:
        raise ValueError(f"unknown model {name!r}; expected one of {MODEL_NAMES}")
    torch.manual_seed(0)
    return classes[name]()


def make_batch(name: str, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random inputs and labels for one batch; data loading is not what is measured."""
    gen = torch.Generator().manual_seed(seed)
    shape = (BATCH_SIZE, 1, 28, 28) if name == "A" else (BATCH_SIZE, 5000)
    x = torch.randn(shape, generator=gen)
    y = torch.randint(0, 10, (BATCH_SIZE,), generator=gen)
    return x, y


def setup_threads() -> None:
    """One intra-op thread per client process: up to 8 clients share 2 cores."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)


def local_train(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """One SGD step on one batch; returns (loss, compute seconds). This is *client compute*."""
    start = time.perf_counter()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    value = float(loss.detach())
    return value, time.perf_counter() - start


@dataclass(frozen=True)
class StepResult:
    """What one client round produced, with the two client-side timings of the method."""

    state: dict[str, torch.Tensor]
    loss: float
    compute_s: float
    client_s: float
    bytes_down: int
    bytes_up: int


def state_nbytes(state: Mapping[str, object]) -> int:
    """Payload size of a state dict (tensors or NumPy arrays): what a round moves per client."""
    return sum(int(getattr(v, "nbytes", 0) or 0) for v in state.values())


class Client:
    """A client's model and data, built once per client process and reused every round.

    Why a class: NVFlare's Client API loop keeps its model naturally; Flower's ClientApp
    keeps one in a module-level cache per Ray actor. Both then call `step`.
    """

    def __init__(self, model_name: str, seed: int = 0) -> None:
        setup_threads()
        self.model_name = model_name
        self.model = build_model(model_name)
        self.x, self.y = make_batch(model_name, seed)

    def step(self, state_in: Mapping[str, torch.Tensor]) -> StepResult:
        """load_state_dict, `local_train`, state_dict(): the timed client work of one round."""
        start = time.perf_counter()
        self.model.load_state_dict(dict(state_in))
        loss, compute_s = local_train(self.model, self.x, self.y)
        state = {k: v.detach() for k, v in self.model.state_dict().items()}
        client_s = time.perf_counter() - start
        return StepResult(
            state=state,
            loss=loss,
            compute_s=compute_s,
            client_s=client_s,
            bytes_down=state_nbytes(state_in),
            bytes_up=state_nbytes(state),
        )


_CLIENTS: dict[str, Client] = {}


def cached_client(model_name: str) -> Client:
    """The process's `Client` for a model, built on first use and kept for the process.

    Why: a Flower ClientApp is called afresh for every message, inside a long-lived Ray
    actor, and an actor serves whichever node the round assigns it; keeping one model per
    actor (not per node) makes it live as long as the actor, as NVFlare's Client API loop
    keeps its model for the whole run, and no steady round pays for building a model.
    """
    client = _CLIENTS.get(model_name)
    if client is None:
        client = _CLIENTS[model_name] = Client(model_name, seed=os.getpid())
    return client
