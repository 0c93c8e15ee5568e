"""``mmarc server KIT``: a server started from its startup kit, driven by the admin.

:func:`serve_kit` verifies nothing itself (the CLI verified the kit), binds the kit
channel (FL port) and the admin service (admin port), both CurveZMQ with the kit's
keys, and waits until an admin says ``shutdown server``. The round workflow runs in a
subprocess: ``python -m mmarc.runtime.server.kit_server workflow KIT MMAR RUN_DIR --plan
PLAN`` (:func:`workflow_main`), which runs the plan compiled at deploy time and prints its
progress as JSON lines. Compiling uploads is the caller's :class:`CompileFn`.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..compiling import CompileFn, read_plan_file
from ..heap import built_without_gc
from ..provision.kit import KitInfo, verify_kit


def serve_kit(
    kit: KitInfo,
    *,
    compile_plan: CompileFn,
    host: str | None = None,
    on_ready: Callable[[str, str], None] | None = None,
) -> int:
    """Serve the kit's federation until ``shutdown server``; returns the exit code (0).

    ``compile_plan`` compiles what admins upload and deploy (see :mod:`..compiling`).
    """
    from ..admin.service import AdminService
    from .control import ServerFederationControl

    host = host or kit.server_host
    control = ServerFederationControl(kit, host=host)
    try:
        service = AdminService.from_kit(
            kit, control, compile_plan=compile_plan, bind=f"tcp://{host}:{kit.admin_port}"
        ).start()
        try:
            if on_ready is not None:
                on_ready(f"tcp://{host}:{kit.fed_learn_port}", service.endpoint)
            while not control.shutdown_event.wait(0.2):
                pass
            control.wait_clients_gone(15.0)
        finally:
            service.close()
    finally:
        control.close()
    return 0


def workflow_main(argv: Sequence[str] | None = None) -> int:
    """The round workflow's subprocess: run the deployed MMAR with the kit's keys."""
    parser = argparse.ArgumentParser(prog="mmarc-kit-workflow")
    parser.add_argument("kit", type=Path)
    parser.add_argument("mmar", type=Path)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with built_without_gc():  # torch and the round workflow's modules, imported once
        from .workflow import run_server

    kit = verify_kit(args.kit, role="server")
    plan = read_plan_file(args.plan)

    def emit(event: dict[str, Any]) -> None:
        print(json.dumps(event, default=str), flush=True)

    def ready(endpoint: str) -> None:
        emit({"event": "endpoint", "endpoint": endpoint})

    try:
        result = run_server(
            plan,
            args.mmar,
            args.run_dir,
            bind=f"tcp://{args.host}:*",
            security=kit.server_security(),
            he_context=kit.he_context,
            on_progress=emit,
            on_ready=ready,
        )
    except KeyboardInterrupt:
        emit({"event": "aborted"})
        return 130
    emit({"event": "finished", "last_round": result.last_round})
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "workflow":
        sys.exit(workflow_main(sys.argv[2:]))
    sys.exit(2)
