"""Soak run: hundreds of rounds, sites killed and restarted, the server restarted once.

Why: a federation runs for hours, and what a few-round benchmark cannot show is whether
rounds are lost or run twice across crashes, whether the model stays exactly the FedAvg
of what the sites sent, and whether memory creeps up. This driver runs one federation
of real processes on 127.0.0.1 (the simulator's own ``server`` and ``client`` workers,
each started on its own so that any one can be killed) and:

- kills one site with SIGKILL every ``--kill-every`` completed rounds (site-1, site-2, ...
  in turn) and starts it again at once: it rejoins under its name and gets the task of
  the round in flight;
- kills the server with SIGKILL once (after ``--server-restart-at`` completed rounds) and
  starts it again on the same run folder and port: it resumes after the last completed
  round, and the sites, which wait out a silent server, register again;
- recomputes the global model independently while the run goes: every site saves what it
  received and the update it sent each round (``MMARC_FL_DUMP``, on /dev/shm); for each
  round the server completed (its ``metrics.jsonl`` line names the sites it aggregated
  and their weights) the driver takes the global model of that round, adds the weighted
  mean of those sites' saved updates in float64, and compares the result with what the
  sites received the next round and, at the end, with ``FL_global_model.pt``; files of
  verified rounds are deleted, so the dumps never hold more than a few rounds;
- samples the PSS of the server and of every site in a thread of its own, every
  ``SAMPLE_EVERY_S`` (the main loop, slowed by the recomputation, would leave a late
  window with a handful of samples), with the round then in flight, and reports the
  growth of each process's peak PSS from the 20 rounds after round 20 to the last 20
  rounds (peaks of windows: a round's transient model-sized buffers make a band that
  only enough samples find the top of).

It prints a verdict line per check and exits non-zero when one fails.

    nice -n 10 .venv/bin/python benchmarks/soak.py            # 200 rounds x 8 sites, model A
    .venv/bin/python benchmarks/soak.py --rounds 30 --sites 3 --kill-every 10 --server-restart-at 15
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from fl_anchors.mmarc_bench import write_mmar
from fl_anchors.process import SAMPLE_EVERY_S, pss_mb
from machine import describe
from soak_check import MEMORY_WINDOW, Recomputation, completed_rounds, memory_growth

ROOT = Path(__file__).resolve().parent.parent
WORKER = [sys.executable, "-m", "mmarc.runtime.sim.worker"]
#: Seconds a site waits out a silent server before giving up (covers the server restart).
SERVER_TIMEOUT_S = 180.0


class Sampler(threading.Thread):
    """Samples the PSS of every live process of ``fed`` until stopped (see the module
    docstring: dense samples, so a window's peak is the band's top, not luck)."""

    def __init__(self, fed: Federation, run_dir: Path, started: float) -> None:
        super().__init__(name="pss-sampler", daemon=True)
        self.fed, self.run_dir, self.started = fed, run_dir, started
        self.samples: list[dict[str, Any]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_EVERY_S):
            done = completed_rounds(self.run_dir)
            for name, proc in list(self.fed.procs.items()):
                if proc.poll() is None:
                    life = self.fed.starts[name]  # which incarnation of the process
                    pss = pss_mb(proc.pid)
                    if pss > 0:  # 0: it exited between the two reads
                        self.samples.append(
                            {
                                "t": time.monotonic() - self.started,
                                "done": done,
                                "role": name,
                                "life": life,
                                "pss": pss,
                            }
                        )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Federation:
    """The server and site processes of one soak run; each can be killed and restarted."""

    def __init__(self, out: Path, mmar: Path, plan: Path, lists: dict[str, Path]) -> None:
        self.out, self.mmar, self.plan, self.lists = out, mmar, plan, lists
        self.endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.run_dir = out / "run"
        self.events = out / "events.jsonl"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: dict[str, int] = {}
        self.env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")

    def _start(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        self.starts[name] = self.starts.get(name, 0) + 1
        log = (self.out / "logs" / f"{name}.{self.starts[name]}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def start_server(self) -> None:
        common = ["--plan", str(self.plan), "--mmar", str(self.mmar), "--events", str(self.events)]
        cmd = [*WORKER, "server", *common, "--run-dir", str(self.run_dir), "--bind", self.endpoint]
        self._start("server", cmd, self.env)

    def start_site(self, name: str) -> None:
        common = ["--plan", str(self.plan), "--mmar", str(self.mmar), "--events", str(self.events)]
        cmd = [*WORKER, "client", *common, "--name", name, "--server", self.endpoint]
        cmd += ["--run-dir", str(self.run_dir / "clients" / name), "--datalist"]
        cmd += [str(self.lists[name]), "--server-timeout", str(SERVER_TIMEOUT_S)]
        env = dict(self.env, MMARC_FL_DUMP=str(self.out / "dump" / name))
        self._start(name, cmd, env)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prepare(out: Path, model: str, sites: int, rounds: int) -> tuple[Path, Path, dict[str, Path]]:
    """The benchmark MMAR, its compiled plan and the sites' datalists."""
    from mmarc.runtime.sim.launcher import write_client_datalists

    from mmarc import api
    from mmarc.plan import simulation_settings, write_plan

    mmar = write_mmar(out / "mmar", model, sites, rounds)
    _, plan = api.compiled_or_raise(mmar)
    plan_path = out / "plan.json"
    write_plan(plan, plan_path)
    names = [f"site-{i}" for i in range(1, sites + 1)]
    lists = write_client_datalists(plan, mmar, out / "run", simulation_settings(len(names)))
    return mmar, plan_path, lists


