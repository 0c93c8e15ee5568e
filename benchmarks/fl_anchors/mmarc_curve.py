"""mmarc as deployed from provisioned kits (CurveZMQ on every socket), for the round benchmark.

Why this exists: ``mmarc run --sim`` talks plain TCP on 127.0.0.1, but a real federation
runs from ``mmarc provision``'s kits with CurveZMQ encryption and authentication on the
wire. The FL round benchmark's ``mmarc-curve`` row runs the same workload through the same
processes a kit starts once an admin has deployed and started the MMAR:

- the server's round workflow, ``python -m mmarc.runtime.server.kit_server workflow KIT
  MMAR RUN --plan PLAN`` (the server kit's keys; only provisioned client keys get in);
- per site, ``python -m mmarc.runtime.client.kit_client train KIT MMAR ENDPOINT OUT --plan
  PLAN --datalist LIST`` (the site kit's keys, the server's key pinned).

What it leaves out is the admin path before them (upload, ``deploy``, ``start``), which is
not part of a round. The project is provisioned afresh per run (``mmarc provision``), the
plan compiled once and the datalist split as the simulator splits it. The runtime writes
the benchmark events itself (``$FL_BENCH_EVENTS``). Runs in the main venv (it imports mmarc):

    python mmarc_curve.py MMAR CLIENTS SCRATCH
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

#: Seconds the server workflow may take to print its endpoint (imports + initial model).
READY_TIMEOUT_S = 180.0
#: Seconds the sites get to leave once the server workflow has finished.
LEAVE_GRACE_S = 60.0

__all__ = ["provision_project", "run"]


def provision_project(root: Path, clients: int) -> tuple[Path, list[Path]]:
    """Provision a Clara 4.0 project (server on 127.0.0.1, sites ``site-1`` ..); returns the
    server kit and the site kits."""
    from mmarc.cli.commands.provision import run_provision

    sites = [f"site-{i}" for i in range(1, clients + 1)]
    lines = [
        "name: fl_bench",
        "server:",
        "  org: bench",
        "  cn: 127.0.0.1",
        "  fed_learn_port: 8002",
        "  admin_port: 8003",
        f"  min_num_clients: {clients}",
        f"  max_num_clients: {clients}",
        "fl_clients:",
        *[f"  - org: bench\n    client_name: {name}" for name in sites],
        "admin_clients:",
        "  - org: bench\n    email: admin@bench.org",
    ]
    project = root / "project.yml"
    project.parent.mkdir(parents=True, exist_ok=True)
    project.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workspace = root / "workspace"
    if run_provision(project, workspace, progress=False) != 0:  # the CLI's own provisioning
        raise RuntimeError(f"provisioning {project} failed")
    return workspace / "127.0.0.1", [workspace / name for name in sites]


def _read_endpoint(stream: IO[str], deadline: float) -> str:
    """The endpoint the server workflow prints once it listens (JSON lines on stdout)."""
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            raise RuntimeError("the server workflow exited before it listened")
        try:
            event: Any = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "endpoint":
            return str(event["endpoint"])
    raise RuntimeError(f"the server workflow did not listen within {READY_TIMEOUT_S:.0f} s")


def run(mmar: Path, clients: int, scratch: Path) -> int:
    """Provision, compile, start the server workflow and the sites; wait for all to end."""
    from mmarc.runtime.sim.launcher import write_client_datalists

    from mmarc import api
    from mmarc.plan import simulation_settings, write_plan

    server_kit, site_kits = provision_project(scratch / "project", clients)
    _, plan = api.compiled_or_raise(mmar)
    plan_path = scratch / "plan.json"
    write_plan(plan, plan_path)
    run_dir = scratch / "run"
    names = [kit.name for kit in site_kits]
    lists = write_client_datalists(plan, mmar, run_dir, simulation_settings(len(names)))
    python = sys.executable
    workflow = ["-m", "mmarc.runtime.server.kit_server", "workflow", str(server_kit), str(mmar)]
    server = subprocess.Popen(
        [python, *workflow, str(run_dir / "server"), "--plan", str(plan_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    sites: list[subprocess.Popen[bytes]] = []
    try:
        endpoint = _read_endpoint(server.stdout, time.monotonic() + READY_TIMEOUT_S)
        for kit in site_kits:
            out = run_dir / "clients" / kit.name
            train = ["-m", "mmarc.runtime.client.kit_client", "train", str(kit), str(mmar)]
            options = ["--plan", str(plan_path), "--datalist", str(lists[kit.name])]
            sites.append(subprocess.Popen([python, *train, endpoint, str(out), *options]))
        for line in server.stdout:  # progress, until the workflow ends
            sys.stdout.write(line)
        code = server.wait()
        for site in sites:
            site.wait(timeout=LEAVE_GRACE_S)
    finally:
        for proc in [server, *sites]:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
    failed = [p.returncode for p in sites if p.returncode != 0]
    return code or (1 if failed else 0)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) != 3:
        print("usage: mmarc_curve.py MMAR CLIENTS SCRATCH", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(run(Path(args[0]), int(args[1]), Path(args[2])))
