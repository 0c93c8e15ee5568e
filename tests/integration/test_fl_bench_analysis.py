"""Unit tests of the FL round benchmark's analysis on synthetic events.

Why: the benchmark's headline ("mmarc / best anchor") is only as right as the arithmetic
that turns timestamps into M1 round walls, overheads and ratios; these tests pin that
arithmetic down without installing NVFlare, Flower or torch and without running anything.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import fl_round
from fl_anchors import analyze, events

MB = 1_000_000


def synth_run(
    starts: list[float],
    computes: dict[int, list[float]],
    *,
    recv_delay: float = 0.05,
    agg_delay: float = 0.02,
    nbytes: int = 6 * MB,
) -> list[dict[str, Any]]:
    """Events of one run: round r starts at starts[r-1]; clients finish after their compute
    plus ``recv_delay``; aggregation starts ``agg_delay`` after the last client and ends at
    once; every client moves ``nbytes`` each way."""
    out: list[dict[str, Any]] = []
    for r, t0 in enumerate(starts, start=1):
        out.append({"event": "round_start", "t": t0, "round": r})
        done = []
        for i, c in enumerate(computes.get(r, [])):
            t_recv = t0 + recv_delay
            t_done = t_recv + c + 0.001
            done.append(t_done)
            out += [
                {"event": "client_recv", "t": t_recv, "round": r, "client": f"c{i}"},
                {
                    "event": "client_compute",
                    "t": t_done,
                    "round": r,
                    "client": f"c{i}",
                    "compute_s": c,
                    "client_s": c + 0.001,
                },
                {
                    "event": "bytes",
                    "t": t_done,
                    "round": r,
                    "client": f"c{i}",
                    "down": nbytes,
                    "up": nbytes,
                },
            ]
        if done:
            out.append({"event": "aggregation_start", "t": max(done) + agg_delay, "round": r})
            out.append({"event": "round_end", "t": max(done) + agg_delay, "round": r})
    return out


def test_steady_rounds_are_two_to_r_minus_one() -> None:
    assert list(analyze.steady_rounds(7)) == [2, 3, 4, 5, 6]
    assert list(analyze.steady_rounds(4)) == [2, 3]


def test_round_metrics_wall_compute_overhead_and_breakdown() -> None:
    starts = [0.0, 10.0, 11.0, 12.5, 14.5]  # round 1 is cold; walls of 2..4: 1.0, 1.5, 2.0
    computes = {r: [0.1, 0.3] for r in range(1, 6)}
    ms = analyze.round_metrics(synth_run(starts, computes), rounds=5)
    assert [m.round for m in ms] == [2, 3, 4]
    assert [m.wall for m in ms] == pytest.approx([1.0, 1.5, 2.0])
    assert all(m.compute == pytest.approx(0.3) for m in ms)  # slowest client
    assert [m.overhead for m in ms] == pytest.approx([0.7, 1.2, 1.7])
    m = ms[0]
    assert m.client == pytest.approx(0.301)
    assert m.clients_reporting == 2
    assert m.bytes == 4 * 6 * MB  # 2 clients, down + up
    assert m.start_to_recv == pytest.approx(0.05)
    assert m.done_to_agg == pytest.approx(0.02)
    # round 2 ends at 10 + 0.05 + 0.301 + 0.02; round 3 starts at 11.0
    assert m.agg_to_next == pytest.approx(11.0 - 10.371)


def test_overhead_is_per_round_then_median() -> None:
    """Median of per-round (wall - compute), not median wall - median compute."""
    starts = [0.0, 5.0, 6.0, 7.0, 9.0, 10.0]
    computes = {1: [0.1], 2: [0.9], 3: [0.1], 4: [0.1], 5: [0.1], 6: [0.1]}
    ms = analyze.round_metrics(synth_run(starts, computes), rounds=6)
    over = analyze.Stat.of(m.overhead for m in ms)
    assert over is not None
    # per round: (1.0-0.9, 1.0-0.1, 2.0-0.1, 1.0-0.1) = (0.1, 0.9, 1.9, 0.9)
    assert over.median == pytest.approx(0.9)
    assert over.min == pytest.approx(0.1)
    assert over.n == 4


def test_rounds_without_next_start_or_clients_are_skipped() -> None:
    starts = [0.0, 2.0, 3.0]  # round 3 started, round 4 never did
    computes = {1: [0.1], 2: [0.1]}
    ms = analyze.round_metrics(synth_run(starts, computes), rounds=5)
    assert [m.round for m in ms] == [2]
    ms = analyze.round_metrics(synth_run([0.0, 2.0, 3.0, 4.0], {1: [0.1], 3: [0.1]}), 4)
    assert [m.round for m in ms] == [3]  # round 2 had no client_compute


def test_missing_optional_events_give_none() -> None:
    evs = [
        {"event": "round_start", "t": 0.0, "round": 1},
        {"event": "round_start", "t": 1.0, "round": 2},
        {"event": "client_compute", "t": 1.5, "round": 2, "client": "a", "compute_s": 0.2},
        {"event": "round_start", "t": 2.5, "round": 3},
    ]
    (m,) = analyze.round_metrics(evs, rounds=3)
    assert m.wall == pytest.approx(1.5)
    assert m.overhead == pytest.approx(1.3)
    assert m.client is None and m.bytes is None
    assert m.start_to_recv is None and m.done_to_agg is None and m.agg_to_next is None


def test_run_phases() -> None:
    evs = synth_run([3.0, 10.0, 11.0], {1: [0.1], 2: [0.1], 3: [0.1]})
    ph = analyze.run_phases(evs, launch_t=0.0, exit_t=20.0)
    assert ph.startup == pytest.approx(3.0)
    assert ph.round1 == pytest.approx(7.0)
    assert ph.total == pytest.approx(20.0)
    last_end = max(e["t"] for e in evs if e["event"] == "round_end")
    assert ph.teardown == pytest.approx(20.0 - last_end)
    # launch to the end of round 1: its aggregation done (start 3.0 + recv 0.05 + compute
    # 0.1 + 0.001 + aggregation 0.02)
    assert ph.round1_end == pytest.approx(3.171)
    assert analyze.run_phases([], None, None).startup is None
    assert analyze.run_phases([], None, None).round1_end is None


def test_role_pss_maps_pids_to_server_and_sites() -> None:
    evs = [
        {"event": "round_start", "t": 1.0, "round": 1, "pid": 10},
        {"event": "client_compute", "t": 1.1, "round": 1, "pid": 11, "compute_s": 0.1},
        {"event": "client_compute", "t": 1.2, "round": 1, "pid": 12, "compute_s": 0.1},
    ]
    peaks = {"10": 500.0, "11": 300.0, "12": 350.0, "99": 4000.0}  # 99: a helper process
    assert analyze.role_pss(evs, peaks) == (500.0, 350.0)
    assert analyze.role_pss(evs, {}) == (None, None)
    # one process that is server and client at once (a framework's in-process client)
    assert analyze.role_pss([{**evs[0], "pid": 11}, evs[1]], peaks) == (300.0, None)


def write_results(tmp: Path, runs: list[tuple[str, str, int, list[float], float, str]]) -> Path:
    """A results folder: (variant, model, clients, starts, compute, status) per run."""
    (tmp / "events").mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (variant, model, clients, starts, compute, status) in enumerate(runs):
        name = f"events/run{i}.jsonl"
        comps = {r: [compute] * clients for r in range(1, len(starts) + 1)}
        events.write_events(tmp / name, synth_run(starts, comps))
        lines.append(
            json.dumps(
                {
                    "variant": variant,
                    "model": model,
                    "clients": clients,
                    "rounds": len(starts),
                    "status": status,
                    "events": name,
                    "launch_t": starts[0] - 2.0,
                    "exit_t": starts[-1] + 3.0,
                    "peak_pss_mb": 1000.0,
                    "busy_before": 0.02,
                }
            )
        )
    (tmp / "runs.jsonl").write_text("\n".join(lines) + "\n")
    return tmp


def evenly(wall: float, rounds: int = 5, first: float = 5.0) -> list[float]:
    """Round starts: cold round 1 of ``first`` seconds, then rounds of ``wall`` seconds."""
    return [0.0] + [first + wall * i for i in range(rounds - 1)]


def test_summarize_pools_repeats_and_drops_failed_runs(tmp_path: Path) -> None:
    out = write_results(
        tmp_path,
        [
            ("flower", "A", 2, evenly(0.2), 0.01, "ok"),
            ("flower", "A", 2, evenly(0.4), 0.01, "ok"),
            ("flower", "A", 2, evenly(9.0), 0.01, "failed"),
        ],
    )
    (cell,) = analyze.summarize(analyze.load_runs(out), base=out)
    assert (cell.runs_ok, cell.runs_failed) == (2, 1)
    wall = cell.stat("wall")
    assert wall is not None and wall.n == 6  # rounds 2, 3, 4 of 2 runs
    assert wall.min == pytest.approx(0.2)
    assert wall.median == pytest.approx(0.3)
    assert cell.phase("startup") is not None and cell.phase("startup").median == 2.0


def test_best_anchor_and_mmarc_ratio(tmp_path: Path) -> None:
    out = write_results(
        tmp_path,
        [
            ("nvflare-default", "A", 2, evenly(2.5), 0.01, "ok"),
            ("nvflare-tuned", "A", 2, evenly(1.2), 0.01, "ok"),
            ("flower", "A", 2, evenly(0.21), 0.01, "ok"),
            ("mmarc", "A", 2, evenly(0.05), 0.01, "ok"),
            ("nvflare-tuned", "B", 4, evenly(3.0), 0.1, "ok"),
            ("flower", "B", 4, evenly(2.0), 0.1, "ok"),
        ],
    )
    cells = analyze.summarize(analyze.load_runs(out), base=out)
    best = analyze.best_anchors(cells)
    assert best[("A", 2)].variant == "flower"  # mmarc is never its own anchor
    assert best[("B", 4)].variant == "flower"
    rows = {(r.model, r.clients): r for r in analyze.ratios(cells)}
    a2 = rows[("A", 2)]
    assert a2.best_overhead == pytest.approx(0.20)
    assert a2.mmarc_overhead == pytest.approx(0.04)
    assert a2.overhead_ratio == pytest.approx(0.04 / 0.20)
    assert a2.wall_ratio == pytest.approx(0.05 / 0.21)
    b4 = rows[("B", 4)]
    assert b4.mmarc_overhead is None and b4.overhead_ratio is None and b4.wall_ratio is None
    text = analyze.format_tables(cells)
    assert "| A | 2 | Flower 1.42.0 sim (Ray, 1 actor/client) | 0.200 | 0.040 | 0.200 |" in text
    assert "| B | 4 | Flower 1.42.0 sim (Ray, 1 actor/client) | 1.900 | — | — | — |" in text
    # the anchor file's figures appear next to the measured ones
    assert "0.209 / 0.196" in text


def test_goal_tables_compare_start_up_memory_and_curve(tmp_path: Path) -> None:
    from fl_anchors import goals

    out = write_results(
        tmp_path,
        [
            ("flower", "A", 2, evenly(0.2, first=6.0), 0.01, "ok"),
            ("nvflare-tuned", "A", 2, evenly(1.2, first=8.0), 0.01, "ok"),
            ("mmarc", "A", 2, evenly(0.05, first=2.0), 0.01, "ok"),
            ("mmarc-curve", "A", 2, evenly(0.09, first=2.0), 0.01, "ok"),
        ],
    )
    runs = analyze.load_runs(out)
    # the anchors start slower (launched 8 s and 6 s before round 1) and use more memory
    leads, peaks = (8.0, 6.0, 2.0, 2.0), (1600.0, 2000.0, 400.0, 700.0)
    for run, lead, pss in zip(runs, leads, peaks, strict=True):
        run["launch_t"], run["peak_pss_mb"] = -lead, pss
    cells = analyze.summarize(runs, base=out)
    assert analyze.best_anchors(cells)[("A", 2)].variant == "flower"  # kits are not anchors
    text = goals.fixed_cost_table(cells)
    # round 1 ends 0.081 s after it starts (recv 0.05, compute 0.01 + 0.001, aggregation
    # 0.02); the best anchor on each measure is taken on its own (NVFlare's start-up is
    # shorter here, Flower's memory smaller)
    assert "| mmarc sim | A | 2 | 2.08 | 6.08 | 0.34 | 400 | 1600 | 0.25 |" in text
    assert "| mmarc kits (CurveZMQ) | A | 2 | 2.08 | 6.08 | 0.34 | 700 | 1600 | 0.44 |" in text
    assert "Flower" not in text  # anchors are the reference, not rows
    curve = goals.curve_table(cells, {("A", 2): 0.04})
    # overhead 0.080 (recv 0.05 + 0.001 + aggregation 0.02 ...); transfer = download span
    # 0.05 + upload span 0.02
    assert "| A | 2 | 0.040 | 0.080 | 2.00 | 0.070 | 1.75 |" in curve
    assert "| A | 2 | — | 0.080 | — | 0.070 | — |" in goals.curve_table(cells, {})


def test_transfer_is_the_download_span_to_the_last_receipt_plus_the_upload_span() -> None:
    events = [{"event": "round_start", "t": 10.0 * r, "round": r} for r in (1, 2, 3)]
    events += [
        {"event": "client_recv", "t": 20.1, "round": 2, "client": "c0"},
        {"event": "client_recv", "t": 20.3, "round": 2, "client": "c1"},  # the last receipt
        {"event": "client_compute", "t": 20.6, "round": 2, "client": "c0", "compute_s": 0.4},
        {"event": "client_compute", "t": 20.9, "round": 2, "client": "c1", "compute_s": 0.5},
        {"event": "aggregation_start", "t": 21.3, "round": 2},  # 0.4 after the last result
    ]
    (m,) = analyze.round_metrics(events, rounds=3)
    assert m.transfer == pytest.approx(0.3 + 0.4)
    assert m.start_to_recv == pytest.approx(0.1)  # the breakdown keeps the first receipt
    no_agg = [e for e in events if e["event"] != "aggregation_start"]
    assert analyze.round_metrics(no_agg, rounds=3)[0].transfer is None


def test_run_process_samples_memory_per_process(tmp_path: Path) -> None:
    from fl_anchors import process

    ev = tmp_path / "events" / "mem.jsonl"
    ev.parent.mkdir()
    code = "import time; block = bytearray(64 << 20); time.sleep(2.5)"
    outcome = process.run_process([sys.executable, "-c", code], events_path=ev, timeout_s=60)
    assert outcome.rc == 0 and not outcome.timed_out
    assert outcome.peak_pss_mb is not None and outcome.peak_pss_mb >= 64
    assert max(outcome.process_pss_mb.values()) >= 64
    assert process.last_outcome() is outcome
    with pytest.raises(process.RunFailed, match="exit code 3"):
        process.run_process([sys.executable, "-c", "raise SystemExit(3)"], events_path=ev)
    process.set_memory_sampling(False)  # --no-memory: the same run, nothing sampled
    try:
        quiet = process.run_process([sys.executable, "-c", code], events_path=ev, timeout_s=60)
    finally:
        process.set_memory_sampling(True)
    assert quiet.rc == 0 and quiet.peak_pss_mb is None and quiet.process_pss_mb == {}


def test_emit_appends_whole_lines_from_many_threads(tmp_path: Path) -> None:
    path = tmp_path / "ev.jsonl"

    def writer(k: int) -> None:
        for i in range(200):
            events.emit("client_compute", path=path, round=i, client=f"c{k}", compute_s=0.1)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    evs = events.read_events(path)
    assert len(evs) == 800
    assert all(e["event"] == "client_compute" and "t" in e and "pid" in e for e in evs)
    assert [e["t"] for e in evs] == sorted(e["t"] for e in evs)


def test_emit_without_target_is_a_no_op(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(events.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    events.emit("round_start", round=1)
    assert list(tmp_path.iterdir()) == []


def test_emit_uses_given_time_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "ev.jsonl"
    monkeypatch.setenv(events.ENV_VAR, str(path))
    events.emit_client_round(
        3, "c0", t_recv=1.0, t_done=2.0, compute_s=0.5, client_s=0.6, bytes_down=10, bytes_up=12
    )
    evs = events.read_events(path)
    assert [(e["event"], e["t"]) for e in evs] == [
        ("client_recv", 1.0),
        ("client_compute", 2.0),
        ("bytes", 2.0),
    ]
    assert evs[2]["down"] == 10 and evs[2]["up"] == 12 and evs[1]["round"] == 3


def test_read_events_skips_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "ev.jsonl"
    path.write_text('{"event": "round_start", "t": 1.0, "round": 1}\n{"event": "round_st')
    assert [e["event"] for e in events.read_events(path)] == ["round_start"]
    assert events.read_events(tmp_path / "missing.jsonl") == []


def test_check_run_rejects_incomplete_runs(tmp_path: Path) -> None:
    path = tmp_path / "ev.jsonl"
    events.write_events(path, synth_run([0.0, 1.0, 2.0], {1: [0.1], 2: [0.1], 3: [0.1]}))
    fl_round.check_run(path, rounds=3)
    with pytest.raises(fl_round.RunFailed, match="never started"):
        fl_round.check_run(path, rounds=4)
    events.write_events(path, synth_run([0.0, 1.0, 2.0], {1: [0.1], 2: [0.1]}))
    with pytest.raises(fl_round.RunFailed, match="last round"):
        fl_round.check_run(path, rounds=3)


def test_plan_cells_and_quick_mode() -> None:
    cells = fl_round.plan_cells(["nvflare", "flower"], ["A", "B"], [2, 4, 8], include_b8=False)
    keys = {(c.variant, c.model, c.clients) for c in cells}
    assert ("flower-2act", "A", 2) not in keys and ("flower-2act", "A", 4) in keys
    assert not any(c.model == "B" and c.clients == 8 for c in cells)
    assert len(cells) == 3 * 3 + 2 + 2 * 3 + 1  # A: 3 cells x 3 + 2 two-actor; B: 2 x 3 + 1
    args = fl_round.parse_args(["--quick"])
    assert (args.models, args.clients, args.reps, args.rounds) == ("A", "2,4", 1, 4)
    assert fl_round.parse_args([]).frameworks == "mmarc,nvflare,flower"
    cells = fl_round.plan_cells(["flower", "mmarc"], ["A"], [2], include_b8=False)
    # mmarc (plain, then from kits over CurveZMQ) first in each group
    assert [c.variant for c in cells] == ["mmarc", "mmarc-curve", "flower"]


def test_use_step_times_puts_the_step_time_in_compute_s(tmp_path: Path) -> None:
    path = tmp_path / "ev.jsonl"
    rows = [
        {"event": "round_start", "t": 1.0, "pid": 1, "round": 1},
        {"event": "mmarc_step", "t": 1.10, "pid": 7, "step_s": 0.010},
        {"event": "mmarc_step", "t": 1.12, "pid": 8, "step_s": 0.020},
        {"event": "client_compute", "t": 1.11, "pid": 7, "round": 1, "compute_s": 0.05},
        {"event": "client_compute", "t": 1.13, "pid": 8, "round": 1, "compute_s": 0.06},
        {"event": "mmarc_step", "t": 2.10, "pid": 7, "step_s": 0.030},
        {"event": "client_compute", "t": 2.11, "pid": 7, "round": 2, "compute_s": 0.07},
        {"event": "client_compute", "t": 2.12, "pid": 9, "round": 2, "compute_s": 0.08},
    ]
    events.write_events(path, rows)
    assert fl_round.use_step_times(path) == 3
    got = {
        (e["pid"], e["round"]): (e["compute_s"], e.get("mmarc_compute_s"))
        for e in events.read_events(path)
        if e["event"] == "client_compute"
    }
    assert got == {
        (7, 1): (0.010, 0.05),
        (8, 1): (0.020, 0.06),
        (7, 2): (0.030, 0.07),
        (9, 2): (0.08, None),  # no step logged by that process: left as mmarc measured it
    }


def test_benchmark_mmar_has_one_batch_per_client_and_the_cell_settings(tmp_path: Path) -> None:
    from fl_anchors.mmarc_bench import write_mmar

    root = write_mmar(tmp_path / "mmar", "B", 4, 7)
    data = json.loads((root / "data" / "dataset.json").read_text())
    assert len(data["training"]) == 8 * 4
    server = json.loads((root / "config" / "config_fed_server.json").read_text())["servers"][0]
    assert (server["min_num_clients"], server["max_num_clients"], server["num_rounds"]) == (
        4,
        4,
        7,
    )
    client = json.loads((root / "config" / "config_fed_client.json").read_text())
    assert client["client_trainer"]["args"]["steps_aggregation"] == 1
    train = json.loads((root / "config" / "config_train.json").read_text())["train"]
    assert train["model"]["path"] == "bench_net.ModelB"
    assert train["dataloader"]["args"]["batch_size"] == 8
    assert "class StepTimer" in (root / "custom" / "bench_net.py").read_text()
