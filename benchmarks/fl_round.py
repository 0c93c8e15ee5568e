"""Per-round FedAvg overhead of mmarc against NVFlare 2.9.0 and Flower 1.42.0 (the anchors).

Why this exists: mmarc's federated runtime must beat NVFlare and Flower on the time a round
costs beyond the clients' own work. This driver reproduces the method of
shared/anchors/fl-round-overhead.md with the project's own code, runs the anchors in their
own venvs *in the same session* as mmarc (so machine drift hits all alike), and prints the
ratio "mmarc / best anchor" per (model, clients) cell.

Method (see fl_anchors/analyze.py for the arithmetic):

- Models A (6.4 MB CNN) and B (100.2 MB MLP); each client does one SGD step on a batch of 8
  per round (``fl_anchors/models.py``, the same code in every framework).
- **M1 round wall** = server-side time between consecutive round starts, rounds 2 .. R-1
  (2-6 of a 7-round run); **client compute** = slowest client's ``local_train`` time in that
  round, measured inside the client; **overhead** = wall - compute, per round, then min and
  median over the rounds of all repeats pooled.
- Anchor variants: NVFlare simulator with default intervals and with tuned intervals
  (``task_request_interval`` 0.1 s, ``task_check_period`` 0.05 s), ``threads = clients``;
  Flower ``run_simulation`` with one Ray actor per client, and with 2 actors (cells with more
  than 2 clients), the anchor file's best variant at A4/A8.
- mmarc variants: ``mmarc`` (``mmarc run --sim N``, plain TCP on 127.0.0.1) and
  ``mmarc-curve`` (the same cell from ``mmarc provision``'s kits, CurveZMQ on every socket:
  ``fl_anchors/mmarc_curve.py``). For the CURVE row the driver runs
  ``transport_throughput.py --curve`` for the same (model, clients) right before and right
  after each kits run, and prints the kits' overhead per round (and its transfer spans)
  over the raw CurveZMQ round of the same bytes (medians over all repeats and both sides
  of each bracket; goal at most 1.5).
- Start-up and memory: launch to the end of round 1 (its aggregation done), and peak PSS
  of the whole run and of the server and the largest site (``fl_anchors/process.py``
  samples every process of a run every 0.25 s; the events' pids say which is which);
  ``fl_anchors/goals.py`` prints them over the best anchor's (goal at most 0.5). The
  sampler's page-table walks cost the runs' own rounds CPU (a kits round of the 100 MB
  model: 0.1-0.15 s); ``--no-memory`` leaves it out, for the CURVE row's kits side, whose
  raw side never has it.
- Fairness: one run at a time, repeats interleaved across cells (rep 1 of every cell, then
  rep 2, ...), the driver waits until every process a run started has exited (and kills
  stragglers after a grace period) before the next run, and every run has a timeout.
  ``OMP_NUM_THREADS=1``; frameworks log at their default level to a per-run file.

How the mmarc side will be measured (`run_mmarc`, the plug-in point): the runtime's simulator
(``mmarc run MMAR --sim N``) runs an MMAR whose model is ``models.build_model(model)`` and whose
client step is ``models.Client.step`` (``local_train`` inside it), and writes the same
JSON-lines events as the anchors (``fl_anchors/events.py``) to the file named by
``$FL_BENCH_EVENTS``: ``round_start`` at the server when a round's task is sent to the
clients, ``client_compute`` inside each client around the same ``local_train``
(``compute_s``, ``client_s``), and, for the breakdown, ``client_recv``, ``bytes`` (payload
bytes down/up per client; wire bytes if the runtime counts them), ``aggregation_start`` and
``round_end``. ``run_mmarc`` generates that MMAR per run (``fl_anchors/mmarc_bench.py``) and
times the client's training step itself, so its compute matches the anchors' ``local_train``.

Usage (set up the anchor venvs once: ``bash benchmarks/fl_anchors/setup_venvs.sh``; with
``FL_BENCH_VENVS=/work/venvs`` set for both, they live outside the repository):

    .venv/bin/python benchmarks/fl_round.py --quick                    # A2, A4; 1 rep; 4 rounds
    .venv/bin/python benchmarks/fl_round.py --models A,B --clients 2,4,8 --rounds 7 --reps 3
    .venv/bin/python benchmarks/fl_round.py --frameworks mmarc --variants mmarc-curve \
        --models A,B --clients 2,4 --reps 2 --no-memory     # the CURVE row without the sampler
    .venv/bin/python benchmarks/fl_anchors/analyze.py runs/fl_round/<stamp>   # re-print tables

Results land in ``runs/fl_round/<stamp>/``: ``runs.jsonl`` (one line per run), ``events/``,
``logs/`` and ``tables.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fl_anchors import analyze, goals, process
from fl_anchors.events import read_events, write_events
from fl_anchors.process import ANCHOR_DIR, ROOT, RunFailed, machine_busy, run_process
from machine import describe

#: Where the anchor venvs live: ``$FL_BENCH_VENVS`` (outside the repo, e.g. /work/venvs),
#: else ``.bench/`` in the repo; ``fl_anchors/setup_venvs.sh`` creates them in the same place.
BENCH_VENVS = Path(os.environ.get("FL_BENCH_VENVS") or ROOT / ".bench")
RESULTS_ROOT = ROOT / "runs" / "fl_round"

#: Busy fraction of the machine, measured with no benchmark process running, above which a
#: run is flagged as disturbed by other work.
BUSY_WARN = 0.15

FRAMEWORK_VARIANTS: dict[str, tuple[str, ...]] = {
    "nvflare": ("nvflare-default", "nvflare-tuned"),
    "flower": ("flower", "flower-2act"),
    "mmarc": ("mmarc", "mmarc-curve"),
}
DEFAULT_FRAMEWORKS = ("mmarc", "nvflare", "flower")


# --------------------------------------------------------------------------- frameworks


def venv_python(name: str) -> Path:
    """The interpreter of an anchor venv (.bench/<name>); never the main venv's."""
    return BENCH_VENVS / name / "bin" / "python"


