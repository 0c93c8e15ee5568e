"""``mmarc client KIT``: a client started from its startup kit, driven by the server.

The client polls the server's kit channel (the kit's FL port, CurveZMQ with the kit's
keys, the server key pinned) as its provisioned name. It receives the MMAR the admin
deployed to it, starts training when the admin starts it (the round workflow runs in
a subprocess, ``python -m mmarc.runtime.client.kit_client train ...``, on the plan the
caller's :class:`CompileFn` compiled from the deployed MMAR), ends that
subprocess on ``abort``, and exits on ``shutdown``. A server that never answers the
first poll (an unprovisioned key is dropped by the server's ZAP without a word) or
that refuses the name ends the client with :class:`KitClientRefused`: no silent retry.

The server is trusted with what to train, not with this machine: a reply that is not
well formed is ignored, and a deployed MMAR's name must be one safe folder name; the
only folder a deploy ever replaces is ``KIT/run/mmar/NAME``.
"""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mmarc.errors import MmarcError

from ..compiling import CompileFn, CompileRefused, read_plan_file, write_plan
from ..provision.kit import KitInfo, verify_kit
from ..security.names import UnsafeName, UnsafePath
from ..server.control import unpack_folder
from ..transport.sockets import DEFAULT_SOCKET_OPTIONS, client_socket, new_context

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.5


class KitClientRefused(MmarcError, RuntimeError):
    """The server refused this client, or never answered its first request."""


#: Reply fields that are counters; anything but a non-negative int makes the reply void.
_COUNTERS = ("deploy_version", "start_epoch", "abort_epoch")


def _reply(frames: Sequence[bytes]) -> tuple[dict[str, Any] | None, bytes | None]:
    """The server's reply (a JSON object, counters checked) and its deploy blob.

    ``(None, None)`` for anything else: a hostile or broken server is logged and
    ignored, never followed.
    """
    try:
        reply = json.loads(frames[0])
    except (ValueError, IndexError):
        reply = None
    if not isinstance(reply, dict):
        log.warning("ignored a reply that is not a JSON object")
        return None, None
    for key in _COUNTERS:
        value = reply.get(key) or 0
        if type(value) is not int or value < 0:
            log.warning("ignored a reply whose %s is %.40r", key, value)
            return None, None
        reply[key] = value
    endpoint = reply.get("endpoint")
    if endpoint is not None and (not isinstance(endpoint, str) or len(endpoint) > 256):
        log.warning("ignored a reply whose endpoint is %.40r", endpoint)
        return None, None
    return reply, frames[1] if len(frames) > 1 else None


