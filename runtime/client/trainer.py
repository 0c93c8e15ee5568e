"""A client's local training per round, on the single-site executor's :class:`Training`.

The trainer, its data (CacheDataset fills its cache once) and the optimizer are built
once per client process and reused every round; a round only swaps weights in and out.
Optimizer state (Adam moments), the epoch counter and the LR schedule carry over between
rounds, as they did in Clara's client, whose MONAI trainer also lived for the whole run. A
site that starts late (a restarted client process, a federation resumed after round k, a
client that missed rounds) first catches up with the federation's schedule
(:meth:`ClientTrainer.catch_up`): its epoch counter moves to ``completed rounds x
local_epochs`` and its LR scheduler steps the epochs it missed, so every site trains a
round at the same point of the schedule (its optimizer moments cannot be recovered).

``local_epochs``: each round trains that many more epochs. ``steps_aggregation`` > 0:
each round trains that many iterations instead, continuing mid-epoch next round (ignite's
``interrupt``/resume), which is Clara's "aggregate every N steps".

``fedprox_mu`` > 0: FedProx; the trainer's loss gets the proximal term
(:class:`~.proximal.ProximalLoss`), anchored at the weights each round starts from.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..executor import ExecutorError
from ..executor.local import Training
from ..executor.metrics_log import scalars
from .proximal import ProximalLoss

Weights = dict[str, np.ndarray]

#: ``max_epochs`` while training by steps: far away, so only the step count stops a round.
_NO_EPOCH_LIMIT = 10**9


def _tensor(array: np.ndarray) -> torch.Tensor:
    if array.flags.writeable:
        return torch.from_numpy(array)
    with warnings.catch_warnings():  # read-only network buffers: only read by copy_()
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(array)


class ModelReaderWriter:
    """Moves weights between the wire (numpy arrays by name) and the network (Clara's
    ``PTModelReaderWriter``)."""

    def __init__(self, network: torch.nn.Module) -> None:
        self.network = network

    def load(self, weights: Mapping[str, np.ndarray]) -> None:
        """Copy ``weights`` into the network in place. Variables the server did not send
        (excluded by a filter or the persistor) keep their local values; a name the
        network does not have, or a shape it does not fit, is an error."""
        state = self.network.state_dict()
        unknown = sorted(set(weights) - set(state))
        if unknown:
            raise ExecutorError(
                f"the server sent variables this network does not have: {unknown[:5]}"
            )
        with torch.no_grad():
            for name, array in weights.items():
                target = state[name]
                if tuple(target.shape) != tuple(array.shape):
                    raise ExecutorError(
                        f"variable {name!r} is {list(array.shape)} from the server, "
                        f"{list(target.shape)} in this network"
                    )
                target.copy_(_tensor(array))

    def weights(self) -> Weights:
        """The network's variables as numpy copies."""
        return {
            k: v.detach().to("cpu", copy=True).numpy() for k, v in self.network.state_dict().items()
        }

    def difference(
        self, base: Mapping[str, np.ndarray], out: MutableMapping[str, np.ndarray] | None = None
    ) -> Weights:
        """Local minus ``base`` for every variable ``base`` has (what the client learned).

        ``out``: arrays of an earlier round to write the differences into (reused where
        name, shape and dtype fit; new ones are put there for the next round). Why: a
        fresh 100 MB result each round costs its page faults again (~0.1 s on a VM) and
        holds a second copy until the old one is freed."""
        state = self.network.state_dict()
        result: Weights = {}
        for name, array in base.items():
            local = state[name].detach().cpu()
            if local.dtype == torch.bool:
                result[name] = local.numpy().copy()  # a mask has no difference: send it whole
                continue
            mine = local.numpy()
            target = None if out is None else out.get(name)
            if (
                target is not None
                and target.shape == mine.shape
                and target.dtype == mine.dtype == array.dtype
                and target.flags.writeable
            ):
                np.subtract(mine, array, out=target)
                result[name] = target
                continue
            result[name] = (local - _tensor(array).to(local.dtype)).numpy()
            if out is not None:
                out[name] = result[name]
        return result


@dataclass(frozen=True)
class LocalRound:
    """What one round of local training did."""

    steps: int
    samples: int
    seconds: float
    metrics: dict[str, float]  # trainer metrics and the last local validation, if any