def run_nvflare(variant: str, model: str, clients: int, rounds: int, events_path: Path) -> None:
    """NVFlare simulator run (variant 'default' or 'tuned'); the job workspace is removed after."""
    ws = events_path.parent.parent / "scratch" / events_path.stem
    cmd = [
        str(venv_python("nvflare")),
        str(ANCHOR_DIR / "nvflare_job.py"),
        f"--model={model}",
        f"--clients={clients}",
        f"--rounds={rounds}",
        f"--variant={variant}",
        f"--workspace={ws}",
    ]
    try:
        run_process(cmd, events_path=events_path)
    finally:
        shutil.rmtree(ws, ignore_errors=True)


def run_flower(model: str, clients: int, rounds: int, events_path: Path, actors: int) -> None:
    """Flower simulation run with ``actors`` Ray actors (0: one per client)."""
    cmd = [
        str(venv_python("flower")),
        str(ANCHOR_DIR / "flower_sim.py"),
        f"--model={model}",
        f"--clients={clients}",
        f"--rounds={rounds}",
        f"--actors={actors}",
    ]
    # Ray keeps its session files under /tmp/ray by default; a per-run folder keeps runs apart
    # and is removed after. It must be short: Ray puts AF_UNIX sockets in it (107-byte limit).
    tmp = Path(tempfile.mkdtemp(prefix="flb-ray-"))
    try:
        run_process(cmd, events_path=events_path, env_extra={"RAY_TMPDIR": str(tmp)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def mmarc_command() -> list[str]:
    """The ``mmarc`` CLI of the main venv (the one this driver runs in)."""
    exe = Path(sys.executable).parent / "mmarc"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "mmarc"]


def use_step_times(events_path: Path) -> int:
    """Make each ``client_compute``'s ``compute_s`` the ignite iteration time of its step.

    mmarc's client measures ``compute_s`` around validation + ``ClientTrainer.train``
    (engine start/resume, data loader, handlers, the interrupt): more than the anchors'
    ``local_train``. The benchmark MMAR's ``StepTimer`` handler logs each iteration's own
    time (``mmarc_step``, forward/backward/optimizer step); this puts the one of the step a
    client ran in that round (same pid, latest before its ``client_compute``) in
    ``compute_s`` and keeps mmarc's figure as ``mmarc_compute_s``. Returns how many events
    were changed; the file is rewritten with the original timestamps.
    """
    events = read_events(events_path)
    steps: dict[int, list[tuple[float, float]]] = {}
    for e in events:
        if e.get("event") == "mmarc_step":
            steps.setdefault(int(e["pid"]), []).append((float(e["t"]), float(e["step_s"])))
    changed = 0
    for e in events:
        if e.get("event") != "client_compute":
            continue
        before = [s for t, s in steps.get(int(e.get("pid", -1)), []) if t <= float(e["t"])]
        if before:
            e["mmarc_compute_s"] = e.get("compute_s")
            e["compute_s"] = before[-1]
            changed += 1
    write_events(events_path, events)
    return changed


def run_mmarc(model: str, clients: int, rounds: int, events_path: Path) -> None:
    """Run mmarc's simulator for one cell and leave its events in ``events_path``.

    Contract (what the driver and analyze.py rely on):

    - Launch through `run_process` (e.g. ``run_process([mmarc, "run", mmar, "--sim",
      str(clients), ...], events_path=events_path)``), so the per-run timeout, the wait for
      every process of the run and the memory sampling apply, and ``FL_BENCH_EVENTS`` /
      ``PYTHONPATH`` (this folder's fl_anchors, for ``models``) reach every mmarc process.
    - The run does ``rounds`` FedAvg rounds of model ``model`` (A or B) with ``clients``
      clients, each client doing ``models.Client.step`` once per round (one SGD step, batch
      8, ``local_train`` timed inside it), its model built once per client process.
    - ``events_path`` then holds JSON lines ``{"event", "t": time.time(), "pid", ...}``,
      rounds numbered from 1: ``round_start {round}`` written by the server when it sends a
      round's task; ``client_compute {round, client, compute_s, client_s}`` by each client
      after its step (t = step done); optionally ``client_recv {round, client}`` (t = model
      received, before load_state_dict), ``bytes {round, client, down, up}``,
      ``aggregation_start {round}`` and ``round_end {round}`` at the server. The runtime may
      write them itself with ``fl_anchors.events.emit`` semantics (one O_APPEND write per
      line), or ``run_mmarc`` may convert the runtime's own event log into this file
      afterwards (``events.write_events``), keeping the original timestamps.
    - Raise (`RunFailed` or any exception) when the run fails; return None otherwise.

    How: `fl_anchors.mmarc_bench.write_mmar` writes a benchmark MMAR for the cell (model
    A = digits_cnn's DigitsCNN or model B as a custom class, 8 random samples per client,
    batch 8, SGD, ``steps_aggregation: 1``, min = max = ``clients``, no validation) into
    the run's scratch folder; ``mmarc run MMAR --sim N --rounds R`` runs it (one server and
    N client processes over ZeroMQ on 127.0.0.1). mmarc's runtime writes the events itself
    to ``$FL_BENCH_EVENTS`` (``runtime/server/events.py``); afterwards `use_step_times`
    sets ``compute_s`` to the training step's own time. Note: mmarc's launcher sets each
    client's ``OMP_NUM_THREADS`` only where unset; the driver sets 1, as for the anchors.
    """
    from fl_anchors.mmarc_bench import write_mmar

    scratch = events_path.parent.parent / "scratch" / events_path.stem
    shutil.rmtree(scratch, ignore_errors=True)
    mmar = write_mmar(scratch / "mmar", model, clients, rounds)
    cmd = [
        *mmarc_command(),
        "run",
        str(mmar),
        "--sim",
        str(clients),
        "--rounds",
        str(rounds),
        "--output",
        str(scratch / "run"),
        "--no-progress",
    ]
    try:
        run_process(cmd, events_path=events_path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not use_step_times(events_path):
        raise RunFailed(f"no mmarc_step events in {events_path}: the StepTimer did not run")


def run_mmarc_curve(model: str, clients: int, rounds: int, events_path: Path) -> None:
    """The same cell as `run_mmarc`, run as deployed: kits from ``mmarc provision`` and
    CurveZMQ on every socket (``fl_anchors/mmarc_curve.py``: the server's round workflow
    and one training process per site, as ``mmarc server|client KIT`` start them)."""
    from fl_anchors.mmarc_bench import write_mmar

    scratch = events_path.parent.parent / "scratch" / events_path.stem
    shutil.rmtree(scratch, ignore_errors=True)
    mmar = write_mmar(scratch / "mmar", model, clients, rounds)
    cmd = [sys.executable, str(ANCHOR_DIR / "mmarc_curve.py"), str(mmar), str(clients)]
    try:
        run_process([*cmd, str(scratch / "kits")], events_path=events_path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not use_step_times(events_path):
        raise RunFailed(f"no mmarc_step events in {events_path}: the StepTimer did not run")


def raw_curve_round(model: str, clients: int, rep: int, when: str, out: Path) -> list[float]:
    """Raw CurveZMQ round times (s) of one (model, clients), measured now by
    ``transport_throughput.py --curve`` (the same bytes a round moves, no FL around it).

    Run right before and right after each kits run of the cell (``when``), so that the two
    figures of the CURVE ratio come from the same minutes of this shared machine, and a
    drift of the machine's speed during the kits run moves both sides of the bracket."""
    name = f"transport-{model}{clients}-rep{rep}-{when}"
    target = out / f"{name}.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "transport_throughput.py")]
    args = ["--models", model, "--clients", str(clients), "--rounds", "5", "--curve"]
    done = subprocess.run(
        [*cmd, *args, "--json", str(target)], cwd=ROOT, capture_output=True, text=True
    )
    (out / "logs").mkdir(parents=True, exist_ok=True)  # the first run may not have made it
    (out / "logs" / f"{name}.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0 or not target.exists():
        return []
    rows = json.loads(target.read_text())["rows"]
    return [float(t) for row in rows for t in row.get("curve_s") or []]


def _med_s(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s of {len(times)}" if times else "failed"


Runner = Callable[[str, int, int, Path], None]


def runner_for(variant: str) -> Runner:
    """The function that runs one (model, clients, rounds) cell of a variant."""
    runners: dict[str, Runner] = {
        "nvflare-default": lambda m, n, r, p: run_nvflare("default", m, n, r, p),
        "nvflare-tuned": lambda m, n, r, p: run_nvflare("tuned", m, n, r, p),
        "flower": lambda m, n, r, p: run_flower(m, n, r, p, actors=0),
        "flower-2act": lambda m, n, r, p: run_flower(m, n, r, p, actors=2),
        "mmarc": lambda m, n, r, p: run_mmarc(m, n, r, p),
        "mmarc-curve": lambda m, n, r, p: run_mmarc_curve(m, n, r, p),
    }
    return runners[variant]


# --------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class Cell:
    """One (variant, model, clients) combination; repeated ``reps`` times."""

    variant: str
    model: str
    clients: int


def plan_cells(
    frameworks: list[str], models: list[str], clients: list[int], include_b8: bool
) -> list[Cell]:
    """The matrix. flower-2act only where clients > 2 (with 2 clients it is the same run as
    'flower'); B with 8 clients only on request (the anchor file has no B8 figure)."""
    cells: list[Cell] = []
    # mmarc first in every (model, clients) group: while run_mmarc is still a stub, the very
    # first run stops the benchmark before any anchor time is spent.
    ordered = sorted(frameworks, key=lambda f: (f != "mmarc", list(FRAMEWORK_VARIANTS).index(f)))
    for model in models:
        for n in clients:
            if model == "B" and n > 4 and not include_b8:
                continue
            for fw in ordered:
                for variant in FRAMEWORK_VARIANTS[fw]:
                    if variant == "flower-2act" and n <= 2:
                        continue
                    cells.append(Cell(variant, model, n))
    return cells


def check_run(events_path: Path, rounds: int) -> None:
    """A run counts only if every round started and the last round's clients reported;
    NVFlare's simulator exits 0 even when its server job aborted, so the exit code alone
    does not tell."""
    events = read_events(events_path)
    started = {int(e["round"]) for e in events if e.get("event") == "round_start"}
    computed = {int(e["round"]) for e in events if e.get("event") == "client_compute"}
    missing = sorted(set(range(1, rounds + 1)) - started)
    if missing:
        raise RunFailed(f"rounds never started: {missing} (of {rounds})")
    if rounds not in computed:
        raise RunFailed(f"no client_compute for the last round {rounds}")


def run_one(cell: Cell, rounds: int, rep: int, out: Path) -> dict[str, Any]:
    """Run one cell once; return its runs.jsonl record (status ok or failed, with reason)."""
    run_id = f"r{rep}-{cell.variant}-{cell.model}{cell.clients}"
    events_path = out / "events" / f"{run_id}.jsonl"
    events_path.parent.mkdir(parents=True, exist_ok=True)
    events_path.unlink(missing_ok=True)
    process.reset_outcome()
    busy = machine_busy()
    status, reason = "ok", ""
    start = time.time()
    try:
        runner_for(cell.variant)(cell.model, cell.clients, rounds, events_path)
        check_run(events_path, rounds)
    except Exception as exc:
        status, reason = "failed", f"{type(exc).__name__}: {exc}"
    end = time.time()
    outcome = process.last_outcome()
    record: dict[str, Any] = {
        "run": run_id,
        "variant": cell.variant,
        "model": cell.model,
        "clients": cell.clients,
        "rounds": rounds,
        "rep": rep,
        "status": status,
        "reason": reason,
        "events": str(events_path.relative_to(out)),
        "launch_t": start,
        "exit_t": end,
        "busy_before": round(busy, 3),
    }
    if outcome is not None:
        record.update(asdict(outcome))
    return record


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--models", default="A,B", help="comma list of A, B (default A,B)")
    parser.add_argument("--clients", default="2,4,8", help="comma list (default 2,4,8)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per run (default 7)")
    parser.add_argument("--reps", type=int, default=1, help="repeats per cell (default 1)")
    parser.add_argument(
        "--frameworks",
        default=",".join(DEFAULT_FRAMEWORKS),
        help="comma list of mmarc, nvflare, flower (default: all three)",
    )
    parser.add_argument(
        "--variants",
        default="",
        help="run only these variants (e.g. flower,nvflare-tuned); default: all of the "
        "frameworks' variants",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke check: A2 and A4 only, 1 rep, 4 rounds"
    )
    parser.add_argument("--include-b8", action="store_true", help="also run model B, 8 clients")
    parser.add_argument("--timeout", type=float, default=300.0, help="per-run limit, s")
    parser.add_argument(
        "--no-memory",
        action="store_true",
        help="do not sample the runs' memory (no PSS columns; timings without the "
        "sampler's page-table walks, as the raw CurveZMQ round is measured)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.clients, args.reps, args.rounds = "A", "2,4", 1, 4
    if args.rounds < 3:
        parser.error("--rounds must be at least 3 (steady rounds are 2 .. R-1)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    process.set_run_timeout(args.timeout)
    process.set_memory_sampling(not args.no_memory)
    # SIGTERM as SystemExit, so run_process's cleanup ends the run in flight.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    frameworks = _csv(args.frameworks)
    unknown = [f for f in frameworks if f not in FRAMEWORK_VARIANTS]
    if unknown:
        print(f"unknown framework(s) {unknown}; choose from {list(FRAMEWORK_VARIANTS)}")
        return 2
    models = [m.upper() for m in _csv(args.models)]
    clients = [int(c) for c in _csv(args.clients)]
    print(describe())
    for fw in frameworks:
        if fw == "mmarc":
            continue
        py = venv_python(fw)
        if not py.exists():
            print(f"{fw}: no venv at {py.parent.parent}; run benchmarks/fl_anchors/setup_venvs.sh")
            return 2
    cells = plan_cells(frameworks, models, clients, args.include_b8)
    if args.variants:
        wanted = set(_csv(args.variants))
        cells = [c for c in cells if c.variant in wanted]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # absolute: NVFlare's simulator changes its working directory before clients write events
    out = (args.out or RESULTS_ROOT / (stamp + ("-quick" if args.quick else ""))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    total = len(cells) * args.reps
    print(
        f"{len(cells)} cells x {args.reps} reps = {total} runs, {args.rounds} rounds each, "
        f"timeout {args.timeout:.0f} s; results in {out}",
        flush=True,
    )
    done = 0
    raw_curve: dict[tuple[str, int], list[float]] = {}

    def bracket(cell: Cell, rep: int, when: str) -> None:
        """One side of the raw CurveZMQ bracket around a kits run (see raw_curve_round)."""
        raw = raw_curve_round(cell.model, cell.clients, rep, when, out)
        raw_curve.setdefault((cell.model, cell.clients), []).extend(raw)
        print(f"  raw CurveZMQ round {when} the kits run: {_med_s(raw)}", flush=True)

    with (out / "runs.jsonl").open("a") as runs_file:
        for rep in range(1, args.reps + 1):  # interleaved: rep 1 of every cell first
            for cell in cells:
                done += 1
                curve = cell.variant == analyze.MMARC_CURVE
                if curve:
                    bracket(cell, rep, "before")
                record = run_one(cell, args.rounds, rep, out)
                runs_file.write(json.dumps(record) + "\n")
                runs_file.flush()
                metrics = analyze.round_metrics(
                    read_events(out / str(record["events"])), args.rounds
                )
                wall = analyze.Stat.of(m.wall for m in metrics)
                extra = f", median wall {wall.median:.3f} s" if wall else ""
                why = f" ({record['reason']})" if record["status"] != "ok" else ""
                busy = float(record["busy_before"])
                if busy > BUSY_WARN:
                    extra += f"; machine {busy:.0%} busy before the run (other work)"
                print(
                    f"[{done}/{total}] rep {rep} {cell.variant} {cell.model}{cell.clients}: "
                    f"{record['status']}{why}, "
                    f"{float(record['exit_t']) - float(record['launch_t']):.1f} s{extra}",
                    flush=True,
                )
                if curve:
                    bracket(cell, rep, "after")
    summaries = analyze.summarize(analyze.load_runs(out), base=out)
    tables = analyze.format_tables(summaries) + "\n" + goals.fixed_cost_table(summaries)
    if raw_curve:
        medians = {key: statistics.median(times) for key, times in raw_curve.items() if times}
        tables += "\n" + goals.curve_table(summaries, medians)
    (out / "tables.md").write_text(describe() + "\n\n" + tables)
    print()
    print(tables, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
