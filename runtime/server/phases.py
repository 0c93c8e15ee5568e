"""Round phases: one task sent to many clients, and the loop that waits for the answers.

One thread drives everything through :class:`~mmarc.runtime.transport.ServerEndpoint`,
and every wait is a ``zmq_poll`` until the next thing that can happen: a message, the
end of ``wait_after_min_clients``, or the moment the quietest client would pass
``heart_beat_timeout``. There is no polling interval anywhere, so a phase closes the
moment its last awaited result is in.

A phase (a training round, or one of the final validation phases) offers its task to
every live client up to its ``limit``; a client that joins (or rejoins) while it runs
gets the same task at once. It closes when at least ``min_answers`` answered and every
live client that got the task answered, or ``wait_after`` seconds after the minimum was
reached, whichever is first.

Under upload slots (:mod:`.slots`; not for shared-file payloads, which the sites hold),
a task either comes with its slot (when the phase's sites fit in the slots) or tells the
site to announce a result with tensors (``ready``) and send it when granted; the loop
grants up to the phase's slots and the next site whenever a result has been handled, a
granted site is gone, or a grant expired.

The server never dies from a client's input: each result goes to the phase's
``on_result``, which raises to refuse it; whatever it raises (a
:class:`~.updates.ResultRefused`, an :class:`~mmarc.runtime.aggregation.AggregationError`,
or anything unforeseen) refuses that one result, with the reason in the event log, and
the phase goes on. Only a :class:`~.records.ServerError` (the server's own fault, such as
a full disk) stops the run.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..protocol import MessageKind, Payload
from ..transport import Message, ServerEndpoint, TransportError
from .events import Reporter
from .membership import Membership
from .records import ServerError
from .slots import UploadSlots, grant_timeout
from .tasks import TASK_TRAIN, UPLOAD, UPLOAD_WHEN_GRANTED

__all__ = ["Phase", "PhaseLoop", "ResultHandler"]

log = logging.getLogger(__name__)

#: ``on_result(client, message)``: use the result, or raise to refuse it.
ResultHandler = Callable[[str, Message], None]


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
    on_result: ResultHandler
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
    #: who may send a result now (None: anyone, any time); set by the loop
    slots: UploadSlots | None = None
    #: called after an accepted result while other clients still owe theirs: a moment
    #: for work that would otherwise wait for the last result (it must not refer to the
    #: phase: a cycle would keep every round's payload alive until a full collection)
    while_waiting: Callable[[], None] | None = None

    def pending(self, live: Mapping[str, Any]) -> set[str]:
        """Clients that got the task, are still live and have not answered."""
        return {n for n in self.expected if n in live} - self.answered - self.failed


class PhaseLoop:
    """Waits for clients and runs phases over one endpoint and one membership."""

    def __init__(
        self,
        endpoint: ServerEndpoint,
        membership: Membership,
        reporter: Reporter,
        upload_slots: int = 0,
    ):
        self.endpoint = endpoint
        self.membership = membership
        self.reporter = reporter
        #: results with tensors in flight at once (0: no pacing; see :mod:`.slots`)
        self.upload_slots = upload_slots

    def wait_for_clients(self, count: int) -> None:
        """Return once at least ``count`` clients are members."""
        announced = -1
        while len(self.membership) < count:
            if announced != len(self.membership):
                announced = len(self.membership)
                self.reporter.progress(event="waiting", clients=announced, needed=count)
            self.step(None)

    def run_phase(self, phase: Phase) -> None:
        """Offer the task to every member and wait until the phase is complete."""
        if self.upload_slots > 0:
            sites = min(len(self.membership.members), phase.limit)
            phase.slots = UploadSlots(
                self.upload_slots,
                grant_timeout(phase.payload.nbytes),
                up_front=sites <= self.upload_slots,
            )
        for name in list(self.membership.members):
            self.offer_task(phase, name)
        if phase.min_answers == 0:
            phase.min_reached_at = time.monotonic()
        while not self._complete(phase):
            self.step(phase)

    def step(self, phase: Phase | None) -> None:
        """Wait for the next message or deadline and handle what happened."""
        deadlines = []
        death = self.membership.next_death()
        if death is not None:
            deadlines.append(death)
        if phase is not None and phase.wait_after is not None and phase.min_reached_at:
            deadlines.append(phase.min_reached_at + phase.wait_after)
        expiry = phase.slots.next_deadline() if phase is not None and phase.slots else None
        if expiry is not None:
            deadlines.append(expiry)
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        message = self.endpoint.recv(timeout)
        if message is not None:
            try:
                self._dispatch(message, phase)
            except ServerError:
                raise
            except Exception as exc:  # one bad message never stops the server
                log.exception(
                    "a %s message of %s could not be handled", message.kind, message.client
                )
                self.reporter.rejected(
                    client=message.client,
                    round=phase.ordinal if phase is not None else 0,
                    task=str(message.kind),
                    reason=f"{type(exc).__name__}: {exc}",
                )
        death = self.membership.next_death()
        if death is not None and time.monotonic() >= death:
            self.membership.reap()
        if phase is not None and phase.slots is not None:
            self._grant(phase, phase.slots.expire(self.membership.members))

    def offer_task(self, phase: Phase, name: str) -> None:
        """Send the phase's task to ``name`` (again, after a re-registration)."""
        if name in phase.answered or name in phase.failed:
            return
        if name not in phase.expected and len(phase.expected) >= phase.limit:
            return
        meta = phase.meta
        if phase.slots is not None and not phase.slots.grant_with_task(name):
            meta = {**meta, UPLOAD: UPLOAD_WHEN_GRANTED}
        try:
            task_id = self.endpoint.send(
                name, MessageKind.TASK, round=phase.round, meta=meta, tensors=phase.payload
            )
        except TransportError as exc:
            self.membership.drop(name, str(exc))
            return
        phase.task_ids.setdefault(name, set()).add(task_id)
        phase.expected.add(name)

    def _dispatch(self, message: Message, phase: Phase | None) -> None:
        kind, name = message.kind, message.client
        if kind is MessageKind.REGISTER:
            self.membership.join(message)
            if phase is not None:
                if phase.slots is not None:  # a result it was granted for died with it
                    self._grant(phase, phase.slots.release(name))
                self.offer_task(phase, name)
        elif kind is MessageKind.BYE:
            self.membership.leave(name)
        elif kind is MessageKind.RESULT:
            if phase is not None:
                self._result(phase, name, message)
        elif kind is MessageKind.READY:
            if phase is not None and phase.slots is not None and self._awaited(phase, message):
                self._grant(phase, phase.slots.ask(name, message.header.in_reply_to))
        elif kind is MessageKind.ERROR:
            meta = message.meta if isinstance(message.meta, Mapping) else {}
            detail = str(meta.get("detail", meta.get("code", "error")))[:500]
            log.error("%s reported: %s", name, detail)
            self.reporter.progress(event="client_error", client=name, detail=detail)
            if phase is not None and message.header.in_reply_to in phase.task_ids.get(name, ()):
                phase.failed.add(name)
            elif (
                phase is not None
                and meta.get("code") == "malformed"
                and phase.task == TASK_TRAIN
                and name in phase.expected
                and name not in phase.answered | phase.failed
            ):
                # the transport refused this client's message unread (an update with, say,
                # a 401-digit number): its update for this round is refused. A final phase
                # (cross-site validation) still waits for a readable answer.
                phase.failed.add(name)
                self.reporter.rejected(
                    client=name,
                    round=phase.ordinal,
                    task=phase.task,
                    reason=f"unreadable message: {detail}",
                )
        if phase is not None and phase.slots and (name in phase.answered or name in phase.failed):
            self._grant(phase, phase.slots.release(name))  # its result is in, or never will be

    @staticmethod
    def _awaited(phase: Phase, message: Message) -> bool:
        """Whether ``message`` answers a task of ``phase`` its sender still owes."""
        name = message.client
        return (
            message.round == phase.round
            and message.header.in_reply_to in phase.task_ids.get(name, ())
            and name not in phase.answered
            and name not in phase.failed
        )

    def _grant(self, phase: Phase, grants: list[tuple[str, str]]) -> None:
        """Tell each site in ``grants`` to send its result of the task named there."""
        for name, task_id in grants:
            try:
                self.endpoint.send(name, MessageKind.GRANT, round=phase.round, in_reply_to=task_id)
            except TransportError as exc:
                self.membership.drop(name, str(exc))  # freed at the next step's expire

    def _result(self, phase: Phase, name: str, message: Message) -> None:
        if not self._awaited(phase, message):
            log.debug("ignored a stale result from %s (round %s)", name, message.round)
            return
        phase.bytes_up += sum(int(a.nbytes) for a in message.tensors.values())
        try:
            phase.on_result(name, message)
        except ServerError:
            raise
        except Exception as exc:
            phase.failed.add(name)
            reason = str(exc) or type(exc).__name__
            if not isinstance(exc, ValueError):  # not a refusal foreseen by a rule: a bug
                log.exception("unexpected failure handling the result of %s", name)
                reason = f"{type(exc).__name__}: {reason}"
            self.reporter.rejected(client=name, round=phase.ordinal, task=phase.task, reason=reason)
            return
        phase.answered.add(name)
        if phase.min_reached_at is None and len(phase.answered) >= phase.min_answers:
            phase.min_reached_at = time.monotonic()
        if phase.while_waiting is not None and phase.pending(self.membership.members):
            try:
                phase.while_waiting()
            except ServerError:
                raise
            except Exception:  # the result counts all the same; the work waits for the last
                log.exception("work on the results so far failed while others were awaited")

    def _complete(self, phase: Phase) -> bool:
        if len(phase.answered) >= phase.min_answers and not phase.pending(self.membership.members):
            return True
        return (
            phase.wait_after is not None
            and phase.min_reached_at is not None
            and time.monotonic() >= phase.min_reached_at + phase.wait_after
        )

    def say_goodbye(self) -> None:
        """Tell every member the run is over."""
        for name in list(self.membership.members):
            with contextlib.suppress(TransportError):
                self.endpoint.send(name, MessageKind.BYE, meta={"reason": "finished"})