def run_kit_client(
    kit: KitInfo,
    *,
    compile_plan: CompileFn,
    sets: Sequence[str] = (),
    datalist: Path | None = None,
    device: str = "cpu",
    first_reply_timeout_s: float = 15.0,
    lost_timeout_s: float = 120.0,
) -> int:
    """Serve the server's orders until ``shutdown``; returns the exit code.

    ``compile_plan`` compiles each deployed MMAR (with ``sets``) before training starts.
    """
    work = kit.path / "run"
    work.mkdir(parents=True, exist_ok=True)
    mmars = work / "mmar"
    context = new_context(DEFAULT_SOCKET_OPTIONS)
    socket = client_socket(
        context,
        kit.fed_learn_url,
        identity=kit.name.encode(),
        security=kit.client_security(),
    )
    # A restarted client polls with a new session: that is how the server tells a site
    # registering again (after remove_client) from the process it removed.
    session = secrets.token_hex(8)
    have_version = 0
    started = 0
    proc: subprocess.Popen[bytes] | None = None
    state = "idle"
    mmar: Path | None = None
    seq = 0
    heard = False
    last_heard = time.monotonic()
    begun = time.monotonic()

    def request(seq: int) -> bytes:
        return json.dumps(
            {
                "name": kit.name,
                "session": session,
                "seq": seq,
                "have_version": have_version,
                "state": {"state": state},
            }
        ).encode()

    try:
        while True:
            if proc is not None and proc.poll() is not None:
                state = "finished" if proc.returncode == 0 else f"ended (exit {proc.returncode})"
                log.info("training %s", state)
                proc = None
            seq += 1
            socket.send(request(seq))
            reply: dict[str, Any] | None = None
            blob: bytes | None = None
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                if not socket.poll(100):
                    continue
                reply, blob = _reply(socket.recv_multipart())
                break
            now = time.monotonic()
            if reply is None:
                if not heard and now - begun > first_reply_timeout_s:
                    raise KitClientRefused(
                        f"no answer from {kit.fed_learn_url} in {first_reply_timeout_s:.0f} s: "
                        "this client's key is not provisioned there, or the server is down"
                    )
                if heard and now - last_heard > lost_timeout_s:
                    raise KitClientRefused(f"lost the server at {kit.fed_learn_url}")
                continue
            if not reply.get("ok"):
                raise KitClientRefused(str(reply.get("reason") or "refused")[:300])
            if not heard:
                log.info("connected to %s as %s", kit.fed_learn_url, kit.name)
            heard, last_heard = True, now
            if reply.get("shutdown"):
                log.info("shutdown requested by the server")
                state = "shutdown"
                socket.send(request(seq + 1))
                return 0
            version = reply["deploy_version"]
            if version > have_version and blob is not None:
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    proc.wait()
                    proc = None
                have_version = version  # acknowledged even when refused: no resend loop
                try:
                    mmar = unpack_folder(blob, mmars, reply.get("mmar_name") or "mmar")
                except (UnsafeName, UnsafePath, tarfile.TarError, OSError) as exc:
                    mmar = None
                    reason = exc.one_line() if isinstance(exc, MmarcError) else str(exc)
                    state = f"deploy refused: {reason}"[:200]
                    log.error("deploy (version %d) refused: %s", version, reason)
                else:
                    state = "deployed"
                    log.info("MMAR deployed (version %d)", version)
            epoch = reply["start_epoch"]
            aborted = reply["abort_epoch"]
            endpoint = reply.get("endpoint")
            if epoch > started and endpoint and mmar is not None:
                started = epoch
                try:
                    plan = compile_plan(mmar, sets=sets)
                except CompileRefused as exc:
                    state = f"refused: {exc.one_line()}"[:200]
                    log.error("not training: %s", exc.one_line())
                    continue
                plan_path = work / f"train_{epoch}" / "plan.json"
                plan_path.parent.mkdir(parents=True, exist_ok=True)
                write_plan(plan, plan_path)
                command = [
                    sys.executable,
                    "-m",
                    "mmarc.runtime.client.kit_client",
                    "train",
                    str(kit.path),
                    str(mmar),
                    str(endpoint),
                    str(work / f"train_{epoch}"),
                    "--plan",
                    str(plan_path),
                    "--device",
                    device,
                ]
                if datalist is not None:
                    command += ["--datalist", str(datalist)]
                proc = subprocess.Popen(command)
                state = "training"
                log.info("training started against %s", endpoint)
            if aborted >= started > 0 and proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait()
                proc = None
                state = "aborted"
                log.info("training aborted")
            time.sleep(POLL_INTERVAL_S)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait()
        socket.close(linger=500)
        context.term()


def train_main(argv: Sequence[str] | None = None) -> int:
    """The training subprocess: join the round workflow with the kit's keys, on the plan
    the parent compiled (``--plan``)."""
    parser = argparse.ArgumentParser(prog="mmarc-kit-train")
    parser.add_argument("kit", type=Path)
    parser.add_argument("mmar", type=Path)
    parser.add_argument("endpoint")
    parser.add_argument("output", type=Path)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--datalist", type=Path, default=None)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    logging.basicConfig(level=logging.INFO, format="mmarc client: %(message)s")
    from .loop import run_client

    kit = verify_kit(args.kit, role="client")
    plan = read_plan_file(args.plan)
    try:
        result = run_client(
            plan,
            args.mmar,
            kit.name,
            args.endpoint,
            args.output,
            datalist=args.datalist,
            device=args.device,
            security=kit.client_security(),
            he_context=kit.he_context,
        )
    except KeyboardInterrupt:
        return 130
    log.info("%s: %d round(s) in %.1f s", result.name, result.rounds, result.wall_s)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "train":
        sys.exit(train_main(sys.argv[2:]))
    sys.exit(2)
