"""Upload slots: the server never has more than ``upload_slots`` results in flight.

The rules first (:class:`UploadSlots` alone), then a real server on 127.0.0.1 with
paced clients scripted to hold their grant for a while, so that overlapping grants would
show, and sites that leave, die or stall while holding a slot.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import fl_test_plan, run_in_thread
from mmarc.runtime.protocol import MessageKind
from mmarc.runtime.server import slots as slots_module
from mmarc.runtime.server.admission import registration_meta
from mmarc.runtime.server.slots import UploadSlots, grant_timeout
from mmarc.runtime.server.tasks import TASK_TRAIN, UPLOAD, UPLOAD_WHEN_GRANTED
from mmarc.runtime.server.workflow import METRICS_FILE, FederatedServer
from mmarc.runtime.transport import ClientEndpoint

from mmarc.plan import Plan

# -- the rules ---------------------------------------------------------------------------------


def test_grants_go_in_the_order_asked_and_never_exceed_the_slots() -> None:
    slots = UploadSlots(2, timeout=60)
    assert slots.ask("a", "t-a") == [("a", "t-a")]
    assert slots.ask("b", "t-b") == [("b", "t-b")]
    assert slots.ask("c", "t-c") == []
    assert slots.ask("d", "t-d") == []
    assert slots.release("b") == [("c", "t-c")]
    assert slots.release("a") == [("d", "t-d")]
    assert set(slots.granted) == {"c", "d"} and not slots.waiting


def test_asking_again_while_granted_is_granted_again_without_a_second_slot() -> None:
    slots = UploadSlots(1, timeout=60)
    assert slots.ask("a", "t-1") == [("a", "t-1")]
    assert slots.ask("b", "t-b") == []
    assert slots.ask("a", "t-2") == [("a", "t-2")]  # its task was re-sent: the newer id
    assert list(slots.granted) == ["a"] and list(slots.waiting) == ["b"]


def test_releasing_a_site_that_only_waited_grants_nobody() -> None:
    slots = UploadSlots(1, timeout=60)
    slots.ask("a", "t-a")
    slots.ask("b", "t-b")
    assert slots.release("b") == []
    assert slots.release("a") == []
    assert not slots.granted and not slots.waiting


def test_gone_sites_and_expired_grants_free_their_slots() -> None:
    slots = UploadSlots(2, timeout=10)
    slots.ask("a", "t-a")  # granted at now
    slots.ask("b", "t-b")
    for s in ("c", "d", "e"):
        slots.ask(s, f"t-{s}")
    now = time.monotonic()
    # b died; c died while waiting: b's slot goes to d, c is forgotten
    assert slots.expire({"a", "d", "e"}, now) == [("d", "t-d")]
    assert list(slots.waiting) == ["e"]
    deadline = slots.next_deadline()
    assert deadline is not None and now < deadline <= now + 10
    # a's grant (the oldest) expires; d's, given at the same moment, too
    assert slots.expire({"a", "d", "e"}, now + 11) == [("e", "t-e")]
    assert list(slots.granted) == ["e"]


def test_the_grant_timeout_allows_a_slow_link_for_big_models() -> None:
    assert grant_timeout(0) == slots_module.GRANT_BASE_S
    assert grant_timeout(400_000_000) == pytest.approx(slots_module.GRANT_BASE_S + 400)


def test_slots_go_out_with_the_tasks_while_there_is_room_and_none_waits() -> None:
    slots = UploadSlots(2, timeout=10, up_front=True)
    assert slots.grant_with_task("a") and slots.grant_with_task("b")
    assert slots.grant_with_task("a")  # its task again: the slot it holds
    assert not slots.grant_with_task("c")  # no room: c will ask
    assert slots.next_deadline() is None  # a slot given with the task covers the training
    assert slots.ask("c", "t-c") == []
    assert slots.release("a") == [("c", "t-c")]
    assert not slots.grant_with_task("d")  # full again
    slots.release("b")
    slots.ask("e", "t-e")  # granted at once: a free slot
    assert slots.grant_with_task("f") is False  # e and c hold both
    assert not UploadSlots(2, timeout=10).grant_with_task("a")  # not up front: ask


def test_zero_slots_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        UploadSlots(0, timeout=1)


# -- a real server -----------------------------------------------------------------------------

SHAPES = {"w": (64, 32), "b": (32,)}


def initial() -> dict[str, np.ndarray]:
    return {k: np.zeros(s, np.float32) for k, s in SHAPES.items()}


class Paced(threading.Thread):
    """A site that announces its result ``ask_after`` seconds after the task came, waits
    for the grant, holds it ``hold`` seconds (a slow upload), then sends; records when it
    was granted and when it sent.

    ``vanish_at``: the round in which, once granted, it closes without sending (``bye``:
    says goodbye first; else just stops, as a killed process would)."""

    def __init__(
        self,
        endpoint: str,
        name: str,
        plan: Plan,
        hold: float = 0.3,
        ask_after: float = 0.0,
        vanish_at: int | None = None,
        bye: bool = True,
        fail_at: int | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.site = name
        self.hold = hold
        self.ask_after = ask_after
        self.vanish_at = vanish_at
        self.bye = bye
        self.fail_at = fail_at
        self.failed_at: float | None = None
        self.meta = registration_meta(plan, cross_validate=False)
        self.client = ClientEndpoint(
            endpoint, name, run_id="t", plan_hash=plan.sha256, heartbeat_interval=0.2
        )
        self.windows: list[tuple[int, float, float]] = []  # (round, granted, sent)
        self.task_meta: list[dict[str, Any]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.client.register(self.meta, timeout=10)
            while True:
                task = self.client.recv(timeout=30)
                if task is None or task.kind is MessageKind.BYE:
                    return
                if task.kind is not MessageKind.TASK:
                    continue
                if task.meta["task"] != TASK_TRAIN:  # the final validation: metrics only
                    self.client.send(
                        MessageKind.RESULT,
                        round=task.round,
                        in_reply_to=task.header.msg_id,
                        meta={"task": task.meta["task"], "results": {}},
                    )
                    continue
                self.task_meta.append(dict(task.meta))
                time.sleep(self.ask_after)
                if UPLOAD in task.meta:
                    self.client.send(
                        MessageKind.READY, round=task.round, in_reply_to=task.header.msg_id
                    )
                    grant = self.client.recv(timeout=30)
                    assert grant is not None and grant.kind is MessageKind.GRANT, grant
                    assert grant.header.in_reply_to == task.header.msg_id
                granted = time.monotonic()  # (or: came with the task)
                if task.round == self.vanish_at:
                    self.client.close(bye=self.bye)
                    return
                if task.round == self.fail_at:  # its training failed: it says so, stays
                    self.failed_at = time.monotonic()
                    self.client.send(
                        MessageKind.ERROR,
                        round=task.round,
                        in_reply_to=task.header.msg_id,
                        meta={"code": "task_failed", "detail": "out of memory"},
                    )
                    continue
                time.sleep(self.hold)
                sent = time.monotonic()
                self.client.send(
                    MessageKind.RESULT,
                    round=task.round,
                    in_reply_to=task.header.msg_id,
                    meta={"task": TASK_TRAIN, "steps": 1, "update": "diff"},
                    tensors={k: np.ones(s, np.float32) for k, s in SHAPES.items()},
                )
                self.windows.append((task.round, granted, sent))
        except BaseException as exc:
            self.error = exc
        finally:
            self.client.close(bye=self.bye)


def run_federation(
    tmp_path: Path, sites: list[Paced], server: FederatedServer, stagger: float = 0.0
) -> list[dict[str, Any]]:
    """Run ``server`` with ``sites`` (each started once the one before has registered
    when ``stagger``); the rows of its metrics.jsonl."""
    thread, out = run_in_thread(server)
    for site in sites:
        site.start()
        while stagger and site.site not in server.members and site.is_alive():
            time.sleep(stagger)
    thread.join(60)
    server.close()
    for site in sites:
        site.join(20)
        assert not site.is_alive(), f"{site.site} did not finish"
    assert "error" not in out, out
    lines = (tmp_path / METRICS_FILE).read_text().splitlines()
    return [json.loads(line) for line in lines if "phase" not in json.loads(line)]


def federation(tmp_path: Path, **settings: Any) -> tuple[Plan, FederatedServer]:
    plan = fl_test_plan(aggregation_weights={}, **settings)
    server = FederatedServer(plan, tmp_path, tmp_path)
    server.load_or_build(initial)
    return plan, server


def test_one_slot_means_one_upload_at_a_time(tmp_path: Path) -> None:
    plan, server = federation(tmp_path, upload_slots=1, min_num_clients=3, num_rounds=2)
    sites = [Paced(server.address, f"c{i}", plan, hold=0.3) for i in (1, 2, 3)]
    rows = run_federation(tmp_path, sites, server)
    assert all(s.error is None for s in sites), [s.error for s in sites]
    assert [r["round"] for r in rows] == [0, 1]
    assert all(sorted(r["clients"]) == ["c1", "c2", "c3"] for r in rows)
    assert all(m[UPLOAD] == UPLOAD_WHEN_GRANTED for s in sites for m in s.task_meta)
    for round_ in (0, 1):
        windows = sorted((g, t) for s in sites for r, g, t in s.windows if r == round_)
        assert len(windows) == 3
        for (_, sent), (granted, _) in itertools.pairwise(windows):
            # the next grant only once the previous result was sent (and handled)
            assert granted >= sent, windows


def test_two_slots_overlap_two_uploads_but_not_three(tmp_path: Path) -> None:
    plan, server = federation(tmp_path, upload_slots=2, min_num_clients=4, num_rounds=1)
    sites = [Paced(server.address, f"c{i}", plan, hold=0.4) for i in (1, 2, 3, 4)]
    run_federation(tmp_path, sites, server)
    assert all(s.error is None for s in sites), [s.error for s in sites]
    windows = [(g, t) for s in sites for _, g, t in s.windows]
    assert len(windows) == 4
    moments = sorted({g for g, _ in windows})
    most = max(sum(g <= m < t for g, t in windows) for m in moments)
    assert most == 2  # two at once (they all asked together), never three


def test_sites_that_fit_in_the_slots_get_them_with_the_task_and_a_late_one_asks(
    tmp_path: Path,
) -> None:
    plan, server = federation(tmp_path, upload_slots=2, min_num_clients=2, num_rounds=1)
    early = [Paced(server.address, n, plan, hold=1.0) for n in ("c1", "c2")]
    late = Paced(server.address, "c3", plan, hold=0.0)
    out: list[list[dict[str, Any]]] = []
    runner = threading.Thread(target=lambda: out.append(run_federation(tmp_path, early, server)))
    runner.start()
    while not all(s.task_meta for s in early):  # round 0 is under way
        time.sleep(0.01)
    late.start()  # joins mid-round: the task is offered to it, beyond the two slots
    runner.join(60)
    late.join(20)
    assert all(s.error is None for s in [*early, late]), [s.error for s in [*early, late]]
    assert all(UPLOAD not in s.task_meta[0] for s in early)  # sent with their slots
    assert late.task_meta[0][UPLOAD] == UPLOAD_WHEN_GRANTED
    first_sent = min(t for s in early for _, _, t in s.windows)
    assert late.windows[0][1] >= first_sent  # granted once a slot was handed back
    assert sorted(out[0][0]["clients"]) == ["c1", "c2", "c3"]


def test_a_granted_site_that_leaves_or_dies_frees_its_slot(tmp_path: Path) -> None:
    plan, server = federation(
        tmp_path, upload_slots=1, min_num_clients=2, num_rounds=2, heart_beat_timeout=1.5
    )
    # the vanishing sites ask first, so they hold the only slot when they go
    leaver = Paced(server.address, "c1", plan, vanish_at=0, bye=True)
    dead = Paced(server.address, "c2", plan, ask_after=0.15, vanish_at=1, bye=False)
    steady = [Paced(server.address, n, plan, ask_after=0.3, hold=0.05) for n in ("c3", "c4")]
    rows = run_federation(tmp_path, [leaver, dead, *steady], server)
    assert all(s.error is None for s in steady), [s.error for s in steady]
    assert [r["round"] for r in rows] == [0, 1]
    assert sorted(rows[0]["clients"]) == ["c2", "c3", "c4"]  # c1 left holding the slot
    assert sorted(rows[1]["clients"]) == ["c3", "c4"]  # c2 died holding it
    first_grant = min(g for s in steady for r, g, _ in s.windows if r == 1)
    assert first_grant > dead.windows[-1][2]  # (its last send was in round 0)


def test_a_granted_site_whose_task_failed_frees_its_slot_at_once(tmp_path: Path) -> None:
    # (two answers close the round: the failed site's never comes)
    plan, server = federation(tmp_path, upload_slots=1, min_num_clients=2, num_rounds=1)
    failing = Paced(server.address, "c1", plan, fail_at=0)  # asks first, gets the slot
    others = [Paced(server.address, n, plan, ask_after=0.2, hold=0.0) for n in ("c2", "c3")]
    rows = run_federation(tmp_path, [failing, *others], server)
    assert all(s.error is None for s in [failing, *others])
    assert sorted(rows[0]["clients"]) == ["c2", "c3"]
    assert failing.failed_at is not None
    first_other = min(g for s in others for _, g, _ in s.windows)
    assert first_other - failing.failed_at < 5  # not after the 30 s grant timeout


def test_a_stalled_grant_expires_and_its_late_result_still_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slots_module, "GRANT_BASE_S", 0.5)
    plan, server = federation(tmp_path, upload_slots=1, min_num_clients=2, num_rounds=1)
    slow = Paced(server.address, "c1", plan, hold=2.0)
    quick = Paced(server.address, "c2", plan, hold=0.0, ask_after=0.2)
    rows = run_federation(tmp_path, [slow, quick], server, stagger=0.01)  # slow asks first
    assert slow.error is None and quick.error is None
    (_, slow_granted, slow_sent), (_, quick_granted, _) = slow.windows[0], quick.windows[0]
    assert slow_granted < quick_granted < slow_sent  # the slot moved on after 0.5 s
    assert sorted(rows[0]["clients"]) == ["c1", "c2"]


def test_results_over_shared_files_are_not_paced(tmp_path: Path) -> None:
    plan = fl_test_plan(upload_slots=1)
    folder = tmp_path / "ipc"
    folder.mkdir(mode=0o700)
    server = FederatedServer(plan, tmp_path, tmp_path, bind=f"ipc://{folder}/server")
    try:
        assert server.endpoint.shared_payloads
        assert server.loop.upload_slots == 0
    finally:
        server.close()
    tcp = FederatedServer(plan, tmp_path / "tcp", tmp_path / "tcp")
    try:
        assert not tcp.endpoint.shared_payloads and tcp.loop.upload_slots == 1
    finally:
        tcp.close()


# -- a real site -------------------------------------------------------------------------------


def test_a_site_waiting_for_its_grant_follows_a_resent_task_and_the_goodbye(
    tmp_path: Path,
) -> None:
    """The site (the real client loop, training a real plan) announces its result and
    waits; the task comes again (what a restarted server does): it announces the same
    result for the new task and sends it when granted. A goodbye while it waits ends it
    without sending."""
    from helpers import tiny_fl_mmar
    from mmarc.runtime.client.loop import FederatedClient
    from mmarc.runtime.transport import ServerEndpoint

    from mmarc import api

    root = tiny_fl_mmar(tmp_path, n_train=8, n_val=4)
    plan = api.compile_plan(root).plan
    assert plan is not None
    server = ServerEndpoint(run_id=plan.mmar_name or "mmarc", plan_hash=plan.sha256)
    site = FederatedClient(plan, root, "site-1", server.endpoint, tmp_path / "site")
    out: dict[str, Any] = {}

    def serve() -> None:
        try:
            site.register()
            site.build()
            out["result"] = site.serve()
        except BaseException as exc:
            out["error"] = exc
        finally:
            site.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def next_message(*kinds: MessageKind) -> Any:
        while True:
            message = server.recv(timeout=60)
            assert message is not None, f"nothing from the site (waiting for {kinds})"
            if message.kind in kinds:
                return message

    try:
        next_message(MessageKind.REGISTER)
        while site.training is None:  # its model gives the global model's shapes
            time.sleep(0.05)
        model = {k: np.array(v) for k, v in site.rw.weights().items()}
        meta = {"task": TASK_TRAIN, "n": 1, "rounds": 2, UPLOAD: UPLOAD_WHEN_GRANTED}
        first = server.send("site-1", MessageKind.TASK, round=0, meta=meta, tensors=model)
        assert next_message(MessageKind.READY, MessageKind.RESULT).header.in_reply_to == first
        assert site.endpoint.status == "waiting to upload"  # what its heartbeats say
        again = server.send("site-1", MessageKind.TASK, round=0, meta=meta, tensors=model)
        ready = next_message(MessageKind.READY, MessageKind.RESULT)
        assert ready.kind is MessageKind.READY and ready.header.in_reply_to == again
        server.send("site-1", MessageKind.GRANT, round=0, in_reply_to=again)
        result = next_message(MessageKind.READY, MessageKind.RESULT)
        assert result.kind is MessageKind.RESULT and result.header.in_reply_to == again
        assert set(result.tensors) == set(model)

        meta = {**meta, "n": 2}
        last = server.send("site-1", MessageKind.TASK, round=1, meta=meta, tensors=model)
        assert next_message(MessageKind.READY, MessageKind.RESULT).header.in_reply_to == last
        server.send("site-1", MessageKind.BYE, meta={"reason": "finished"})
        thread.join(60)
        assert "error" not in out, out
        assert out["result"].rounds == 2  # trained twice; the second result never sent
        while (late := server.recv(timeout=0.5)) is not None:
            assert late.kind is not MessageKind.RESULT, "a result sent after the goodbye"
        lines = (tmp_path / "site" / "events.jsonl").read_text().splitlines()
        granted = [e for e in map(json.loads, lines) if e["event"] == "upload_granted"]
        assert [(e["round"], e["client"]) for e in granted] == [(1, "site-1")]
        assert granted[0]["waited_s"] > 0
    finally:
        server.close()
        thread.join(10)
