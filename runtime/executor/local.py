"""Single-site training from a plan: ``mmarc run MMAR --local``.

:func:`build_training` turns the plan's ``train``/``validate`` sections into a MONAI
SupervisedTrainer (and its evaluator) on one device; the federated client reuses it for
its local epochs, with :func:`get_weights` / :func:`set_weights` to exchange weights.

:func:`run_local` drives a whole run around it, adding what Clara's runtime did and a
safe CLI needs: deterministic seeding, validation every ``num_interval_per_valid``
epochs (when the config has no ValidationHandler of its own), ``metrics.jsonl``, the
latest checkpoint (``MMAR_CKPT``, default ``models/model.pt``) after every epoch and at
the end, the best checkpoint by key metric (``models/best_model.pt``), resuming, progress
events, and a consistent checkpoint when interrupted with Ctrl-C: the first SIGINT asks the
engines to stop after the current iteration, the checkpoint is written atomically, and
:class:`RunInterrupted` is raised (a second Ctrl-C aborts at once; the last checkpoint
on disk is still whole, since every write is an atomic rename).

Resuming (``resume``):

* ``None`` (default) honours the plan like Clara did: each enabled ``CheckpointLoader``
  in the train handlers loads its ``load_dict`` entries from its ``load_path`` (a
  ``"trainer"`` entry also restores the epoch count); disabled loaders
  (``"disabled": "{dont_load_ckpt_model}"``) load nothing. Without any CheckpointLoader,
  ``settings.dont_load_ckpt_model: false`` loads the network from ``MMAR_CKPT``.
* ``True`` continues an earlier run: network, optimizer, LR scheduler, completed epochs
  and best metric from the loader's ``load_path`` (or ``MMAR_CKPT``), then trains the
  remaining epochs up to the trainer's ``max_epochs``.
* ``False`` loads nothing.
"""

from __future__ import annotations

import signal
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from mmarc.runtime.events import Subscriber, emit
from mmarc.runtime.executor.builder import Builder, warn_unsupported_settings
from mmarc.runtime.executor.checkpoints import atomic_save
from mmarc.runtime.executor.errors import ExecutorError, RunInterrupted
from mmarc.runtime.executor.metrics_log import LossMeter, MetricsLog, loss_of, scalars
from mmarc.runtime.executor.plan import ckpt_dir, final_ckpt
from mmarc.runtime.executor.resume import (
    Restored,
    best_path,
    lower_is_better,
    restore,
    saver_extras,
)

from mmarc.plan import Plan

CUDA_MISSING = (
    "CUDA was requested but torch.cuda.is_available() is false on this machine; use --device cpu"
)


def resolve_device(device: str | torch.device) -> torch.device:
    """``device`` as a torch.device, refusing CUDA on a machine without it."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ExecutorError(f"unknown device {device!r}: {exc}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ExecutorError(CUDA_MISSING)
    return dev


def apply_settings(settings: Mapping[str, Any], device: torch.device) -> None:
    """Seeding and backend switches from the plan's top-level settings."""
    determinism = settings.get("determinism")
    if isinstance(determinism, Mapping) and determinism.get("random_seed") is not None:
        from monai.utils import set_determinism

        try:
            seed = int(determinism["random_seed"])
        except (TypeError, ValueError):
            raise ExecutorError(
                "random_seed must be an integer", "/settings/determinism/random_seed"
            ) from None
        set_determinism(seed=seed)
    if device.type == "cuda":
        if "cudnn_benchmark" in settings:
            torch.backends.cudnn.benchmark = bool(settings["cudnn_benchmark"])
        if "tf32" in settings:
            torch.backends.cuda.matmul.allow_tf32 = bool(settings["tf32"])
            torch.backends.cudnn.allow_tf32 = bool(settings["tf32"])


