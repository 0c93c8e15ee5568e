"""The federation server: admit clients, run the rounds, validate, persist, say goodbye.

:class:`FederatedServer` puts together the parts, each in its own module:

* :mod:`.membership`: who is in (joins, rejoins, goodbyes, silent clients dropped after
  ``heart_beat_timeout``);
* :mod:`.phases`: the single-threaded event loop that sends a task to every live client
  and waits, without any polling interval, until the answers are in or
  ``wait_after_min_clients`` has passed; one bad result never stops it;
* :mod:`.rounds`: a training round, the aggregation delegated to a
  :class:`~mmarc.runtime.aggregation.Strategy` (FedAvg, FedAdam, FedYogi) chosen by the
  config's ``aggregator``; client results read as untrusted input (:mod:`.updates`);
* :mod:`.crossval`: the final validation of the global model and, when the client config
  asks for it, cross-site validation of every client's local model;
* :mod:`.records` and :mod:`.persistor`: the global model saved atomically each round,
  ``metrics.jsonl``, ``cross_val_results.json``, ``summary.json``.

A restarted server with the same run folder continues after the last completed round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zmq

from mmarc.plan import Plan

from ..aggregation import build_strategy, nonfinite
from ..aggregation.registry import HE_STRATEGIES
from ..protocol import DEFAULT_LIMITS, Limits
from ..security.ckks import HEError, context_fingerprint, load_context
from ..transport import (
    DEFAULT_SOCKET_OPTIONS,
    Message,
    SecurityConfig,
    ServerEndpoint,
    SocketOptions,
    keep_freed_memory,
    release_freed_memory,
)
from .admission import admission_check
from .config import ServerConfig, filter_chain, merge_exclude, server_config, server_strategy
from .crossval import final_validation
from .events import EventLog, Progress, Reporter, events_path_for
from .initial import InitialBuild, InitialFile
from .membership import Member, Membership
from .persistor import ModelPersistor, PersistError, Weights
from .phases import PhaseLoop
from .records import CROSS_VAL_FILE, METRICS_FILE, SUMMARY_FILE, RunRecord, ServerError
from .rounds import TrainingRounds
from .selection import BestModelSelector, lower_is_better
from .shareable import FullModelShareable
from .tasks import GLOBAL_OWNER, OWNER_SEP, TASK_SUBMIT, TASK_TRAIN, TASK_VALIDATE

__all__ = [
    "CROSS_VAL_FILE",
    "GLOBAL_OWNER",
    "METRICS_FILE",
    "OWNER_SEP",
    "SUMMARY_FILE",
    "TASK_SUBMIT",
    "TASK_TRAIN",
    "TASK_VALIDATE",
    "FederatedServer",
    "Progress",
    "ServerError",
    "ServerResult",
    "run_server",
]

log = logging.getLogger(__name__)

#: Every this many rounds the server returns the memory it freed and kept for reuse to the
#: OS (see :mod:`..transport.memory`): a long run's resident memory stays flat, and the
#: next round's page faults are paid once in that many rounds.
TRIM_EVERY_ROUNDS = 10


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


class FederatedServer:
    """A federation server for one plan and one run folder; see the module docstring.

    ``bind``: ZeroMQ endpoint (``tcp://127.0.0.1:*`` picks a free port; :attr:`address`
    says which). ``security``: a CurveZMQ :class:`SecurityConfig` or None for plain TCP.
    ``on_progress``: called with small dicts (``{"event": "round", ...}``) for a live
    view; it runs on the workflow thread and must be quick. ``he_context``: the project's
    *public* TenSEAL context file, read when the plan aggregates ciphertexts (a context
    holding a secret key is refused); clients must then register with its fingerprint.
    ``initial_model``: a file another process writes the first global model to before
    any client joins (the simulator's zygote, :class:`~.initial.InitialFile`); None: a
    fresh run builds it in a child (:class:`~.initial.InitialBuild`).
    """

    def __init__(
        self,
        plan: Plan,
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
        he_context: Path | None = None,
        initial_model: Path | None = None,
    ) -> None:
        self.plan = plan
        self.initial_model = initial_model
        self.mmar_root = Path(mmar_root)
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.config = config if config is not None else server_config(plan)
        cfg = self.config
        self.plan_sha256 = plan.sha256
        self.reporter = Reporter(on_progress, EventLog(events_path_for(self.run_dir, events_path)))
        self.persistor = ModelPersistor(
            self.run_dir, exclude_vars=cfg.persistor_exclude, plan_sha256=self.plan_sha256
        )
        self.record = RunRecord(self.run_dir, self.persistor)
        spec = server_strategy(plan)
        try:  # the context is read only when the plan aggregates ciphertexts
            self.he_context = (
                load_context(he_context, secret=False)
                if he_context is not None and spec.name in HE_STRATEGIES
                else None
            )
            self.strategy = build_strategy(
                spec,
                merge_exclude(cfg.aggregator_exclude, cfg.persistor_exclude),
                he_context=self.he_context,
                weight_of=cfg.weight_of,
            )
        except HEError as exc:
            raise ServerError(str(exc)) from None
        self.inbound = filter_chain(cfg.inbound_filters, "/fl/server/inbound_filters")
        self.shareable = FullModelShareable(
            filter_chain(cfg.outbound_filters, "/fl/server/outbound_filters"),
            limits,
            curve=security is not None,
        )
        self.selector = BestModelSelector(lower_is_better(plan))
        self.membership = Membership(
            self.reporter,
            heart_beat_timeout=cfg.heart_beat_timeout,
            max_num_clients=cfg.max_num_clients,
        )
        self.global_weights: Weights = {}
        self.next_round = cfg.start_round
        self.resumed_after: int | None = None
        self.final_metrics: dict[str, float] = {}
        self.cross_val: dict[str, dict[str, dict[str, float]]] = {}
        self._started = time.monotonic()
        self._building: InitialBuild | InitialFile | None = None
        self._check = admission_check(
            plan,
            self.membership.is_full,
            he_fingerprint=None
            if self.he_context is None
            else context_fingerprint(self.he_context),
        )
        try:
            self.endpoint = ServerEndpoint(
                bind,
                run_id=run_id or plan.mmar_name or "mmarc",
                security=security,
                options=options,
                limits=limits,
                admit=self._admit,
            )
        except zmq.ZMQError as exc:
            raise ServerError(f"cannot listen on {bind}: {exc}") from None
        self.membership.endpoint = self.endpoint
        # results that come as shared files are held by the sites, not in flight here
        slots = 0 if self.endpoint.shared_payloads else cfg.upload_slots
        self.loop = PhaseLoop(self.endpoint, self.membership, self.reporter, upload_slots=slots)

    # -- public ------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The endpoint clients connect to (the port resolved)."""
        return self.endpoint.endpoint

    @property
    def members(self) -> dict[str, Member]:
        """The live clients, by name."""
        return self.membership.members

    @property
    def events(self) -> EventLog:
        """The run's event log (``events.jsonl``)."""
        return self.reporter.events

    def load_or_build(self, initial: Callable[[], Weights] | None = None) -> None:
        """Resume from the run folder's last completed round, or build the first model.

        ``initial`` builds the first global model (default: the plan's network, built on
        the CPU with the plan's seed); tests pass their own.
        """
        if self.record.summary_path.exists():
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
            self.record.restore_metrics(snapshot.rows)
            self.reporter.progress(event="resumed", after_round=snapshot.round)
            log.info("resuming after round %d from %s", snapshot.round, self.persistor.model_path)
            return
        if initial is None and self.initial_model is not None:  # written before clients join
            self._building = InitialFile(self.initial_model)
            return
        if initial is None:  # built in a child while clients join (see run)
            self._building = InitialBuild(
                self.plan, self.mmar_root, self.config.model_pointer, self.run_dir
            )
            return
        self._set_initial(initial())

    def _set_initial(self, weights: Weights) -> None:
        bad = nonfinite(weights)
        if bad is not None:
            raise ServerError(f"the initial global model's {bad!r} holds NaN or infinity")
        self.global_weights = weights

    def _await_initial(self) -> None:
        """The first global model, once the child building it is done (see load_or_build)."""
        building, self._building = self._building, None
        if building is not None:
            self._set_initial(self.persistor.keep(building.result()))

    def run(self) -> ServerResult:
        """Train all rounds, validate, tell the clients the run is over, return.

        A fresh run admits clients while its first global model is built (in a child), so
        the sites build their trainers meanwhile and round 1 starts as soon as both the
        model and the minimum of clients are there."""
        if not self.global_weights and self._building is None:
            self.load_or_build()
        if self._building is not None:
            try:
                self.loop.wait_for_clients(self.config.min_num_clients)
                self._await_initial()
            finally:
                if self._building is not None:
                    self._building.cancel()
                    self._building = None
        self.endpoint.expect_payload(*self._upload_budget())
        cfg = self.config
        self.membership.heart_beat_timeout = cfg.heart_beat_timeout
        self.membership.max_num_clients = cfg.max_num_clients
        rounds = TrainingRounds(
            self.loop,
            self.strategy,
            inbound=self.inbound,
            shareable=self.shareable,
            selector=self.selector,
            record=self.record,
            reporter=self.reporter,
        )
        self.record.open()
        self.reporter.progress(
            event="ready",
            endpoint=self.address,
            first_round=self.next_round,
            end_round=cfg.end_round,
            min_clients=cfg.min_num_clients,
        )
        first = self.next_round
        try:
            while self.next_round < cfg.end_round:
                self.loop.wait_for_clients(cfg.min_num_clients)
                self.global_weights = rounds.run(self.next_round, cfg, self.global_weights)
                self.next_round += 1
                if self.next_round % TRIM_EVERY_ROUNDS == 0:
                    release_freed_memory()  # or resident memory creeps up over a long run
            self.loop.wait_for_clients(cfg.min_num_clients)
            self._final_validation()
            self.record.flush()
            self._write_summary()
        finally:
            self.record.close()
        self.loop.say_goodbye()
        self.reporter.progress(event="done")
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
            cross_val_path=self.record.cross_val_path if self.cross_val else None,
            wall_s=time.monotonic() - self._started,
        )

    def close(self) -> None:
        if self._building is not None:  # stopped before round 1: end the build too
            self._building.cancel()
            self._building = None
        self.endpoint.close()

    def __enter__(self) -> FederatedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- setup -------------------------------------------------------------------------------

    def _upload_budget(self) -> tuple[int, int]:
        """(bytes, tensors) of the largest update an honest client sends: the model, or
        under HE the model with every floating-point variable encrypted."""
        expected = getattr(self.strategy, "expected_upload", None)
        if expected is not None:
            return expected(self.global_weights)
        model = self.global_weights.values()
        return sum(int(np.asarray(w).nbytes) for w in model), len(model)

    def _admit(self, message: Message) -> str | None:
        """The transport's admission hook: check, and say so on this side when refusing."""
        reason = self._check(message)
        if reason:
            log.warning("refused %s: %s", message.client, reason)
            self.reporter.progress(event="refused", client=message.client, reason=reason)
        return reason

    # -- final phases and summary -------------------------------------------------------------

    def _final_validation(self) -> None:
        found = final_validation(
            self.loop,
            self.membership,
            global_weights=self.global_weights,
            end_round=self.config.end_round,
            last_round=self.next_round - 1,
            selector=self.selector,
            record=self.record,
            reporter=self.reporter,
        )
        if found.combined is not None:
            self.final_metrics = {found.combined["metric"]: found.combined["value"]}
        self.cross_val = found.results if found.cross else {}

    def _write_summary(self) -> None:
        self.record.write_summary(
            {
                "plan_sha256": self.plan_sha256,
                "mmar_name": self.plan.mmar_name,
                "first_round": self.config.start_round,
                "last_round": self.next_round - 1,
                "resumed_after": self.resumed_after,
                "best": self.selector.best,
                "final_metrics": self.final_metrics,
                "strategy": self.strategy.name,
                "clients": sorted(self.membership.seen),
                "wall_s": round(time.monotonic() - self._started, 3),
            }
        )