class ClientTrainer:
    """Runs a round of local training (Clara's ``ClientTrainer`` arguments)."""

    def __init__(
        self,
        training: Training,
        local_epochs: int = 1,
        steps_aggregation: int = 0,
        fedprox_mu: float = 0.0,
    ):
        self.training = training
        self.local_epochs = local_epochs
        self.steps_aggregation = steps_aggregation
        self.proximal = self._proximal(fedprox_mu) if fedprox_mu > 0 else None
        self._stop_at: int | None = None
        self._training = False
        self._validated: dict[str, float] = {}
        from ignite.engine import Events

        if steps_aggregation > 0:
            training.trainer.add_event_handler(Events.ITERATION_COMPLETED, self._maybe_stop)
        if training.evaluator is not None:
            training.evaluator.add_event_handler(Events.COMPLETED, self._on_validation)

    def _proximal(self, mu: float) -> ProximalLoss:
        trainer = self.training.trainer
        loss = getattr(trainer, "loss_function", None)
        if not callable(loss):
            raise ExecutorError(
                "fedprox_mu needs a trainer with a loss_function (a MONAI SupervisedTrainer)",
                "/fl/client/client_trainer/args/fedprox_mu",
            )
        proximal = ProximalLoss(loss, self.training.network, mu)
        trainer.loss_function = proximal
        return proximal

    def _on_validation(self, engine: Any) -> None:
        """Keep the metrics of validations run *by training* (the plan's ValidationHandler),
        not those of the client validating a received model."""
        if self._training:
            self._validated = scalars(engine.state.metrics)

    def _schedule_handler(self) -> Any | None:
        """The LrScheduleHandler attached to the trainer, if any."""
        from monai.handlers import LrScheduleHandler

        for handlers in getattr(self.training.trainer, "_event_handlers", {}).values():
            for entry in handlers:
                if isinstance(entry[0], LrScheduleHandler):
                    return entry[0]
        return None

    def catch_up(self, completed_rounds: int) -> int:
        """Move this site to where the federation's schedule is after ``completed_rounds``
        rounds; returns the epochs it skipped (0 for a site that trained every round).

        Only forward, and only when training by epochs; a scheduler stepped with a metric
        (``ReduceLROnPlateau``) cannot be replayed and is left as it is.
        """
        if self.steps_aggregation > 0 or completed_rounds <= 0:
            return 0
        state = self.training.trainer.state
        target = completed_rounds * self.local_epochs
        missed = target - int(state.epoch)
        if missed <= 0:
            return 0
        length = max(int(state.epoch_length or 0), 1)
        state.epoch = target
        state.iteration = target * length
        handler = self._schedule_handler()
        if handler is not None and not handler.step_transform(self.training.trainer):
            steps = missed if handler.epoch_level else missed * length
            with warnings.catch_warnings():  # stepped without optimizer.step(): on purpose
                warnings.simplefilter("ignore", UserWarning)
                for _ in range(steps):
                    handler.lr_scheduler.step()
        return missed

    def _maybe_stop(self, engine: Any) -> None:
        if self._stop_at is not None and engine.state.iteration >= self._stop_at:
            engine.interrupt()

    def close(self) -> None:
        """End a run left suspended by ``steps_aggregation`` (ignite keeps the interrupted
        epoch as a generator). Closed here, while the engine is alive, it ends quietly;
        left to the garbage collector it would print an ignite error at exit."""
        trainer = self.training.trainer
        generator = getattr(trainer, "_internal_run_generator", None)
        if generator is None:
            return
        logger = getattr(trainer, "logger", None)
        if logger is not None:
            logger.disabled = True
        try:
            generator.close()
        except Exception:  # ignite reports GeneratorExit as an engine failure; not one
            pass
        finally:
            trainer._internal_run_generator = None
            if logger is not None:
                logger.disabled = False

    @property
    def batch_size(self) -> int:
        loader = getattr(self.training.trainer, "data_loader", None)
        size = getattr(loader, "batch_size", None)
        return int(size) if isinstance(size, int) else 1

    def train(self, completed_rounds: int | None = None) -> LocalRound:
        """Train one round; raises :class:`ExecutorError` with the failure.

        Args:
            completed_rounds: rounds the federation completed before this one; given, a
                site behind the schedule catches up first (:meth:`catch_up`).
        """
        if completed_rounds is not None:
            self.catch_up(completed_rounds)
        trainer = self.training.trainer
        before = int(trainer.state.iteration)
        started = time.perf_counter()
        self._validated = {}
        self._training = True
        if self.proximal is not None:
            self.proximal.anchor()  # the weights this round starts from: the global model
        try:
            if self.steps_aggregation > 0:
                self._stop_at = before + self.steps_aggregation
                trainer.state.max_epochs = _NO_EPOCH_LIMIT
                trainer.run()
            else:
                self.training.run_epochs(self.local_epochs)
        except ExecutorError:
            raise
        except Exception as exc:
            state = trainer.state
            raise ExecutorError(
                f"local training failed at epoch {state.epoch}, iteration {state.iteration}: "
                f"{type(exc).__name__}: {exc}",
                "/train/trainer",
            ) from exc
        finally:
            self._training = False
        steps = int(trainer.state.iteration) - before
        metrics = scalars(trainer.state.metrics)
        metrics.update(self._validated)
        return LocalRound(
            steps=steps,
            samples=steps * self.batch_size,
            seconds=time.perf_counter() - started,
            metrics=metrics,
        )