def run(args: argparse.Namespace) -> int:
    out: Path = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    (out / "logs").mkdir(parents=True)
    dump_root = Path(args.dump_root) / f"mmarc-soak-{os.getpid()}"
    shutil.rmtree(dump_root, ignore_errors=True)
    (out / "dump").symlink_to(dump_root, target_is_directory=True)
    dump_root.mkdir(parents=True)
    print(describe())
    mmar, plan, lists = prepare(out, args.model, args.sites, args.rounds)
    fed = Federation(out, mmar, plan, lists)
    names = sorted(lists, key=lambda n: int(n.split("-")[1]))
    recompute = Recomputation(out / "run", out / "dump", names)
    kills: list[dict[str, Any]] = []
    started = time.monotonic()
    fed.start_server()
    for name in names:
        fed.start_site(name)
    next_kill, victim, server_restarted = args.kill_every, 0, False
    sampler = Sampler(fed, out / "run", started)
    sampler.start()
    try:
        while True:
            if time.monotonic() - started > args.timeout:
                raise RuntimeError(f"the soak did not finish within {args.timeout:.0f} s")
            done = completed_rounds(out / "run")
            now = time.monotonic()
            if not server_restarted and done >= args.server_restart_at:
                fed.kill("server")
                kills.append({"who": "server", "after_round": done, "t": now - started})
                fed.start_server()
                server_restarted = True
            elif done >= next_kill and next_kill < args.rounds:
                name = names[victim % len(names)]
                fed.kill(name)
                kills.append({"who": name, "after_round": done, "t": now - started})
                fed.start_site(name)
                victim += 1
                next_kill = (done // args.kill_every + 1) * args.kill_every  # never bunched
            recompute.advance(limit=2)  # bounded, so the kills above stay on time
            if fed.procs["server"].poll() is not None:
                break  # the run is over (or the server failed: its exit code says)
            time.sleep(0.2)
        server_rc = fed.procs["server"].wait()
        for name in names:
            with contextlib.suppress(subprocess.TimeoutExpired):
                fed.procs[name].wait(timeout=60)
        recompute.advance(final=True)
    finally:
        sampler.stopped.set()
        sampler.join()
        fed.stop_all()
    samples = sampler.samples
    wall = time.monotonic() - started
    report = verdicts(out, args, server_rc, fed, recompute, samples, kills, wall)
    (out / "soak.json").write_text(json.dumps(report, indent=1, default=str))
    shutil.rmtree(dump_root, ignore_errors=True)
    return 0 if report["ok"] else 1


def verdicts(
    out: Path,
    args: argparse.Namespace,
    server_rc: int,
    fed: Federation,
    recompute: Recomputation,
    samples: list[dict[str, Any]],
    kills: list[dict[str, Any]],
    wall: float,
) -> dict[str, Any]:
    """Print one line per check; return everything for soak.json."""
    rows = [
        json.loads(line)
        for line in (out / "run" / "metrics.jsonl").read_text().splitlines()
        if line.strip()
    ]
    rounds = [r["round"] for r in rows if "phase" not in r]
    expected = list(range(args.rounds))
    once = sorted(rounds) == expected and len(set(rounds)) == len(rounds)
    final = recompute.compare_final(out / "run" / "FL_global_model.pt")
    growth = memory_growth(samples, early=args.memory_from, late=args.rounds)
    flat = all(g["growth"] is not None and g["growth"] < 0.05 for g in growth.values())
    checks = {
        "server exited 0": server_rc == 0,
        f"every round 0..{args.rounds - 1} completed exactly once": once,
        "final model = independent recomputation": final["equal"],
        f"memory growth < 5 % (peak PSS, {MEMORY_WINDOW} rounds from round {args.memory_from} "
        f"-> the last {MEMORY_WINDOW})": flat,
    }
    print(f"soak: {args.rounds} rounds x {args.sites} sites, model {args.model}, {wall:.0f} s")
    killed = [f"{k['who']} after round {k['after_round']}" for k in kills]
    print(f"kills: {', '.join(killed) or 'none'}")
    print(
        f"recomputed {recompute.verified} round(s) from the sites' saved updates; "
        f"max |recomputed - received| {recompute.max_diff:.3g}; "
        f"unverifiable rounds {recompute.skipped or 'none'}; "
        f"final model max |diff| {final['max_abs_diff']:.3g}"
    )
    for role, g in growth.items():
        ratio = "n/a" if g["growth"] is None else f"{g['growth']:+.1%}"
        if fed.starts.get(role, 1) > 1:  # restarted: also the last process's own growth
            last = [x for x in samples if x["role"] == role and x["life"] == fed.starts[role]]
            own = memory_growth(last, early=last[0]["done"] + 20 if last else 0, late=args.rounds)
            mine = own.get(role, {}).get("growth")
            ratio += "" if mine is None else f"; restarted process alone {mine:+.1%}"
        print(
            f"  PSS {role:>8}: peak of rounds {args.memory_from}+ {g['early']:.0f} MB "
            f"-> of the last rounds {g['late']:.0f} MB ({ratio})"
        )
    for what, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {what}")
    return {
        "ok": all(checks.values()),
        "checks": checks,
        "rounds_seen": len(rounds),
        "kills": kills,
        "restarts": fed.starts,
        "recomputed_rounds": recompute.verified,
        "unverifiable_rounds": recompute.skipped,
        "max_recompute_diff": recompute.max_diff,
        "final": final,
        "memory": growth,
        "memory_samples": samples,
        "wall_s": wall,
        "machine": describe(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--model", default="A", choices=["A", "B"])
    parser.add_argument("--kill-every", type=int, default=25, help="rounds between site kills")
    parser.add_argument("--server-restart-at", type=int, default=110, help="completed rounds")
    parser.add_argument("--memory-from", type=int, default=20, help="round memory is compared from")
    parser.add_argument("--timeout", type=float, default=3600.0, help="whole run, seconds")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "soak")
    parser.add_argument("--dump-root", default="/dev/shm", help="where sites save updates")
    args = parser.parse_args(argv)
    np.seterr(all="ignore")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