def run_server(
    plan: Plan,
    mmar_root: Path,
    run_dir: Path,
    *,
    bind: str = "tcp://127.0.0.1:*",
    security: SecurityConfig | None = None,
    run_id: str | None = None,
    events_path: Path | str | None = None,
    on_progress: Progress | None = None,
    on_ready: Callable[[str], None] | None = None,
    he_context: Path | None = None,
    initial_model: Path | None = None,
) -> ServerResult:
    """Build (or resume) and run a federation server until the run is over.

    ``on_ready(endpoint)`` is called once the socket is bound and the model is ready,
    before any client is waited for (the simulator passes the address to its clients).
    ``initial_model``: see :class:`FederatedServer`.

    The process keeps the memory it frees for reuse (:func:`~..transport.keep_freed_memory`):
    every round decodes updates and builds a new global model of the model's size, and
    without it each of those 100 MB arrays comes from fresh pages that fault in again
    (measured on a 100 MB model: decode + FedAvg finish of a round 16 + 83 ms of CPU
    against 9 + 40 ms).
    """
    keep_freed_memory()
    with FederatedServer(
        plan,
        mmar_root,
        run_dir,
        bind=bind,
        security=security,
        run_id=run_id,
        events_path=events_path,
        on_progress=on_progress,
        he_context=he_context,
        initial_model=initial_model,
    ) as server:
        server.load_or_build()
        if on_ready is not None:
            on_ready(server.address)
        return server.run()
