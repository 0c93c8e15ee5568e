"""The server's round workflow: scatter the global model, gather updates, average, repeat.

One thread drives everything through :class:`~mmarc.runtime.transport.ServerEndpoint`,
and every wait is a ``zmq_poll`` until the next thing that can happen: a message, the
end of ``wait_after_min_clients``, or the moment the quietest client would pass
``heart_beat_timeout``. There is no polling interval anywhere, so a round closes the
moment its last awaited result is in.

A round (Clara's semantics, ``plan["fl"]["server"]``):

1. the global model is laid out once and sent to every live client, up to
   ``max_num_clients``; a client that joins (or rejoins) while the round runs gets the
   same task at once: it "rejoins at the current round";
2. each result is filtered (server ``inbound_filters``) and added to the in-time FedAvg
   accumulator as it arrives, weighted by ``aggregation_weights[client] x local steps``;
3. the round closes when at least ``min_num_clients`` answered and every live client that
   got the task answered, or ``wait_after_min_clients`` seconds after the minimum was
   reached, whichever is first. A client silent for ``heart_beat_timeout`` is dropped
   (the round goes on with the others) and may register again later;
4. the average becomes the new global model, which goes out at once (next round) while
   a background thread saves it with the round number (:mod:`.persistor`) and then
   appends the round's line to ``metrics.jsonl``.

After the last round, clients validate the final global model and, when the client
config asks for cross-site validation, every client's final local model as well, each on
its own data: ``cross_val_results.json`` is ``{data_client: {model_owner: {metric: v}}}``
with the global model under the owner name ``FL_global_model``. Then every client is told
the run is over (``bye``) and the server exits.

A restarted server with the same run folder continues after the last completed round.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zmq

from ..aggregation import AggregationError, InTimeAccumulator, update_weight
from ..filters import apply_filters
from ..protocol import DEFAULT_LIMITS, EMPTY_PAYLOAD, Limits, MessageKind, Payload, prepare
from ..transport import (
    DEFAULT_SOCKET_OPTIONS,
    Message,
    SecurityConfig,
    ServerEndpoint,
    SocketOptions,
    TransportError,
)
from .admission import admission_check
from .config import ServerConfig, filter_chain, merge_exclude, server_config
from .events import EventLog, events_path_for
from .persistor import BackgroundWriter, ModelPersistor, PersistError, Weights
from .selection import BestModelSelector, Report, lower_is_better
from .shareable import FullModelShareable

log = logging.getLogger(__name__)

TASK_TRAIN = "train"
TASK_SUBMIT = "submit_model"
TASK_VALIDATE = "validate"
#: Owner name of the global model in cross-validation results and validate tasks.
GLOBAL_OWNER = "FL_global_model"
#: Separates owner and variable in the tensor names of a validate task.
OWNER_SEP = "/"
METRICS_FILE = "metrics.jsonl"
CROSS_VAL_FILE = "cross_val_results.json"
SUMMARY_FILE = "summary.json"

Progress = Callable[[dict[str, Any]], None]


class ServerError(RuntimeError):
    """The server cannot start or go on; the message says why (no traceback needed)."""


@dataclass
class Member:
    """A live client as the workflow sees it."""

    name: str
    meta: Mapping[str, Any]
    joined_at: float


@dataclass
class Phase:
    """One task sent to many clients and the answers to it (a round, or a final phase)."""

    task: str
    round: int
    ordinal: int
    payload: Payload
    meta: dict[str, Any]
    min_answers: int
    wait_after: float | None
    on_result: Callable[[str, Message], bool]
    limit: int = 1_000_000
    expected: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    #: every task id sent to a client in this phase: one that re-registered mid-task
    #: (a restart of either side, or a spurious re-registration) gets the task again,
    #: and whichever copy it answers first counts
    task_ids: dict[str, set[str]] = field(default_factory=dict)
    min_reached_at: float | None = None
    started: float = field(default_factory=time.time)
    bytes_up: int = 0

    def pending(self, live: Mapping[str, Any]) -> set[str]:
        """Clients that got the task, are still live and have not answered."""
        return {n for n in self.expected if n in live} - self.answered - self.failed


@dataclass(frozen=True)
class ServerResult:
    """What a finished server run produced (all paths inside ``run_dir``)."""

    run_dir: Path
    first_round: int
    last_round: int  # the last completed round (Clara numbering); first_round - 1: none
    resumed_after: int | None
    best: dict[str, Any] | None
    final_metrics: dict[str, float]
    model_path: Path
    best_model_path: Path | None
    cross_val_path: Path | None
    wall_s: float


def _ints(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class FederatedServer:
    """A federation server for one plan and one run folder; see the module docstring.

    ``bind``: ZeroMQ endpoint (``tcp://127.0.0.1:*`` picks a free port; :attr:`endpoint`
    says which). ``security``: a CurveZMQ :class:`SecurityConfig` or None for plain TCP.
    ``on_progress``: called with small dicts (``{"event": "round", ...}``) for a live
    view; it runs on the workflow thread and must be quick.
    """

    def __init__(
        self,
        plan: Mapping[str, Any],
        mmar_root: Path,
        run_dir: Path,
        *,
        bind: str = "tcp://127.0.0.1:*",
        security: SecurityConfig | None = None,
        run_id: str | None = None,
        events_path: Path | str | None = None,
        on_progress: Progress | None = None,
        config: ServerConfig | None = None,
        options: SocketOptions = DEFAULT_SOCKET_OPTIONS,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.plan = plan
        self.mmar_root = Path(mmar_root)
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.config = config if config is not None else server_config(plan)
        cfg = self.config
        self.plan_sha256 = str(plan.get("sha256", ""))
        self.on_progress = on_progress
        self.events = EventLog(events_path_for(self.run_dir, events_path))
        self.persistor = ModelPersistor(
            self.run_dir, exclude_vars=cfg.persistor_exclude, plan_sha256=self.plan_sha256
        )
        self.accumulator = InTimeAccumulator(
            merge_exclude(cfg.aggregator_exclude, cfg.persistor_exclude)
        )
        self.inbound = filter_chain(cfg.inbound_filters, "/fl/server/inbound_filters")
        self.shareable = FullModelShareable(
            filter_chain(cfg.outbound_filters, "/fl/server/outbound_filters"), limits
        )
        self.selector = BestModelSelector(lower_is_better(plan))
        self.members: dict[str, Member] = {}
        self._seen: set[str] = set()
        self.global_weights: Weights = {}
        self.next_round = cfg.start_round
        self.resumed_after: int | None = None
        self.final_metrics: dict[str, float] = {}
        self.cross_val: dict[str, dict[str, dict[str, float]]] = {}
        self._writer: BackgroundWriter | None = None
        self._unsaved: list[dict[str, Any]] = []  # metrics lines whose model is not saved yet
        self._rows_lock = threading.Lock()
        self._started = time.monotonic()
        self._check = admission_check(plan, self._is_full)
        try:
            self.endpoint = ServerEndpoint(
                bind,
                run_id=run_id or str(plan.get("mmar_name") or "mmarc"),
                security=security,
                options=options,
                limits=limits,
                admit=self._admit,
            )
        except zmq.ZMQError as exc:
            raise ServerError(f"cannot listen on {bind}: {exc}") from None

    # -- public ------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The endpoint clients connect to (the port resolved)."""
        return self.endpoint.endpoint

    def load_or_build(self, initial: Callable[[], Weights] | None = None) -> None:
        """Resume from the run folder's last completed round, or build the first model.

        ``initial`` builds the first global model (default: the plan's network, built on
        the CPU with the plan's seed); tests pass their own.
        """
        if (self.run_dir / SUMMARY_FILE).exists():
            raise ServerError(f"{self.run_dir} holds a finished run; choose another output folder")
        try:
            snapshot = self.persistor.load()
        except PersistError as exc:
            raise ServerError(str(exc)) from None
        if snapshot is not None:
            self.global_weights = self.persistor.keep(snapshot.weights)
            self.next_round = snapshot.round + 1
            self.resumed_after = snapshot.round
            self.selector.best = snapshot.best
            self._restore_metrics(snapshot.rows)
            self._progress(event="resumed", after_round=snapshot.round)
            log.info("resuming after round %d from %s", snapshot.round, self.persistor.model_path)
            return
        self.global_weights = (initial or self._initial_weights)()

    def run(self) -> ServerResult:
        """Train all rounds, validate, tell the clients the run is over, return."""
        if not self.global_weights:
            self.load_or_build()
        model = self.global_weights.values()
        self.endpoint.expect_payload(sum(int(np.asarray(w).nbytes) for w in model), len(model))
        cfg = self.config
        self._writer = BackgroundWriter()
        self._progress(
            event="ready",
            endpoint=self.address,
            first_round=self.next_round,
            end_round=cfg.end_round,
            min_clients=cfg.min_num_clients,
        )
        first = self.next_round
        try:
            while self.next_round < cfg.end_round:
                self._wait_for_clients(cfg.min_num_clients)
                self._train_round(self.next_round)
                self.next_round += 1
            self._wait_for_clients(cfg.min_num_clients)
            self._final_validation()
            self._writer.flush()
            self._write_summary()
        finally:
            try:
                if self._writer is not None:
                    self._writer.flush()
            finally:
                if self._writer is not None:
                    self._writer.close()
        self._say_goodbye()
        best_path = self.persistor.best_path
        return ServerResult(
            run_dir=self.run_dir,
            first_round=first,
            last_round=self.next_round - 1,
            resumed_after=self.resumed_after,
            best=self.selector.best,
            final_metrics=dict(self.final_metrics),
            model_path=self.persistor.model_path,
            best_model_path=best_path if best_path.exists() else None,
            cross_val_path=(self.run_dir / CROSS_VAL_FILE) if self.cross_val else None,
            wall_s=time.monotonic() - self._started,
        )

    def close(self) -> None:
        self.endpoint.close()

    def __enter__(self) -> FederatedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- setup -------------------------------------------------------------------------------

    def _initial_weights(self) -> Weights:
        import torch
        from mmarc.runtime.executor.builder import Builder
        from mmarc.runtime.executor.local import apply_settings

        device = torch.device("cpu")
        apply_settings(self.plan.get("settings") or {}, device)
        builder = Builder(self.plan, self.mmar_root, device)
        network = builder.obj(self.config.model_pointer)
        if not isinstance(network, torch.nn.Module):
            raise ServerError(f"{self.config.model_pointer} is not a torch network")
        return self.persistor.initial(network)

    def _admit(self, message: Message) -> str | None:
        """The transport's admission hook: check, and say so on this side when refusing."""
        reason = self._check(message)
        if reason:
            log.warning("refused %s: %s", message.client, reason)
            self._progress(event="refused", client=message.client, reason=reason)
        return reason

    def _is_full(self, name: str) -> bool:
        return name not in self.members and len(self.members) >= self.config.max_num_clients

    def _progress(self, **info: Any) -> None:
        if self.on_progress is not None:
            try:
                self.on_progress(info)
            except Exception as exc:  # a broken view must not stop the federation
                log.warning("progress callback failed: %s", exc)

    # -- membership --------------------------------------------------------------------------

    def _joined(self, message: Message, phase: Phase | None) -> None:
        name = message.client
        again = name in self._seen
        self._seen.add(name)
        self.members[name] = Member(name, dict(message.meta or {}), time.time())
        log.info("%s %s", name, "rejoined" if again else "joined")
        self._progress(
            event="rejoined" if again else "joined", client=name, clients=len(self.members)
        )
        if phase is not None:
            self._offer_task(phase, name)

    def _drop(self, name: str, reason: str) -> None:
        self.endpoint.forget(name)
        if self.members.pop(name, None) is not None:
            log.warning("dropped %s: %s", name, reason)
            self._progress(event="dropped", client=name, reason=reason, clients=len(self.members))

    def _reap(self) -> None:
        """Drop the clients silent for longer than ``heart_beat_timeout``."""
        for name in self.endpoint.dead_clients(self.config.heart_beat_timeout):
            self._drop(name, f"silent for more than {self.config.heart_beat_timeout:g} s")

    def _next_death(self) -> float | None:
        seen = [info.last_seen for info in self.endpoint.clients.values()]
        return min(seen) + self.config.heart_beat_timeout if seen else None

    # -- waiting -----------------------------------------------------------------------------

    def _wait_for_clients(self, count: int) -> None:
        announced = -1
        while len(self.members) < count:
            if announced != len(self.members):
                announced = len(self.members)
                self._progress(event="waiting", clients=announced, needed=count)
            self._step(None)

    def _step(self, phase: Phase | None) -> None:
        """Wait for the next message or deadline and handle what happened."""
        deadlines = []
        death = self._next_death()
        if death is not None:
            deadlines.append(death)
        if phase is not None and phase.wait_after is not None and phase.min_reached_at:
            deadlines.append(phase.min_reached_at + phase.wait_after)
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        message = self.endpoint.recv(timeout)
        if message is not None:
            self._dispatch(message, phase)
        death = self._next_death()
        if death is not None and time.monotonic() >= death:
            self._reap()

    def _dispatch(self, message: Message, phase: Phase | None) -> None:
        kind, name = message.kind, message.client
        if kind is MessageKind.REGISTER:
            self._joined(message, phase)
        elif kind is MessageKind.BYE:
            if self.members.pop(name, None) is not None:
                log.info("%s left", name)
                self._progress(event="left", client=name, clients=len(self.members))
        elif kind is MessageKind.RESULT:
            if phase is not None:
                self._result(phase, name, message)
        elif kind is MessageKind.ERROR:
            meta = message.meta if isinstance(message.meta, Mapping) else {}
            detail = str(meta.get("detail", meta.get("code", "error")))[:500]
            log.error("%s reported: %s", name, detail)
            self._progress(event="client_error", client=name, detail=detail)
            if phase is not None and message.header.in_reply_to in phase.task_ids.get(name, ()):
                phase.failed.add(name)

    # -- phases ------------------------------------------------------------------------------

    def _offer_task(self, phase: Phase, name: str) -> None:
        if name in phase.answered or name in phase.failed:
            return
        if name not in phase.expected and len(phase.expected) >= phase.limit:
            return
        try:
            task_id = self.endpoint.send(
                name, MessageKind.TASK, round=phase.round, meta=phase.meta, tensors=phase.payload
            )
        except TransportError as exc:
            self._drop(name, str(exc))
            return
        phase.task_ids.setdefault(name, set()).add(task_id)
        phase.expected.add(name)

    def _result(self, phase: Phase, name: str, message: Message) -> None:
        if (
            message.round != phase.round
            or message.header.in_reply_to not in phase.task_ids.get(name, ())
            or name in phase.answered
            or name in phase.failed
        ):
            log.debug("ignored a stale result from %s (round %s)", name, message.round)
            return
        phase.bytes_up += sum(int(a.nbytes) for a in message.tensors.values())
        ok = phase.on_result(name, message)
        (phase.answered if ok else phase.failed).add(name)
        if phase.min_reached_at is None and len(phase.answered) >= phase.min_answers:
            phase.min_reached_at = time.monotonic()

    def _complete(self, phase: Phase) -> bool:
        if len(phase.answered) >= phase.min_answers and not phase.pending(self.members):
            return True
        return (
            phase.wait_after is not None
            and phase.min_reached_at is not None
            and time.monotonic() >= phase.min_reached_at + phase.wait_after
        )

    def _run_phase(self, phase: Phase) -> None:
        for name in list(self.members):
            self._offer_task(phase, name)
        if phase.min_answers == 0:
            phase.min_reached_at = time.monotonic()
        while not self._complete(phase):
            self._step(phase)

    # -- training ----------------------------------------------------------------------------

    def _train_round(self, round_: int) -> None:
        cfg = self.config
        ordinal = round_ - cfg.start_round + 1
        sent = self.global_weights
        state: dict[str, Any] = {"mode": None, "steps": {}, "weights": {}, "reports": []}
        state["metrics"] = {}
        self.accumulator.reset()

        def on_result(name: str, message: Message) -> bool:
            return self._accept_update(name, message, sent, state)

        phase = Phase(
            task=TASK_TRAIN,
            round=round_,
            ordinal=ordinal,
            payload=self.shareable.payload(sent),
            meta={"task": TASK_TRAIN, "n": ordinal, "rounds": cfg.num_rounds},
            min_answers=cfg.min_num_clients,
            wait_after=cfg.wait_after_min_clients,
            on_result=on_result,
            limit=cfg.max_num_clients,
        )
        started = time.time()
        self.events.emit(
            "round_start",
            t=started,
            round=ordinal,
            clients=len(self.members),
            bytes=phase.payload.nbytes,
        )
        self._progress(event="round_start", round=round_, n=ordinal, clients=len(self.members))
        self._run_phase(phase)
        self.events.emit("aggregation_start", round=ordinal)
        try:
            new = self.accumulator.result(sent, diffs=state["mode"] == "diff")
        except AggregationError as exc:
            log.warning("round %d: %s; the global model stays as it was", round_, exc)
            new = dict(sent)
        self.accumulator.reset()
        self.global_weights = new
        ended = time.time()
        moved = phase.payload.nbytes * len(phase.expected) + phase.bytes_up
        self.events.emit("round_end", t=ended, round=ordinal, seconds=ended - started, bytes=moved)
        best = self.selector.offer(round_ - 1, state["reports"])
        if best is not None:
            best_copy = dict(best)
            self._submit(lambda: self.persistor.save_best(round_ - 1, sent, best_copy), key="best")
        row = {
            "round": round_,
            "clients": sorted(phase.answered),
            "failed": sorted(phase.failed),
            "missing": sorted(phase.expected - phase.answered - phase.failed),
            "steps": state["steps"],
            "weights": state["weights"],
            "global_metric": self._combined(round_ - 1, state["reports"]),
            "client_metrics": state["metrics"],
            "best": dict(self.selector.best) if self.selector.best else None,
            "seconds": round(ended - started, 4),
            "bytes_down": phase.payload.nbytes * len(phase.expected),
            "bytes_up": phase.bytes_up,
            "t": ended,
        }
        self._persist_round(round_, new, row)
        log.info(
            "round %d closed after %.3f s: %d update(s), %d failed, %d missing",
            round_,
            ended - started,
            len(phase.answered),
            len(phase.failed),
            len(row["missing"]),
        )
        self._progress(event="round", **row, n=ordinal, end_round=cfg.end_round)

    def _accept_update(
        self, name: str, message: Message, sent: Weights, state: dict[str, Any]
    ) -> bool:
        meta = message.meta if isinstance(message.meta, Mapping) else {}
        steps = _ints(meta.get("steps"))
        kind = meta.get("update")
        if steps is None or steps < 0 or kind not in ("diff", "weights"):
            log.error("%s sent a result without valid 'steps'/'update'; ignored", name)
            return False
        tensors: dict[str, np.ndarray] = {k: v for k, v in message.tensors.items() if k in sent}
        if self.inbound:
            tensors = apply_filters(self.inbound, tensors)
        mode = state["mode"] or kind
        state["mode"] = mode
        if kind != mode:  # clients of one plan agree; convert anyway rather than refuse
            sign = 1.0 if mode == "weights" else -1.0
            tensors = {k: (v + sign * sent[k]).astype(v.dtype) for k, v in tensors.items()}
        try:
            weight = update_weight(self.config.weight_of(name), steps)
            self.accumulator.add(tensors, weight, source=name)
        except AggregationError as exc:
            log.error("update of %s rejected: %s", name, exc)
            self._progress(event="client_error", client=name, detail=f"update rejected: {exc}")
            return False
        state["steps"][name] = steps
        state["weights"][name] = weight
        metrics = meta.get("metrics")
        if isinstance(metrics, Mapping):
            state["metrics"][name] = {
                k: float(v) for k, v in metrics.items() if isinstance(v, int | float)
            }
        key = meta.get("key_metric")
        value = (metrics or {}).get(key) if isinstance(metrics, Mapping) else None
        if isinstance(key, str) and isinstance(value, int | float):
            samples = _ints(meta.get("val_samples")) or 0
            state["reports"].append(Report(name, key, float(value), samples))
        return True

    def _combined(self, of_round: int, reports: list[Report]) -> dict[str, Any] | None:
        from .selection import combine

        combined = combine(reports)
        if combined is None:
            return None
        return {"round": of_round, "metric": combined[0], "value": combined[1]}

    # -- final validation --------------------------------------------------------------------

    def _final_validation(self) -> None:
        """Validate the final global model (and, if asked, every local model) everywhere."""
        cross = any(m.meta.get("cross_validate") for m in self.members.values())
        locals_: dict[str, Weights] = {}
        end = self.config.end_round
        if cross:

            def on_model(name: str, message: Message) -> bool:
                locals_[name] = {k: np.array(v) for k, v in message.tensors.items()}
                return True

            self._progress(event="cross_val_start", clients=len(self.members))
            self._run_phase(
                Phase(TASK_SUBMIT, end, 0, EMPTY_PAYLOAD, {"task": TASK_SUBMIT}, 0, None, on_model)
            )
        models = {GLOBAL_OWNER: self.global_weights, **locals_}
        tensors = {
            f"{owner}{OWNER_SEP}{var}": array
            for owner, weights in models.items()
            for var, array in weights.items()
        }
        results: dict[str, dict[str, dict[str, float]]] = {}
        reports: list[Report] = []

        def on_metrics(name: str, message: Message) -> bool:
            meta = message.meta if isinstance(message.meta, Mapping) else {}
            found = meta.get("results")
            if not isinstance(found, Mapping):
                return False
            clean = {
                str(owner): {
                    str(k): float(v) for k, v in values.items() if isinstance(v, int | float)
                }
                for owner, values in found.items()
                if isinstance(values, Mapping)
            }
            results[name] = clean
            key = meta.get("key_metric")
            value = clean.get(GLOBAL_OWNER, {}).get(str(key))
            if isinstance(key, str) and value is not None:
                reports.append(Report(name, key, value, _ints(meta.get("val_samples")) or 0))
            return True

        self._run_phase(
            Phase(
                TASK_VALIDATE,
                end,
                0,
                prepare(tensors) if tensors else EMPTY_PAYLOAD,
                {"task": TASK_VALIDATE, "models": list(models)},
                0,
                None,
                on_metrics,
            )
        )
        last = self.next_round - 1
        best = self.selector.offer(last, reports)
        final = self.global_weights
        if best is not None:
            best_copy = dict(best)
            self._submit(lambda: self.persistor.save_best(last, final, best_copy), key="best")
        combined = self._combined(last, reports)
        if combined is not None:
            self.final_metrics = {combined["metric"]: combined["value"]}
        self.cross_val = results if cross else {}
        if cross:
            self._submit(lambda: _write_json(self.run_dir / CROSS_VAL_FILE, results))
        self._submit(
            lambda: self._append_metrics(
                {"phase": "final", "round": last, "global_metric": combined, "t": time.time()}
            )
        )
        self._progress(event="final", global_metric=combined, cross_val=results if cross else None)

    # -- files -------------------------------------------------------------------------------

    def _persist_round(self, round_: int, weights: Weights, row: dict[str, Any]) -> None:
        """Save the global model after ``round_`` in the background, then its metrics line.

        The line goes into ``_unsaved`` first; the save job takes every line waiting (its
        round's, and those of rounds whose saves it superseded), writes them inside the
        model file and then appends them to metrics.jsonl: a line is never on disk before
        the model of its round (or a later one) is, and a crash in between loses none.
        """
        best = dict(self.selector.best) if self.selector.best else None
        with self._rows_lock:
            self._unsaved.append(_finite(row))

        def job() -> None:
            with self._rows_lock:
                rows = [r for r in self._unsaved if r["round"] <= round_]
            self.persistor.save(round_, weights, best, rows)
            for done in rows:
                self._append_metrics(done)
            with self._rows_lock:
                self._unsaved = [r for r in self._unsaved if r["round"] > round_]

        self._submit(job, key="global")

    def _submit(self, job: Callable[[], Any], key: str | None = None) -> None:
        assert self._writer is not None
        try:
            self._writer.submit(job, key=key)
        except PersistError as exc:
            raise ServerError(str(exc)) from None

    def _append_metrics(self, row: Mapping[str, Any]) -> None:
        clean = _finite(row)
        with open(self.run_dir / METRICS_FILE, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(clean) + "\n")

    def _restore_metrics(self, saved: tuple[dict[str, Any], ...]) -> None:
        """After a crash between saving a model and appending its rounds' lines, put the
        lines (kept inside the model file) back, so metrics.jsonl lists every completed
        round exactly once."""
        path = self.run_dir / METRICS_FILE
        rounds = set()
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if text and not text.endswith("\n"):  # a line torn by the crash: drop it
                text = text[: text.rfind("\n") + 1]
                path.write_text(text, encoding="utf-8")
            for line in text.splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and "phase" not in entry:
                    rounds.add(entry.get("round"))
        for row in saved:
            if row.get("round") not in rounds:
                self._append_metrics(row)

    def _write_summary(self) -> None:
        _write_json(
            self.run_dir / SUMMARY_FILE,
            {
                "plan_sha256": self.plan_sha256,
                "mmar_name": self.plan.get("mmar_name"),
                "first_round": self.config.start_round,
                "last_round": self.next_round - 1,
                "resumed_after": self.resumed_after,
                "best": self.selector.best,
                "final_metrics": self.final_metrics,
                "clients": sorted(self._seen),
                "wall_s": round(time.monotonic() - self._started, 3),
            },
        )

    def _say_goodbye(self) -> None:
        for name in list(self.members):
            with contextlib.suppress(TransportError):
                self.endpoint.send(name, MessageKind.BYE, meta={"reason": "finished"})
        self._progress(event="done")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(_finite(data), fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def run_server(
    plan: Mapping[str, Any],
    mmar_root: Path,
    run_dir: Path,
    *,
    bind: str = "tcp://127.0.0.1:*",
    security: SecurityConfig | None = None,
    run_id: str | None = None,
    events_path: Path | str | None = None,
    on_progress: Progress | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> ServerResult:
    """Build (or resume) and run a federation server until the run is over.

    ``on_ready(endpoint)`` is called once the socket is bound and the model is ready,
    before any client is waited for (the simulator passes the address to its clients).
    """
    with FederatedServer(
        plan,
        mmar_root,
        run_dir,
        bind=bind,
        security=security,
        run_id=run_id,
        events_path=events_path,
        on_progress=on_progress,
    ) as server:
        server.load_or_build()
        if on_ready is not None:
            on_ready(server.address)
        return server.run()
