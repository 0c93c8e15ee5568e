"""The server workflow against scripted clients: real sockets on 127.0.0.1, one process.

Why scripted clients here: they make the arithmetic and the timing rules exact and fast
(FedAvg from known updates, ``wait_after_min_clients``, heartbeat drops, rejoining,
refusals) without torch training. tests/integration/test_fl_processes.py runs the same workflow with
real client processes training a real plan.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from helpers import fl_test_plan, run_in_thread
from mmarc.runtime.protocol import MessageKind
from mmarc.runtime.server.admission import registration_meta
from mmarc.runtime.server.persistor import GLOBAL_MODEL
from mmarc.runtime.server.workflow import (
    CROSS_VAL_FILE,
    GLOBAL_OWNER,
    METRICS_FILE,
    TASK_SUBMIT,
    TASK_TRAIN,
    TASK_VALIDATE,
    FederatedServer,
    ServerError,
)
from mmarc.runtime.transport import ClientEndpoint, RegistrationRefused

from mmarc.plan import Plan

SHAPES = {"w": (4, 3), "b": (3,), "steps": ()}


def initial() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "w": rng.standard_normal(SHAPES["w"]).astype(np.float32),
        "b": rng.standard_normal(SHAPES["b"]).astype(np.float32),
        "steps": np.array(7, dtype=np.int64),
    }


class Scripted(threading.Thread):
    """A client that answers tasks with seeded 'differences' and records everything."""

    def __init__(
        self,
        endpoint: str,
        name: str,
        plan: Plan,
        *,
        steps: int = 3,
        heartbeat: float | None = 0.2,
        delay: Callable[[int], float] = lambda r: 0.0,
        stop_after: int | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.name_ = name
        self.plan = plan
        self.steps = steps
        self.delay = delay
        self.stop_after = stop_after
        self.meta = meta if meta is not None else registration_meta(plan, cross_validate=True)
        self.client = ClientEndpoint(
            endpoint, name, run_id="t", plan_hash=plan.sha256, heartbeat_interval=heartbeat
        )
        self.sent: dict[int, dict[str, np.ndarray]] = {}
        self.received: dict[int, dict[str, np.ndarray]] = {}
        self.tasks: list[tuple[str, int]] = []
        self.error: BaseException | None = None
        self.done = threading.Event()

    def update(self, round_: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(hash((self.name_, round_)) % 2**32)
        return {
            "w": rng.standard_normal(SHAPES["w"]).astype(np.float32),
            "b": rng.standard_normal(SHAPES["b"]).astype(np.float32),
            "steps": np.array(self.steps, dtype=np.int64),
        }

    def run(self) -> None:
        try:
            self.client.register(self.meta, timeout=10)
            while True:
                message = self.client.recv(timeout=20)
                if message is None or message.kind is MessageKind.BYE:
                    return
                task = message.meta["task"]
                self.tasks.append((task, message.round))
                if task == TASK_TRAIN:
                    if self.stop_after is not None and message.round >= self.stop_after:
                        return  # goes silent: no result, no heartbeats once closed
                    time.sleep(self.delay(message.round))
                    self.received[message.round] = {
                        k: np.array(v) for k, v in message.tensors.items()
                    }
                    diff = self.update(message.round)
                    self.sent[message.round] = diff
                    meta = {
                        "task": task,
                        "steps": self.steps,
                        "update": "diff",
                        "metrics": {"acc": 0.5 + 0.1 * message.round},
                        "key_metric": "acc",
                        "val_samples": 10,
                    }
                    self.client.send(
                        MessageKind.RESULT,
                        round=message.round,
                        in_reply_to=message.header.msg_id,
                        meta=meta,
                        tensors=diff,
                    )
                elif task == TASK_SUBMIT:
                    self.client.send(
                        MessageKind.RESULT,
                        round=message.round,
                        in_reply_to=message.header.msg_id,
                        meta={"task": task},
                        tensors={"w": np.full(SHAPES["w"], 1, np.float32)},
                    )
                elif task == TASK_VALIDATE:
                    owners = message.meta["models"]
                    results = {o: {"acc": 0.9} for o in owners}
                    results[self.name_] = {"acc": 1.0}
                    self.client.send(
                        MessageKind.RESULT,
                        round=message.round,
                        in_reply_to=message.header.msg_id,
                        meta={
                            "task": task,
                            "results": results,
                            "key_metric": "acc",
                            "val_samples": 10,
                        },
                    )
        except BaseException as exc:
            self.error = exc
        finally:
            if self.stop_after is None:
                self.client.close()
            self.done.set()


def serve(plan: Plan, run_dir: Path, events: list[dict[str, Any]]) -> FederatedServer:
    server = FederatedServer(plan, run_dir, run_dir, on_progress=events.append)
    server.load_or_build(initial)
    return server


def finish(*clients: Scripted) -> None:
    """Every scripted client has stopped and closed its sockets (a ZeroMQ context left
    open by a running thread would hang the interpreter's exit)."""
    for c in clients:
        c.join(20)
        assert not c.is_alive(), f"{c.name_} did not finish"
        if c.stop_after is not None:
            c.client.close(bye=False)


def run_with(server: FederatedServer, clients: list[Scripted]) -> dict[str, Any]:
    """Run ``server`` to its end with ``clients`` (started here); all finished, none
    with an error. Returns what :func:`run_in_thread` collected (``out["result"]``)."""
    thread, out = run_in_thread(server)
    for c in clients:
        c.start()
    thread.join(60)
    server.close()
    finish(*clients)
    assert "error" not in out, out
    assert all(c.error is None for c in clients), [c.error for c in clients]
    return out


def rows(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / METRICS_FILE).read_text().splitlines()
    return [json.loads(line) for line in lines if "phase" not in json.loads(line)]


def test_fedavg_of_three_clients_over_three_rounds(tmp_path: Path) -> None:
    plan = fl_test_plan(min_num_clients=3)
    events: list[dict[str, Any]] = []
    server = serve(plan, tmp_path, events)
    clients = [
        Scripted(server.address, name, plan, steps=steps)
        for name, steps in (("c1", 2), ("c2", 3), ("c3", 5))
    ]
    out = run_with(server, clients)
    weights = {"c1": 1.0 * 2, "c2": 1.5 * 3, "c3": 0.8 * 5}
    model = {k: v.astype(np.float64) for k, v in initial().items()}
    for r in range(3):
        for c in clients:  # every client got the same global model
            for k in model:
                np.testing.assert_allclose(c.received[r][k], model[k], atol=1e-6)
        total = sum(weights.values())
        for k in model:
            avg = sum(weights[c.name_] * c.sent[r][k].astype(np.float64) for c in clients)
            model[k] = model[k] + avg / total
        model["steps"] = np.rint(model["steps"])
    saved = torch.load(tmp_path / GLOBAL_MODEL, weights_only=True)
    assert saved["fl"]["round"] == 2
    for k, v in model.items():
        np.testing.assert_allclose(saved["model"][k].numpy(), v, atol=1e-5)
    assert saved["model"]["steps"].dtype == torch.int64
    assert [r["round"] for r in rows(tmp_path)] == [0, 1, 2]
    assert rows(tmp_path)[1]["weights"] == pytest.approx(weights)
    cross = json.loads((tmp_path / CROSS_VAL_FILE).read_text())
    assert set(cross) == {"c1", "c2", "c3"}
    assert set(cross["c1"]) == {"c1", "c2", "c3", GLOBAL_OWNER}
    assert out["result"].best["metric"] == "acc"
    assert (tmp_path / "best_FL_global_model.pt").exists()


def test_the_strategy_sums_early_updates_while_later_ones_are_on_their_way(
    tmp_path: Path,
) -> None:
    """``while_waiting`` follows every accepted update but a round's last: the last one is
    left held, to be folded into the average (the aggregation tests check the bits)."""
    plan = fl_test_plan(min_num_clients=3)
    server = serve(plan, tmp_path, [])
    strategy = server.strategy
    calls: list[tuple[int, bool]] = []
    settle = strategy.while_waiting  # type: ignore[attr-defined]

    def spy() -> None:
        settle()
        held = strategy.accumulator._pending is not None  # type: ignore[attr-defined]
        calls.append((strategy.count, held))  # type: ignore[attr-defined]

    strategy.while_waiting = spy  # type: ignore[attr-defined]
    finished = strategy.finish

    def finish_spy() -> Any:
        calls.append((-strategy.count, strategy.accumulator._pending is not None))  # type: ignore[attr-defined]
        return finished()

    strategy.finish = finish_spy  # type: ignore[method-assign]
    run_with(server, [Scripted(server.address, n, plan) for n in ("c1", "c2", "c3")])
    # per round: settled after the first and second update, the third still held at finish
    assert calls == [(1, False), (2, False), (-3, True)] * 3


def test_round_closes_when_all_live_clients_answered_not_after_wait(tmp_path: Path) -> None:
    """wait_after_min_clients is 30 s; three prompt clients must not wait for it."""
    plan = fl_test_plan(num_rounds=2, min_num_clients=3)
    server = serve(plan, tmp_path, [])
    started = time.monotonic()
    run_with(server, [Scripted(server.address, n, plan) for n in ("c1", "c2", "c3")])
    assert time.monotonic() - started < 15
    assert all(len(r["clients"]) == 3 for r in rows(tmp_path))


def test_wait_after_min_clients_closes_a_round_without_the_straggler(tmp_path: Path) -> None:
    plan = fl_test_plan(num_rounds=2, wait_after_min_clients=0.5)
    server = serve(plan, tmp_path, [])
    thread, out = run_in_thread(server)
    slow = Scripted(server.address, "c3", plan, delay=lambda r: 3.0 if r == 0 else 0.0)
    slow.start()  # registered before the round starts, so the round waits for it
    while "c3" not in server.members:
        time.sleep(0.01)
    clients = [Scripted(server.address, n, plan) for n in ("c1", "c2")] + [slow]
    for c in clients[:2]:
        c.start()
    thread.join(60)
    server.close()
    finish(*clients)
    assert "error" not in out, out
    first = rows(tmp_path)[0]
    assert first["clients"] == ["c1", "c2"] and first["missing"] == ["c3"]
    assert first["seconds"] < 2.5
    # round 1 started from the average of c1 and c2 only: c3's late result was ignored
    c1, c2 = clients[0], clients[1]
    w1, w2 = 1.0 * 3, 1.5 * 3
    expected = initial()["w"] + (w1 * c1.sent[0]["w"] + w2 * c2.sent[0]["w"]) / (w1 + w2)
    np.testing.assert_allclose(c1.received[1]["w"], expected, atol=1e-6)


def test_silent_client_is_dropped_and_the_round_goes_on(tmp_path: Path) -> None:
    plan = fl_test_plan(num_rounds=3, heart_beat_timeout=1.0)
    events: list[dict[str, Any]] = []
    server = serve(plan, tmp_path, events)
    thread, out = run_in_thread(server)
    clients = [Scripted(server.address, n, plan) for n in ("c1", "c2")]
    # c3 answers round 0, then stops answering and heartbeating (its thread exits and the
    # endpoint is left open without heartbeats)
    silent = Scripted(server.address, "c3", plan, heartbeat=None, stop_after=1)
    silent.start()  # a member before round 0 starts
    while "c3" not in server.members:
        time.sleep(0.01)
    for c in clients:
        c.start()
    thread.join(60)
    server.close()
    finish(*clients, silent)
    assert "error" not in out, out
    dropped = [e for e in events if e.get("event") == "dropped"]
    assert [e["client"] for e in dropped] == ["c3"]
    assert "silent" in dropped[0]["reason"]
    r0, r1, r2 = rows(tmp_path)
    assert "c3" in r0["clients"] and "c3" not in r1["clients"] and "c3" not in r2["clients"]


def test_returning_client_rejoins_at_the_current_round(tmp_path: Path) -> None:
    plan = fl_test_plan(num_rounds=3, min_num_clients=2)
    events: list[dict[str, Any]] = []
    server = serve(plan, tmp_path, events)
    thread, out = run_in_thread(server)
    slow = [Scripted(server.address, n, plan, delay=lambda r: 1.0) for n in ("c1", "c2")]
    for c in slow:
        c.start()
    while not any(e.get("event") == "round_start" and e["round"] == 1 for e in events):
        time.sleep(0.02)
    late = Scripted(server.address, "c3", plan)
    late.start()
    thread.join(60)
    server.close()
    finish(*slow, late)
    assert "error" not in out, out
    assert late.tasks[0] == (TASK_TRAIN, 1)  # joined mid-round 1 and got round 1's task
    assert "c3" in rows(tmp_path)[1]["clients"]


def test_client_of_another_plan_is_refused_naming_the_difference(tmp_path: Path) -> None:
    plan = fl_test_plan(num_rounds=1)
    events: list[dict[str, Any]] = []
    server = serve(plan, tmp_path, events)
    thread, _ = run_in_thread(server)
    edited = json.loads(json.dumps(plan.document))
    edited["settings"]["learning_rate"] = 0.01
    edited["train"]["model"]["args"]["width"] = 8
    other = Plan.sealed({k: v for k, v in edited.items() if k != "sha256"})
    client = ClientEndpoint(server.address, "c1", run_id="t", plan_hash=other.sha256)
    with pytest.raises(RegistrationRefused) as refused:
        client.register(registration_meta(other), timeout=10)
    client.close()
    reason = refused.value.reason
    assert "train.model" in reason
    assert "settings.learning_rate (0.01 on the client, 0.001 on the server)" in reason
    assert any(e.get("event") == "refused" and "train.model" in e["reason"] for e in events)
    old = ClientEndpoint(server.address, "c2", run_id="t", plan_hash=plan.sha256)
    meta = registration_meta(plan)
    meta["mmarc_version"] = "9.0.0"
    with pytest.raises(RegistrationRefused, match=r"mmarc 9\.0\.0 .* major\.minor"):
        old.register(meta, timeout=10)
    old.close()
    clients = [Scripted(server.address, n, plan) for n in ("c1", "c2")]
    for c in clients:
        c.start()
    thread.join(60)
    server.close()
    finish(*clients)
    assert {e["client"] for e in events if e.get("event") == "joined"} == {"c1", "c2"}


def test_restart_resumes_after_the_last_completed_round(tmp_path: Path) -> None:
    plan = fl_test_plan(num_rounds=4)
    server = serve(plan, tmp_path, [])
    # a first run that stops after 2 rounds; every client takes part (min 3)
    server.config = server.config.model_copy(update={"num_rounds": 2, "min_num_clients": 3})
    run_with(server, [Scripted(server.address, n, plan) for n in ("c1", "c2", "c3")])
    (tmp_path / "summary.json").unlink()  # as if killed before the end
    events: list[dict[str, Any]] = []
    again = serve(plan, tmp_path, events)
    assert again.next_round == 2 and again.resumed_after == 1
    again.config = again.config.model_copy(update={"min_num_clients": 3})
    clients = [Scripted(again.address, n, plan) for n in ("c1", "c2", "c3")]
    run_with(again, clients)
    assert [r["round"] for r in rows(tmp_path)] == [0, 1, 2, 3]
    assert all(task != (TASK_TRAIN, 0) for c in clients for task in c.tasks)
    with (
        pytest.raises(ServerError, match="finished run"),
        FederatedServer(plan, tmp_path, tmp_path) as finished,
    ):
        finished.load_or_build(initial)


def test_federation_is_full_at_max_num_clients(tmp_path: Path) -> None:
    plan = fl_test_plan(num_rounds=1, min_num_clients=2, max_num_clients=2)
    server = serve(plan, tmp_path, [])
    thread, out = run_in_thread(server)
    clients = [Scripted(server.address, n, plan, delay=lambda r: 0.5) for n in ("c1", "c2")]
    for c in clients:
        c.start()
    while len(server.members) < 2:
        time.sleep(0.02)
    third = ClientEndpoint(server.address, "c3", run_id="t", plan_hash=plan.sha256)
    with pytest.raises(RegistrationRefused, match="full"):
        third.register(registration_meta(plan), timeout=10)
    third.close()
    thread.join(60)
    server.close()
    finish(*clients)
    assert "error" not in out, out


def test_writer_skips_superseded_saves_and_keeps_order() -> None:
    from mmarc.runtime.server.persistor import BackgroundWriter

    gate = threading.Event()
    done: list[str] = []
    writer = BackgroundWriter()
    writer.submit(gate.wait)
    for name in ("save-1", "save-2", "save-3"):
        writer.submit(lambda n=name: done.append(n), key="global")
        writer.submit(lambda n=name: done.append(f"plain after {n}"))
    gate.set()
    writer.flush()
    writer.close()
    assert done == ["plain after save-1", "plain after save-2", "save-3", "plain after save-3"]
    assert writer.skipped == 2


def test_metrics_lines_lost_in_a_crash_come_back_from_the_model_file(tmp_path: Path) -> None:
    from mmarc.runtime.server.persistor import ModelPersistor

    plan = fl_test_plan()
    persistor = ModelPersistor(tmp_path, plan_sha256=plan.sha256)
    rows = [{"round": 0, "clients": ["c1"]}, {"round": 1, "clients": ["c1", "c2"]}]
    persistor.save(1, initial(), None, rows)  # round 1's save also completed round 0
    (tmp_path / METRICS_FILE).write_text(json.dumps(rows[0]) + "\n" + '{"round": 1, "cli')
    server = serve(plan, tmp_path, [])
    server.close()
    assert server.next_round == 2
    assert [json.loads(x) for x in (tmp_path / METRICS_FILE).read_text().splitlines()] == rows


def test_round_save_reads_back_bit_for_bit_without_crc_and_best_keeps_it(tmp_path: Path) -> None:
    import zipfile

    import torch
    from mmarc.runtime.server.persistor import BEST_MODEL, ModelPersistor

    rng = np.random.default_rng(0)
    weights = {"w": rng.standard_normal((300, 200)).astype(np.float32), "n": np.array(7)}
    persistor = ModelPersistor(tmp_path, plan_sha256="p")
    before = torch.serialization.get_crc32_options()
    persistor.save(3, weights, None, [{"round": 3}])
    persistor.save_best(3, weights, {"metric": 0.5})
    assert torch.serialization.get_crc32_options() == before  # the switch is put back
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([GLOBAL_MODEL, BEST_MODEL])
    snapshot = persistor.load()
    assert snapshot is not None and snapshot.round == 3 and snapshot.rows == ({"round": 3},)
    for name, array in weights.items():
        assert snapshot.weights[name].tobytes() == array.tobytes()
        assert snapshot.weights[name].dtype == array.dtype
    with zipfile.ZipFile(tmp_path / BEST_MODEL) as best:
        assert best.testzip() is None  # the rarely written best model keeps its CRC-32s
