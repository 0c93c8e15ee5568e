"""Launch to the end of round 1 of ``mmarc run MMAR --sim N``, against an earlier mmarc.

Why apart from ``fl_round.py``: that driver measures this figure too (its "launch → end of
round 1" column, issue 14's goal: at most half the best anchor's), but with the anchors
around it and one tree of mmarc. Work on the start-up needs the figure alone, many times,
and against the code before the change *in the same session*: on a shared 2-core machine
the load moves every figure by seconds, so a before/after from two sessions says little.
This script alternates the two trees run by run (A B A B ...), on fl_round's own
benchmark MMAR, launch and events (``fl_anchors``), and prints per tree and cell the
median and min of launch → end of round 1 and of launch → round 1 start, when the clients'
worker began its imports and how long they took (from its log), the CPU time of
the whole run (every process, from ``getrusage``: the work done, nearly load-free), the
ratio of the medians, and the load average the runs saw.

    git archive BASE mmarc runtime | tar -x -C /tmp/base
    ln -s ../runtime /tmp/base/mmarc/runtime
    .venv/bin/python benchmarks/sim_startup.py --baseline /tmp/base --models A,B --reps 3

``--baseline DIR``: a tree whose ``mmarc`` package (with ``mmarc/runtime`` inside it, as
installed) is put first on ``PYTHONPATH`` for its runs; without it only this tree runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fl_anchors.analyze import run_phases
from fl_anchors.events import read_events
from fl_anchors.mmarc_bench import write_mmar
from fl_anchors.process import ANCHOR_DIR, run_process
from machine import describe

__all__ = ["main", "run_once"]

#: The ``mmarc`` console script, as an argument of ``python -c`` (so PYTHONPATH picks the tree).
CLI = "import sys; from mmarc.cli import main; sys.argv[0] = 'mmarc'; sys.exit(main())"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: The line the clients' worker logs when its imports are done (both trees write it).
IMPORTED = re.compile(r"^(\S+ \S+) .* torch, MONAI and ignite imported in ([0-9.]+) s$")


def worker_phases(log: Path, launch_t: float) -> tuple[float | None, float | None]:
    """(launch → the worker's imports began, their wall time) from its log, in seconds."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return None, None
    for line in lines:
        found = IMPORTED.match(line)
        if found:
            stamp = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            took = float(found[2])
            return round(stamp - took - launch_t, 3), took
    return None, None


def run_once(
    tree: Path | None, model: str, clients: int, rounds: int, scratch: Path
) -> dict[str, Any]:
    """One ``mmarc run --sim`` of the cell from ``tree`` (None: the installed mmarc); its
    phases (s from launch), CPU seconds of all its processes and the load average."""
    shutil.rmtree(scratch, ignore_errors=True)
    mmar = write_mmar(scratch / "mmar", model, clients, rounds)
    events = scratch / "events.jsonl"
    cmd = [sys.executable, "-c", CLI, "run", str(mmar), "--sim", str(clients)]
    cmd += ["--rounds", str(rounds), "--output", str(scratch / "run"), "--no-progress"]
    path = f"{tree}{os.pathsep}{ANCHOR_DIR}" if tree is not None else str(ANCHOR_DIR)
    load = os.getloadavg()[0]
    cpu = _children_cpu()
    # PYTHONSAFEPATH: the run's processes start in the repository (run_process's cwd), and
    # without it the current folder would come before PYTHONPATH for python -c and -m:
    # both trees would run this one.
    env = {"PYTHONPATH": path, "PYTHONSAFEPATH": "1"}
    outcome = run_process(cmd, events_path=events, log_path=scratch / "launch.log", env_extra=env)
    cpu = _children_cpu() - cpu
    phases = run_phases(read_events(events), outcome.launch_t, outcome.exit_t)
    began, imports = worker_phases(scratch / "run" / "logs" / "clients.log", outcome.launch_t)
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "tree": "baseline" if tree is not None else "this",
        "model": model,
        "clients": clients,
        "round1_end_s": phases.round1_end,
        "round1_start_s": phases.startup,
        "imports_began_s": began,
        "imports_s": imports,
        "cpu_s": round(cpu, 3),
        "load1": round(load, 2),
    }


def _stats(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} {min(values):6.2f}" if values else "     -      -"


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "-"


def summarize(rows: list[dict[str, Any]]) -> str:
    """One line per (cell, tree): medians and mins, CPU, load; the ratio this / baseline."""
    out = [
        "| cell | tree | runs | launch → round 1 end, median min | → round 1 start, median "
        "min | → worker imports began, median | imports, median | CPU s median | load1 mean "
        "| ratio (median) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cells = sorted({(r["model"], r["clients"]) for r in rows})
    for model, clients in cells:
        medians: dict[str, float] = {}
        for tree in ("baseline", "this"):
            key = (model, clients, tree)
            mine = [r for r in rows if (r["model"], r["clients"], r["tree"]) == key]
            if not mine:
                continue
            end = [r["round1_end_s"] for r in mine if r["round1_end_s"] is not None]
            start = [r["round1_start_s"] for r in mine if r["round1_start_s"] is not None]
            if end:
                medians[tree] = statistics.median(end)
            ratio = ""
            if tree == "this" and "baseline" in medians and "this" in medians:
                ratio = f"{medians['this'] / medians['baseline']:.2f}"
            began = [r["imports_began_s"] for r in mine if r["imports_began_s"] is not None]
            took = [r["imports_s"] for r in mine if r["imports_s"] is not None]
            out.append(
                f"| {model}{clients} | {tree} | {len(mine)} | {_stats(end)} | {_stats(start)} "
                f"| {_median(began)} | {_median(took)} "
                f"| {statistics.median(r['cpu_s'] for r in mine):.2f} "
                f"| {statistics.mean(r['load1'] for r in mine):.2f} | {ratio} |"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", default="A", help="comma list of A, B (default A)")
    parser.add_argument("--clients", default="2", help="comma list (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per run (default 3)")
    parser.add_argument("--reps", type=int, default=3, help="runs per tree and cell (default 3)")
    parser.add_argument("--baseline", type=Path, default=None, help="earlier tree to compare")
    parser.add_argument("--json", type=Path, default=None, help="write every run here")
    args = parser.parse_args(argv)
    if args.baseline is not None and not (args.baseline / "mmarc" / "runtime").is_dir():
        parser.error(f"--baseline {args.baseline}: no mmarc/runtime inside (see the docstring)")
    trees: list[Path | None] = [None] if args.baseline is None else [args.baseline.resolve(), None]
    models, counts = args.models.split(","), args.clients.split(",")
    cells = [(m.strip().upper(), int(n)) for m in models for n in counts]
    print(describe(), flush=True)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sim-startup-") as tmp:
        for rep in range(args.reps):
            for model, clients in cells:
                for tree in trees if rep % 2 == 0 else trees[::-1]:  # A B, then B A
                    row = run_once(tree, model, clients, args.rounds, Path(tmp) / "run")
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                    time.sleep(1.0)  # let the last run's processes go before the next
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    print(summarize(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
