"""A training round: send the global model, hand each update to the strategy, finish.

Clara's semantics (``plan["fl"]["server"]``):

1. the global model is laid out once and sent to every live client, up to
   ``max_num_clients`` (:mod:`.phases`: late joiners get the same task);
2. each result is read as untrusted input (:mod:`.updates`), filtered (server
   ``inbound_filters``) and given to the :class:`~mmarc.runtime.aggregation.Strategy`
   with the weight ``aggregation_weights[client] x local steps``; the strategy checks it
   against the global model the round sent. A refused result costs only itself;
3. the strategy's result becomes the new global model if every floating-point value in
   it is finite; otherwise (or when no update came) the global model stays as it was,
   with the reason in the event log. A non-finite model is never sent or saved;
4. the new model goes out at once (next round) while :class:`~.records.RunRecord`
   saves it with the round number and then appends the round's line to
   ``metrics.jsonl``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from ..aggregation import AggregationError, Strategy, nonfinite, update_weight
from ..filters import Filter, apply_filters
from ..transport import Message
from .config import ServerConfig
from .events import Reporter
from .persistor import Weights
from .phases import Phase, PhaseLoop
from .records import RunRecord
from .selection import BestModelSelector, Report, combined_metric
from .shareable import FullModelShareable
from .tasks import TASK_TRAIN
from .updates import read_train_result

__all__ = ["RoundState", "TrainingRounds"]

log = logging.getLogger(__name__)


@dataclass
class RoundState:
    """What the accepted updates of one round said (for metrics.jsonl and selection)."""

    steps: dict[str, int] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)
    #: seconds in the strategy (accepting updates as they came, then finishing)
    aggregate_s: float = 0.0


class TrainingRounds:
    """Runs training rounds with one strategy (whose state carries across rounds)."""

    def __init__(
        self,
        loop: PhaseLoop,
        strategy: Strategy,
        *,
        inbound: list[Filter],
        shareable: FullModelShareable,
        selector: BestModelSelector,
        record: RunRecord,
        reporter: Reporter,
    ) -> None:
        self.loop = loop
        self.strategy = strategy
        self.inbound = inbound
        self.shareable = shareable
        self.selector = selector
        self.record = record
        self.reporter = reporter

    def run(self, round_: int, cfg: ServerConfig, sent: Weights) -> Weights:
        """Run round ``round_`` (Clara numbering) from the global model ``sent``; return
        the next global model (``sent`` itself when nothing usable came back)."""
        ordinal = round_ - cfg.start_round + 1
        state = RoundState()
        self.strategy.begin_round(sent)
        members = len(self.loop.membership)

        def on_result(name: str, message: Message) -> None:
            self._accept(name, message, cfg, state)

        def while_waiting() -> None:
            self._while_waiting(state)

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
            while_waiting=while_waiting,
        )
        started = time.time()
        events = self.reporter.events
        events.emit(
            "round_start", t=started, round=ordinal, clients=members, bytes=phase.payload.nbytes
        )
        self.reporter.progress(event="round_start", round=round_, n=ordinal, clients=members)
        self.loop.run_phase(phase)
        events.emit("aggregation_start", round=ordinal)
        finishing = time.perf_counter()
        new = self._finish(round_, ordinal, sent)
        state.aggregate_s += time.perf_counter() - finishing
        ended = time.time()
        moved = phase.payload.nbytes * len(phase.expected) + phase.bytes_up
        events.emit("round_end", t=ended, round=ordinal, seconds=ended - started, bytes=moved)
        best = self.selector.offer(round_ - 1, state.reports)
        if best is not None:
            self.record.save_best(round_ - 1, sent, best)
        missing = sorted(phase.expected - phase.answered - phase.failed)
        row = {
            "round": round_,
            "clients": sorted(phase.answered),
            "failed": sorted(phase.failed),
            "missing": missing,
            "steps": state.steps,
            "weights": state.weights,
            "global_metric": combined_metric(round_ - 1, state.reports),
            "client_metrics": state.metrics,
            "best": dict(self.selector.best) if self.selector.best else None,
            "seconds": round(ended - started, 4),
            "aggregate_s": round(state.aggregate_s, 4),
            "bytes_down": phase.payload.nbytes * len(phase.expected),
            "bytes_up": phase.bytes_up,
            "t": ended,
        }
        best_now = dict(self.selector.best) if self.selector.best else None
        self.record.save_round(round_, new, row, best_now)
        log.info(
            "round %d closed after %.3f s: %d update(s), %d failed, %d missing",
            round_,
            ended - started,
            len(phase.answered),
            len(phase.failed),
            len(missing),
        )
        self.reporter.progress(event="round", **row, n=ordinal, end_round=cfg.end_round)
        return new

    def _accept(self, name: str, message: Message, cfg: ServerConfig, state: RoundState) -> None:
        """One client's train result into the strategy; raises to refuse it."""
        result = read_train_result(message.meta)
        tensors: dict[str, np.ndarray] = dict(message.tensors)
        if self.inbound:
            tensors = apply_filters(self.inbound, tensors)
        weight = update_weight(cfg.weight_of(name), result.steps)
        accepting = time.perf_counter()
        try:
            self.strategy.accept(tensors, weight, kind=result.kind, source=name)
        finally:
            state.aggregate_s += time.perf_counter() - accepting
        state.steps[name] = result.steps
        state.weights[name] = weight
        state.metrics[name] = result.metrics
        value = result.key_value
        if result.key_metric is not None and value is not None:
            state.reports.append(Report(name, result.key_metric, value, result.val_samples))

    def _while_waiting(self, state: RoundState) -> None:
        """Other updates are still on their way: the strategy's deferred work now."""
        began = time.perf_counter()
        try:
            self.strategy.while_waiting()
        finally:
            state.aggregate_s += time.perf_counter() - began

    def _finish(self, round_: int, ordinal: int, sent: Weights) -> Weights:
        try:
            new = self.strategy.finish()
            bad = nonfinite(new)
            if bad is not None:
                raise AggregationError(f"the aggregate of {bad!r} is not finite")
        except AggregationError as exc:
            log.warning("round %d: %s; the global model stays as it was", round_, exc)
            self.reporter.events.emit("aggregate_refused", round=ordinal, reason=str(exc))
            return dict(sent)
        return new
