"""The client process: register, then answer the server's tasks until it says goodbye.

Tasks (``meta["task"]`` of a ``task`` message):

* ``train``: load the global model (after the ``inbound_filters``), validate it on the
  local validation data (the metric goes back for best-model selection), train
  ``local_epochs`` epochs or ``steps_aggregation`` steps, and send back the *difference*
  local - global (Clara 4.0's clients sent weight differences; the privacy filters are
  defined on them) through the ``outbound_filters``, with the number of local steps;
* ``submit_model``: send the final local model (cross-site validation's filters);
* ``validate``: validate every model in the task, and this client's own local model, on
  the local data and send the metrics back.

Only the newest task counts: when several are queued (the server moved on while this
client was busy, or restarted), the older ones are skipped. Heartbeats run on their own
thread (:class:`~mmarc.runtime.transport.ClientEndpoint`), so a long local epoch does not
make the server drop the client; re-registration after a server restart is automatic.
The client gives up when the server has been silent for ``server_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zmq

from mmarc.errors import MmarcError
from mmarc.plan import Plan

from ..deferred import deferred
from ..filters import Filter
from ..filters.he import attach_site_context, encrypts, has_he
from ..heap import built_without_gc
from ..protocol import MessageKind
from ..security.ckks import HEError, sealed_names
from ..server.admission import registration_meta
from ..server.config import filter_chain, server_config
from ..server.events import EventLog, events_path_for
from ..server.tasks import (
    GLOBAL_OWNER,
    OWNER_SEP,
    TASK_SUBMIT,
    TASK_TRAIN,
    TASK_VALIDATE,
    UPLOAD,
    UPLOAD_WHEN_GRANTED,
)
from ..transport import ClientEndpoint, Message, SecurityConfig, TransportError
from .config import ClientConfig, client_config
from .site import with_datalist

log = logging.getLogger(__name__)

LOCAL_MODEL = "local_model.pt"
METRICS_FILE = "metrics.jsonl"
#: Seconds in which a second stop signal counts as the same request (see _gentle_interrupts).
DOUBLE_SIGNAL_S = 3.0
#: Set to a folder (or "1": ``<run>/dump``) to save every update a client sends (tests).
DUMP_ENV = "MMARC_FL_DUMP"

Weights = dict[str, np.ndarray]


class ClientError(MmarcError, RuntimeError):
    """The client cannot go on; the message says why (no traceback needed)."""


@dataclass(frozen=True)
class ClientResult:
    name: str
    rounds: int
    run_dir: Path
    local_model_path: Path | None
    wall_s: float


def _apply(chain: list[Filter], weights: Mapping[str, np.ndarray], steps: int | None) -> Weights:
    """Run a filter chain; privacy filters get the round's local steps (Clara scaling)."""
    out = dict(weights)
    for step in chain:
        if steps and "local_steps" in inspect.signature(step.__call__).parameters:
            out = step(out, local_steps=steps)  # type: ignore[call-arg]
        else:
            out = step(out)
    return out


def _nbytes(tensors: Mapping[str, np.ndarray]) -> int:
    return sum(int(a.nbytes) for a in tensors.values())