@dataclass
class Training:
    """The built objects of a plan's train/validate sections on one device."""

    builder: Builder
    trainer: Any  # monai.engines.SupervisedTrainer
    evaluator: Any | None  # monai.engines.SupervisedEvaluator
    network: torch.nn.Module
    optimizer: Any | None
    lr_scheduler: Any | None
    device: torch.device

    @property
    def epoch_length(self) -> int:
        return int(self.trainer.state.epoch_length or 0)

    def run_epochs(self, epochs: int) -> None:
        """Train ``epochs`` more epochs (for a federated round), validating as configured."""
        state = self.trainer.state
        state.max_epochs = int(state.epoch) + int(epochs)
        self.trainer.run()

    def checkpoint(self, best: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The latest-checkpoint dict (format in :mod:`.checkpoints`)."""
        data = saver_extras(self.builder, ("train", "validate"))
        data["model"] = self.network.state_dict()
        if self.optimizer is not None:
            data["optimizer"] = self.optimizer.state_dict()
        if self.lr_scheduler is not None and hasattr(self.lr_scheduler, "state_dict"):
            data["lr_scheduler"] = self.lr_scheduler.state_dict()
        length = max(self.epoch_length, 1)
        done = int(self.trainer.state.iteration) // length
        data["trainer"] = {"epoch": done, "iteration": done * length, "epoch_length": length}
        if best:
            data["best"] = dict(best)
        return data


def build_training(plan: Plan, mmar_root: Path, device: str | torch.device = "cpu") -> Training:
    """Build the trainer, its evaluator and the network of ``plan`` for ``mmar_root``.

    Every expression and component class of the plan is checked first; nothing is built
    when one is refused. Raises :class:`ExecutorError` naming the plan pointer.
    """
    dev = resolve_device(device)
    settings = plan.settings
    warn_unsupported_settings(settings)
    builder = Builder(plan, Path(mmar_root), dev)
    apply_settings(settings, dev)
    if not builder.has("/train/trainer"):
        raise ExecutorError("the plan has no train.trainer to run", "/train")
    trainer = builder.ref("/train/trainer")
    if not hasattr(trainer, "run") or not hasattr(trainer, "state"):
        raise ExecutorError("train.trainer is not an ignite/MONAI engine", "/train/trainer")
    evaluator = builder.built("/validate/evaluator")
    if evaluator is None and builder.has("/validate/evaluator"):
        evaluator = builder.ref("/validate/evaluator")
        if evaluator is not None:
            _attach_validation(trainer, evaluator, settings)
    network = getattr(trainer, "network", None)
    if not isinstance(network, torch.nn.Module):
        raise ExecutorError("the trainer has no network (torch.nn.Module)", "/train/trainer")
    return Training(
        builder=builder,
        trainer=trainer,
        evaluator=evaluator,
        network=network,
        optimizer=getattr(trainer, "optimizer", None),
        lr_scheduler=builder.built("/train/lr_scheduler"),
        device=dev,
    )


def _attach_validation(trainer: Any, evaluator: Any, settings: Mapping[str, Any]) -> None:
    """Validate every ``num_interval_per_valid`` epochs when the config did not say how."""
    from monai.handlers import ValidationHandler

    interval = settings.get("num_interval_per_valid", 1)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise ExecutorError(
            "num_interval_per_valid must be a positive integer", "/settings/num_interval_per_valid"
        )
    ValidationHandler(interval=interval, validator=evaluator, epoch_level=True).attach(trainer)


def get_weights(network: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached CPU copy of the network's ``state_dict`` (parameters and buffers)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in network.state_dict().items()}


def set_weights(
    network: torch.nn.Module, weights: Mapping[str, torch.Tensor], *, strict: bool = True
) -> None:
    """Load ``weights`` into ``network`` in place, on the network's device."""
    try:
        network.load_state_dict(dict(weights), strict=strict)
    except (RuntimeError, KeyError) as exc:
        raise ExecutorError(f"weights do not fit the network: {exc}") from exc


# ---------------------------------------------------------------------------------------
# run_local
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """What a finished local run produced."""

    epochs: int  # epochs completed in total (resumed ones included)
    iterations: int
    metrics: dict[str, Any]  # the last metrics.jsonl row ({} when nothing was evaluated)
    best_metric: str | None  # key metric name, e.g. "val_acc"
    best_value: float | None
    best_epoch: int | None
    model_path: Path
    best_model_path: Path | None
    metrics_path: Path
    wall_time_s: float
    resumed_from: Path | None


def run_local(
    plan: Plan,
    mmar_root: Path,
    *,
    device: str = "cpu",
    output_dir: Path | None = None,
    resume: bool | None = None,
    on_event: Subscriber | None = None,
) -> RunResult:
    """Train ``plan`` on this machine; see the module docstring for what is written.

    ``on_event`` hears ``train_start``, ``iteration``, ``metric`` and ``train_end``
    (:mod:`mmarc.runtime.events`); the CLI draws its progress bar from them.
    """
    started = time.perf_counter()
    root = Path(mmar_root).resolve()
    training = build_training(plan, root, device)
    restored = restore(training, plan, root, resume)
    run = _Run(training, plan, root, output_dir, restored, on_event, started)
    return run.execute()


class _Run:
    """One run_local invocation: event handlers, files and interrupt handling."""

    def __init__(
        self,
        training: Training,
        plan: Plan,
        root: Path,
        output_dir: Path | None,
        restored: Restored,
        on_event: Subscriber | None,
        started: float,
    ) -> None:
        self.t = training
        self.plan = plan
        self.started = started
        self.restored = restored
        self.model_path = final_ckpt(plan, root)
        self.best_path = best_path(training.builder, ckpt_dir(plan, root))
        out = Path(output_dir) if output_dir is not None else ckpt_dir(plan, root)
        self.metrics = MetricsLog(out / "metrics.jsonl")
        if restored.epochs == 0:
            self.metrics.path.unlink(missing_ok=True)  # a fresh run starts a fresh log
        self.loss = LossMeter()
        self.best: dict[str, Any] | None = restored.best
        self.lower_is_better = lower_is_better(training.builder)
        self.interrupted = False  # first Ctrl-C: stop after the current iteration
        self.aborted = False  # KeyboardInterrupt: stop at once
        self.finishing = False
        self.max_epochs = int(training.trainer.state.max_epochs or 0)
        self.on_event = on_event

    # -- events ----------------------------------------------------------------------------

    def attach(self) -> None:
        from ignite.engine import Events

        trainer, evaluator = self.t.trainer, self.t.evaluator
        trainer.add_event_handler(Events.ITERATION_COMPLETED, self._on_iteration)
        trainer.add_event_handler(Events.EPOCH_COMPLETED, self._on_epoch)
        if evaluator is not None:
            evaluator.add_event_handler(Events.COMPLETED, self._on_validation)

    def _on_iteration(self, engine: Any) -> None:
        loss = loss_of(engine.state.output)
        if loss is not None:
            self.loss.add(loss)
        emit(self.on_event, "iteration", epoch=int(engine.state.epoch), loss=loss)

    def _row(self, extra: Mapping[str, float]) -> dict[str, Any]:
        state = self.t.trainer.state
        row: dict[str, Any] = {
            "epoch": int(state.epoch),
            "iteration": int(state.iteration),
            "train_loss": self.loss.take(),
        }
        row.update(scalars(state.metrics))
        row.update(extra)
        row["elapsed_s"] = round(time.perf_counter() - self.started, 3)
        return row

    def _on_validation(self, evaluator: Any) -> None:
        if self.interrupted:
            return
        metrics = scalars(evaluator.state.metrics)
        self.metrics.append(self._row(metrics))
        key = getattr(evaluator.state, "key_metric_name", None)
        value = metrics.get(key) if key else None
        if key is None or value is None:
            return
        if self._improves(value):
            self.best = {"metric": key, "value": value, "epoch": int(self.t.trainer.state.epoch)}
            if self.best_path is not None:
                atomic_save(self._best_checkpoint(), self.best_path)
        best = self.best["value"] if self.best else None
        emit(self.on_event, "metric", name=key, value=value, best=best)

    def _on_epoch(self, engine: Any) -> None:
        if self.interrupted:
            return
        if self.t.evaluator is None:
            self.metrics.append(self._row({}))
        atomic_save(self.t.checkpoint(self.best), self.model_path)

    def _improves(self, value: float) -> bool:
        if self.best is None or self.best.get("value") is None:
            return True
        best = float(self.best["value"])
        return value < best if self.lower_is_better else value > best

    def _best_checkpoint(self) -> dict[str, Any]:
        data = saver_extras(self.t.builder, ("validate",))
        data["model"] = self.t.network.state_dict()
        data["best"] = dict(self.best or {})
        return data

    # -- the run ---------------------------------------------------------------------------

    def execute(self) -> RunResult:
        trainer = self.t.trainer
        self.attach()
        with self._sigint_stops_engines():
            self._train()
            self.finishing = True  # from here on Ctrl-C is held off: the end is near
            if self.aborted:
                raise RunInterrupted(
                    "aborted; the checkpoint of the last completed epoch is at "
                    f"{self.model_path} (run again with resume to continue)",
                    self.model_path if self.model_path.exists() else None,
                )
            atomic_save(self.t.checkpoint(self.best), self.model_path)
            if self.interrupted:
                done = int(trainer.state.iteration) // max(self.t.epoch_length, 1)
                raise RunInterrupted(
                    f"interrupted after {done} complete epoch(s); a consistent checkpoint is "
                    f"at {self.model_path} (run again with resume to continue)",
                    self.model_path,
                )
            self._save_final_copies()
        best = self.best or {}
        length = max(self.t.epoch_length, 1)
        return RunResult(
            epochs=int(trainer.state.iteration) // length,
            iterations=int(trainer.state.iteration),
            metrics=dict(self.metrics.rows[-1]) if self.metrics.rows else {},
            best_metric=best.get("metric"),
            best_value=best.get("value"),
            best_epoch=best.get("epoch"),
            model_path=self.model_path,
            best_model_path=self.best_path if self.best_path and self.best_path.exists() else None,
            metrics_path=self.metrics.path,
            wall_time_s=time.perf_counter() - self.started,
            resumed_from=self.restored.path,
        )

    def _train(self) -> None:
        trainer = self.t.trainer
        if self.restored.epochs >= self.max_epochs > 0:
            warnings.warn(
                f"the checkpoint already has {self.restored.epochs} epochs and the trainer's "
                f"max_epochs is {self.max_epochs}; nothing to train (raise epochs to continue)",
                stacklevel=4,
            )
            return
        emit(
            self.on_event,
            "train_start",
            total_epochs=self.max_epochs,
            epoch_length=self.t.epoch_length,
            done_epochs=self.restored.epochs,
        )
        try:
            trainer.run()
        except ExecutorError:
            raise
        except KeyboardInterrupt:
            # a second Ctrl-C (or one outside the main thread): the state may be
            # mid-step, so keep the last whole checkpoint instead of writing this one
            self.aborted = True
        except Exception as exc:
            state = trainer.state
            raise ExecutorError(
                f"training failed at epoch {state.epoch}, iteration {state.iteration}: "
                f"{type(exc).__name__}: {exc}",
                "/train/trainer",
            ) from exc
        finally:
            emit(self.on_event, "train_end")

    def _save_final_copies(self) -> None:
        """A train-section CheckpointSaver with ``save_final`` and ``final_filename``."""
        for saver in self.t.builder.savers("train"):
            args = saver.args
            name = args.get("final_filename")
            if args.get("save_final") and isinstance(name, str) and name:
                target = Path(str(args.get("save_dir") or self.model_path.parent)) / name
                if target.resolve() != self.model_path.resolve():
                    atomic_save(self.t.checkpoint(self.best), target)

    @contextmanager
    def _sigint_stops_engines(self) -> Iterator[None]:
        """First Ctrl-C: stop after the current iteration. Second: KeyboardInterrupt (abort).
        Once training is over, Ctrl-C is ignored while the final checkpoint is written."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_sigint(signum: int, frame: Any) -> None:
            if self.finishing:
                return  # the final checkpoint is being written; let it finish
            if self.interrupted:
                raise KeyboardInterrupt
            self.interrupted = True
            self.t.trainer.terminate()
            if self.t.evaluator is not None:
                self.t.evaluator.terminate()

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