class FederatedClient:
    """One client's state across rounds; :meth:`serve` is the loop.

    ``he_context``: the site's secret TenSEAL context file, needed (and only read) when the
    plan's filters encrypt or decrypt (homomorphic encryption); the site then sends its
    local weights sealed instead of differences, and registers with the context's
    fingerprint.
    """

    def __init__(
        self,
        plan: Plan,
        mmar_root: Path,
        name: str,
        server: str,
        run_dir: Path,
        *,
        datalist: Path | None = None,
        device: str = "cpu",
        security: SecurityConfig | None = None,
        run_id: str | None = None,
        events_path: Path | str | None = None,
        register_timeout: float = 60.0,
        server_timeout: float | None = None,
        dump_dir: Path | None = None,
        he_context: Path | None = None,
    ) -> None:
        self.plan = plan
        self.mmar_root = Path(mmar_root)
        self.name = name
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.datalist = datalist
        self.device = device
        self.config: ClientConfig = client_config(plan)
        heart_beat_timeout = server_config(plan).heart_beat_timeout
        self.server_timeout = server_timeout or max(60.0, heart_beat_timeout)
        self.register_timeout = register_timeout
        self.inbound = filter_chain(self.config.inbound_filters, "/fl/client/client")
        self.outbound = filter_chain(self.config.outbound_filters, "/fl/client/client")
        self.cv_inbound = filter_chain(
            self.config.cross_val_inbound_filters, "/fl/client/cross_site_validation"
        )
        self.cv_outbound = filter_chain(
            self.config.cross_val_outbound_filters, "/fl/client/cross_site_validation"
        )
        chains = (self.inbound, self.outbound, self.cv_inbound, self.cv_outbound)
        try:  # the site's secret context, read only when its filters encrypt or decrypt
            self.he_fingerprint = attach_site_context(chains, he_context, name)
        except HEError as exc:
            raise ClientError(str(exc)) from None
        self.events = EventLog(events_path_for(self.run_dir, events_path))
        dump = os.environ.get(DUMP_ENV, "")
        self.dump_dir = dump_dir or (
            (self.run_dir / "dump" if dump in ("1", "true") else Path(dump)) if dump else None
        )
        self.rounds = 0
        self._started = time.monotonic()
        try:
            self.endpoint = ClientEndpoint(
                server,
                name,
                run_id=run_id or plan.mmar_name or "mmarc",
                plan_hash=plan.sha256,
                security=security,
                heartbeat_interval=min(5.0, max(0.2, heart_beat_timeout / 4)),
            )
        except zmq.ZMQError as exc:
            raise ClientError(f"cannot connect to {server}: {exc}") from None
        self.training: Any = None
        self.finished = False
        self._busy = False  # inside validation or training (see _gentle_interrupts)
        self._stopping = False
        #: (round, reply meta, update) of the last train result, sent again if the same
        #: round's task comes again (the server re-sends it after a re-registration)
        self._last: tuple[int, dict[str, Any], Weights] | None = None
        #: Arrays reused every round (see :meth:`build`): the global model is received
        #: into ``_received`` (frames over TCP; None when models come as shared files)
        #: and the update computed into ``_update``, so a round allocates no model-sized
        #: memory after the first.
        self._received: Weights | None = None
        self._update: Weights = {}
        #: a task or goodbye that came while a result waited for its upload slot
        self._pending: Message | None = None

    # -- life cycle --------------------------------------------------------------------------

    def register(self) -> None:
        """Join the federation (raises RegistrationRefused with the server's reason)."""
        extra: dict[str, Any] = {"he": self.he_fingerprint} if self.he_fingerprint else {}
        meta = registration_meta(
            self.plan, cross_validate=self.config.cross_validate, pid=os.getpid(), **extra
        )
        self.endpoint.register(meta, timeout=self.register_timeout)
        log.info("%s registered with the server", self.name)

    def build(self) -> None:
        """Build the local trainer once (data cached, model on the device), without the
        garbage collector rescanning torch's and MONAI's objects meanwhile (:mod:`..heap`)
        and without running what MONAI imports for plotting (:mod:`..deferred`)."""
        with built_without_gc(), deferred():
            self._build()

    def _build(self) -> None:
        from ..executor import build_training
        from .trainer import ClientTrainer, ModelReaderWriter
        from .validator import ClientValidator

        site_plan = with_datalist(self.plan, self.datalist)
        self.training = build_training(site_plan, self.mmar_root, self.device)
        self.rw = ModelReaderWriter(self.training.network)
        self.trainer = ClientTrainer(
            self.training,
            self.config.local_epochs,
            self.config.steps_aggregation,
            fedprox_mu=self.config.fedprox_mu,
        )
        self.validator = ClientValidator(self.training, self.rw)
        # a shared payload (the simulator's ipc://) is read from its mapping, not into
        # buffers: a model-sized copy per site held for nothing (100 MB on model B)
        self._received = None if self.endpoint.shared_payloads else self.rw.weights()

    def serve(self) -> ClientResult:
        """Answer tasks until the server says goodbye."""
        with self._gentle_interrupts():
            while True:
                message = self._next_message()
                if message.kind is MessageKind.BYE:
                    log.info("%s: the server ended the run", self.name)
                    self.finished = True
                    break
                if message.kind is not MessageKind.TASK:
                    continue
                self._handle(message)
        path = self.save_local_model()
        return ClientResult(
            self.name, self.rounds, self.run_dir, path, time.monotonic() - self._started
        )

    @contextlib.contextmanager
    def _gentle_interrupts(self) -> Iterator[None]:
        """Ctrl-C or SIGTERM while training stops the engines after the current iteration
        (as ``mmarc run --local`` does) and then raises KeyboardInterrupt: an exception
        thrown into ignite mid-iteration makes MONAI and ignite log it with a traceback.
        One outside training raises at once, and so does a second one, unless it comes
        within a few seconds: a terminal's Ctrl-C reaches a simulated client both directly
        and as the SIGTERM its parent forwards (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        first: list[float] = []

        def on_signal(signum: int, frame: Any) -> None:
            if self._busy and not self._stopping:
                self._stopping = True
                first.append(time.monotonic())
                for engine in (self.training.trainer, self.training.evaluator):
                    if engine is not None:
                        engine.terminate()
                return
            if first and time.monotonic() - first[0] < DOUBLE_SIGNAL_S:
                return
            raise KeyboardInterrupt

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def _engines_running(self) -> Iterator[None]:
        """Marks validation and training, where a signal stops the engines gently."""
        self._busy = True
        try:
            yield
        finally:
            self._busy = False
        if self._stopping:
            raise KeyboardInterrupt

    def close(self) -> None:
        trainer = getattr(self, "trainer", None)
        if trainer is not None:
            trainer.close()
        # after the server's goodbye there is no one to say goodbye to: a queued ``bye``
        # would only hold the process in ZeroMQ's linger period
        self.endpoint.close(bye=not self.finished)

    def save_local_model(self) -> Path | None:
        if self.training is None:
            return None
        from ..executor.checkpoints import atomic_save

        return atomic_save(
            {"model": self.training.network.state_dict()}, self.run_dir / LOCAL_MODEL
        )

    # -- messages ----------------------------------------------------------------------------

    def _next_message(self) -> Message:
        """The newest task (older queued ones are stale) or a goodbye; waits for it."""
        message, self._pending = self._pending, None
        while message is None:
            message = self._recv_or_give_up()
        while message.kind is not MessageKind.BYE:
            newer = self.endpoint.recv(timeout=0, into=self._received)
            if newer is None:
                break
            if newer.kind in (MessageKind.TASK, MessageKind.BYE):
                message = newer
        return message

    def _recv_or_give_up(self) -> Message | None:
        """The next message, or None after a while; ClientError once the server has been
        silent (no message, no heartbeat answer) for ``server_timeout``."""
        seen = self.endpoint.server_last_seen or self._started
        remaining = seen + self.server_timeout - time.monotonic()
        message = self.endpoint.recv(timeout=max(0.05, remaining), into=self._received)
        if message is None and not self.endpoint.server_alive(self.server_timeout):
            raise ClientError(
                f"the server has been silent for {self.server_timeout:g} s; giving up"
            )
        return message

    def _granted(self, task: Message) -> bool:
        """Under upload slots (the task's meta says so): announce the result of ``task``
        and wait for the server's go-ahead. False when a newer task or the goodbye came
        first: it is kept in ``_pending`` for :meth:`serve`, and the result is not sent
        (the server asks again, by re-sending the task, if it still wants it)."""
        meta = task.meta if isinstance(task.meta, Mapping) else {}
        if meta.get(UPLOAD) != UPLOAD_WHEN_GRANTED:
            return True
        task_id = task.header.msg_id
        asked, status = time.perf_counter(), self.endpoint.status
        self.endpoint.status = "waiting to upload"  # what the admin console shows
        try:
            self.endpoint.send(MessageKind.READY, round=task.round, in_reply_to=task_id)
            while True:
                message = self._recv_or_give_up()
                if message is None:
                    continue
                if message.kind is MessageKind.GRANT and message.header.in_reply_to == task_id:
                    waited = time.perf_counter() - asked
                    ordinal = meta.get("n", task.round + 1)
                    self.events.emit(
                        "upload_granted", round=ordinal, client=self.name, waited_s=waited
                    )
                    return True
                if message.kind in (MessageKind.TASK, MessageKind.BYE):
                    self._pending = message
                    return False
        finally:
            self.endpoint.status = status

    def _handle(self, message: Message) -> None:
        meta = message.meta if isinstance(message.meta, Mapping) else {}
        task = meta.get("task")
        handlers: dict[Any, Callable[[Message, Mapping[str, Any]], None]] = {
            TASK_TRAIN: self._train,
            TASK_SUBMIT: self._submit_model,
            TASK_VALIDATE: self._validate,
        }
        handler = handlers.get(task)
        if handler is None:
            log.warning("%s: unknown task %r ignored", self.name, task)
            return
        from ..executor import ExecutorError

        try:
            handler(message, meta)
        except ExecutorError as exc:
            self._report_failure(message, str(exc))
            raise ClientError(str(exc)) from None

    def _report_failure(self, message: Message, detail: str) -> None:
        with contextlib.suppress(TransportError):
            self.endpoint.send(
                MessageKind.ERROR,
                round=message.round,
                in_reply_to=message.header.msg_id,
                meta={"code": "task_failed", "detail": detail[:1000]},
            )

    def _reply(self, message: Message, meta: Mapping[str, Any], tensors: Any = None) -> None:
        if tensors and not self._granted(message):
            return
        self.endpoint.send(
            MessageKind.RESULT,
            round=message.round,
            in_reply_to=message.header.msg_id,
            meta=meta,
            tensors=tensors,
        )

    # -- tasks -------------------------------------------------------------------------------

    def _train(self, message: Message, meta: Mapping[str, Any]) -> None:
        if self._last is not None and self._last[0] == message.round:
            log.info("%s: round %s asked again; sending the same result", self.name, message.round)
            self._reply(message, self._last[1], self._last[2])
            return
        t_recv = time.time()
        began = time.perf_counter()
        ordinal = meta.get("n", message.round + 1)
        self.endpoint.round = message.round
        self.endpoint.status = "training"
        received = message.tensors
        global_weights = _apply(self.inbound, received, None) if self.inbound else received
        inbound_s = time.perf_counter() - began
        if sealed_names(global_weights):
            raise ClientError(
                "the global model is encrypted and this site's inbound_filters do not "
                "decrypt it (HEModelDecryptor)"
            )
        self.rw.load(global_weights)
        compute_began = time.perf_counter()
        with self._engines_running():
            metrics = self.validator.validate() if self.validator.available else {}
            local = self.trainer.train(completed_rounds=_completed(ordinal))
        compute_s = time.perf_counter() - compute_began
        # a sealed update is added to the others on the server: weights, not differences
        kind = "weights" if encrypts(self.outbound) else "diff"
        update = (
            self.rw.weights()
            if kind == "weights"
            else self.rw.difference(global_weights, out=self._update)
        )
        outbound_began = time.perf_counter()
        if self.outbound:
            update = _apply(self.outbound, update, local.steps)
        outbound_s = time.perf_counter() - outbound_began
        client_s = time.perf_counter() - began
        reply = {
            "task": TASK_TRAIN,
            "steps": local.steps,
            "samples": local.samples,
            "update": kind,
            "metrics": metrics,
            "key_metric": self.validator.key_metric,
            "val_samples": self.validator.samples,
            "local_metrics": local.metrics,
            "compute_s": compute_s,
            "client_s": client_s,
            # the filters' share of client_s (under HE: decrypting and encrypting)
            "inbound_s": inbound_s,
            "outbound_s": outbound_s,
        }
        if self.dump_dir is not None:  # before sending: an update the server may use is saved
            self._dump(message.round, global_weights, update, reply)
        self._reply(message, reply, update)
        self._last = (message.round, reply, update)
        t_done = time.time()
        self.endpoint.status = "idle"
        self.rounds += 1
        down, up = _nbytes(received), _nbytes(update)
        self.events.emit("client_recv", t=t_recv, round=ordinal, client=self.name)
        self.events.emit(
            "client_compute",
            t=t_done,
            round=ordinal,
            client=self.name,
            seconds=compute_s,
            compute_s=compute_s,
            train_s=local.seconds,
            client_s=client_s,
            bytes=down + up,
        )
        self.events.emit("bytes", t=t_done, round=ordinal, client=self.name, down=down, up=up)
        self._log_round(message.round, reply)
        log.info(
            "%s: round %s done: %d steps, %.2f s compute%s",
            self.name,
            message.round,
            local.steps,
            compute_s,
            "".join(f", {k} {v:.4f}" for k, v in metrics.items()),
        )

    def _submit_model(self, message: Message, meta: Mapping[str, Any]) -> None:
        weights = self.rw.weights()
        if self.cv_outbound:
            weights = _apply(self.cv_outbound, weights, None)
        self._reply(message, {"task": TASK_SUBMIT}, weights)

    def _validate(self, message: Message, meta: Mapping[str, Any]) -> None:
        owners = [str(o) for o in meta.get("models") or []]
        grouped: dict[str, Weights] = {owner: {} for owner in owners}
        for key, array in message.tensors.items():
            owner, _, var = key.partition(OWNER_SEP)
            if owner in grouped:
                grouped[owner][var] = array
        results: dict[str, dict[str, float]] = {}
        if self.validator.available:
            local = self.rw.weights()
            with self._engines_running():
                results[self.name] = self.validator.validate()
                for owner in owners:
                    if owner == self.name:
                        continue
                    try:
                        weights = self._opened(owner, grouped[owner])
                    except HEError as exc:  # a sealed model that does not open: skip it
                        log.warning("%s: model of %s not validated: %s", self.name, owner, exc)
                        continue
                    self.rw.load(local)  # variables a model lacks are this client's own
                    results[owner] = self.validator.validate(weights)
            self.rw.load(local)
        self._reply(
            message,
            {
                "task": TASK_VALIDATE,
                "results": results,
                "key_metric": self.validator.key_metric,
                "val_samples": self.validator.samples,
            },
        )
        log.info("%s: validated %d model(s)", self.name, len(results))

    def _opened(self, owner: str, weights: Weights) -> Weights:
        """A model to validate after its inbound filters: the global model's (they decrypt
        it under HE), the cross-site ones' for the other sites' models."""
        if owner == GLOBAL_OWNER:
            return _apply(self.inbound, weights, None) if has_he(self.inbound) else weights
        return _apply(self.cv_inbound, weights, None) if self.cv_inbound else weights

    # -- files -------------------------------------------------------------------------------

    def _log_round(self, round_: int, reply: Mapping[str, Any]) -> None:
        row = {"round": round_, "t": time.time()}
        row.update({k: v for k, v in reply.items() if k not in ("task", "update")})
        with open(self.run_dir / METRICS_FILE, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")

    def _dump(
        self, round_: int, received: Mapping[str, np.ndarray], sent: Weights, reply: Mapping
    ) -> None:
        """Save what this round received and sent (tests recompute FedAvg from these)."""
        assert self.dump_dir is not None
        self.dump_dir.mkdir(parents=True, exist_ok=True)
        stem = self.dump_dir / f"round-{round_:04d}"
        for part, arrays in (("received", received), ("sent", sent)):
            np.savez(f"{stem}-{part}.npz", **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
        meta = {k: reply[k] for k in ("steps", "samples", "update")}
        Path(f"{stem}.json").write_text(json.dumps(meta))


def _completed(ordinal: Any) -> int | None:
    """Rounds completed before the task's round (its 1-based ``n``), when it is sane."""
    if isinstance(ordinal, int) and not isinstance(ordinal, bool) and 0 < ordinal <= 10**6:
        return ordinal - 1
    return None


def run_client(
    plan: Plan,
    mmar_root: Path,
    name: str,
    server: str,
    run_dir: Path,
    *,
    datalist: Path | None = None,
    device: str = "cpu",
    security: SecurityConfig | None = None,
    run_id: str | None = None,
    events_path: Path | str | None = None,
    register_timeout: float = 60.0,
    server_timeout: float | None = None,
    he_context: Path | None = None,
) -> ClientResult:
    """Join the federation at ``server`` as ``name`` and serve until the run ends.

    Registers first (a refused plan or version fails in a second, before any data is
    loaded), then builds the local trainer once. Raises ``RegistrationRefused``,
    :class:`ClientError`, ``ExecutorError`` or ``TransportError`` with a readable message.
    """
    client = FederatedClient(
        plan,
        mmar_root,
        name,
        server,
        run_dir,
        datalist=datalist,
        device=device,
        security=security,
        run_id=run_id,
        events_path=events_path,
        register_timeout=register_timeout,
        server_timeout=server_timeout,
        he_context=he_context,
    )
    try:
        client.register()
        client.build()
        return client.serve()
    finally:
        client.close()
