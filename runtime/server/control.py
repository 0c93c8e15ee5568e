"""``ServerFederationControl``: the admin's :class:`FederationControl` over the real server.

A server started from its kit (``mmarc server KIT``) runs two CurveZMQ sockets with the
kit's keys: the admin service on the admin port and, on the FL port, the *kit channel*
this module serves. Provisioned clients (ZAP admits only their keys, and a key's
participant name is the ``User-Id`` of its messages) poll the kit channel: it ships
each client the MMAR the admin deployed to it, tells it when to start (and where the
round workflow listens), to abort, or to shut down.

The round workflow itself runs in a subprocess (``python -m
mmarc.runtime.server.kit_server workflow ...``) on a port of the same host picked at
start, secured with the same kit keys; its progress comes back as JSON lines on its
stdout. ``abort`` ends that subprocess (SIGTERM: completed rounds stay saved). Every
method takes the control's lock, so admin calls are serialized and safe beside the kit
channel's thread and the workflow's reader thread.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq

from mmarc.plan import Plan

from ..admin.control import ControlError, Target
from ..compiling import write_plan
from ..provision.kit import KitInfo
from ..security.authz import SERVER_SITE
from ..security.names import child_path, remove_within
from ..transport.sockets import DEFAULT_SOCKET_OPTIONS, new_context, server_socket

log = logging.getLogger(__name__)

PLAN_FILE = "plan.json"
METRICS_FILE = "metrics.jsonl"
CROSS_VAL_FILE = "cross_val_results.json"
#: A client not heard from for this long is shown as disconnected.
CLIENT_STALE_S = 10.0
#: Removed processes remembered per site (each is told to shut down if it polls again).
MAX_RETIRED_SESSIONS = 16


def pack_folder(folder: Path) -> bytes:
    """A folder as an in-memory tar (regular files and folders only)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                continue
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue()


def unpack_folder(blob: bytes, root: Path, name: object) -> Path:
    """Unpack :func:`pack_folder` output into a fresh ``root/name``; returns that folder.

    ``name`` comes from the network: it must be one safe path component
    (:func:`~..security.names.check_name`), and only ``root/name`` is ever removed
    (:func:`~..security.names.remove_within`). Members are extracted with tar's ``data``
    filter (no absolute paths, no ``..``, no links out, no device files).
    """
    dest = child_path(root, name, "deployed MMAR name")
    remove_within(root, dest)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
        tar.extractall(dest, filter="data")
    return dest


@dataclass
class _Client:
    """What the server knows of one provisioned client site."""

    deploy_version: int = 0
    deploy_blob: bytes = b""
    plan_sha256: str = ""
    mmar_name: str = "mmar"
    start_epoch: int = 0
    abort_epoch: int = 0
    shutdown: bool = False
    last_seen: float = 0.0
    reported: dict[str, Any] = field(default_factory=dict)
    #: The polling process's random id: a restarted client polls with a new one.
    session: str = ""


class ServerFederationControl:
    """The federation of a server kit, driven by the admin service; thread-safe."""

    def __init__(self, kit: KitInfo, *, host: str | None = None) -> None:
        self.kit = kit
        self.host = host or kit.server_host
        self.root = kit.path / "runs"
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._clients: dict[str, _Client] = {n: _Client() for n in kit.clients}
        #: site -> sessions of its processes that ``remove_client`` retired (newest last).
        self._retired: dict[str, list[str]] = {}
        self.run_number: int | None = None
        self.server_plan: Plan | None = None
        self.server_mmar: Path = self.root
        self.server_state = "stopped"
        self.progress: dict[str, Any] = {}
        self.endpoint: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self.shutdown_event = threading.Event()
        self._stop = threading.Event()
        self._context = new_context(DEFAULT_SOCKET_OPTIONS)
        self._channel = server_socket(
            self._context,
            f"tcp://{self.host}:{kit.fed_learn_port}",
            security=kit.server_security(),
        )
        self._thread = threading.Thread(target=self._serve, name="mmarc-kit-channel", daemon=True)
        self._thread.start()

    # --- the kit channel -------------------------------------------------------------

    def _serve(self) -> None:
        socket = self._channel.socket
        while not self._stop.is_set():
            if not socket.poll(100):
                continue
            try:
                frames = socket.recv_multipart(copy=False)
                self._answer(frames)
            except Exception:  # one bad message never stops the channel
                log.exception("kit channel request failed")

    def _answer(self, frames: list[Any]) -> None:
        if len(frames) != 2:
            return
        identity, payload = frames
        user = payload.get("User-Id")
        try:
            request = json.loads(payload.bytes)
            name = str(request["name"])
            session = str(request.get("session") or "")[:64]
            state = request.get("state") or {}
            have = request.get("have_version") or 0
            if not isinstance(state, dict) or type(have) is not int:
                return
        except (ValueError, KeyError, TypeError, AttributeError):
            return
        blob = b""
        with self._lock:
            entry = None
            if isinstance(user, str) and user == name and name in self.kit.clients:
                entry = self._member(name, session)
            if entry is None:
                reply: dict[str, Any] = {
                    "ok": False,
                    "reason": f"key of {user!r} may not act as {name!r}",
                }
                log.warning("kit channel refused %r claiming to be %r", user, name)
            else:
                entry.last_seen = time.monotonic()
                entry.session = session
                entry.reported = {k: str(v)[:200] for k, v in list(state.items())[:8]}
                reply = {
                    "ok": True,
                    "deploy_version": entry.deploy_version,
                    "start_epoch": entry.start_epoch,
                    "abort_epoch": entry.abort_epoch,
                    "shutdown": entry.shutdown,
                    "endpoint": self.endpoint,
                    "run_number": self.run_number,
                    "mmar_name": entry.mmar_name,
                }
                if have < entry.deploy_version:
                    blob = entry.deploy_blob
        parts = [identity.bytes, json.dumps(reply).encode()]
        if blob:
            parts.append(blob)
        try:
            self._channel.socket.send_multipart(parts, flags=zmq.NOBLOCK)
        except zmq.ZMQError as exc:
            log.warning("kit channel: cannot answer %s: %s", name, exc)

    def _member(self, name: str, session: str) -> _Client:
        """The entry of provisioned client ``name`` polling as ``session``.

        A process retired by ``remove_client`` (its session) is told to shut down, now and
        whenever it polls again; any other process of a removed site registers again as
        a new member.
        """
        if session and session in self._retired.get(name, ()):
            return _Client(shutdown=True, session=session)
        if name not in self._clients:
            self._clients[name] = _Client()
            self._log(SERVER_SITE, f"client {name} registered again")
            log.info("kit channel: %s registered again after remove_client", name)
        return self._clients[name]

    # --- helpers ---------------------------------------------------------------------

    def _run_dir(self) -> Path:
        if self.run_number is None:
            raise ControlError("no run number: use set_run_number N first")
        return self.root / f"run_{self.run_number}"

    def _known(self, sites: Sequence[str]) -> list[str]:
        unknown = [s for s in sites if s not in self._clients]
        if unknown:
            raise ControlError(f"unknown or removed client(s): {', '.join(unknown)}")
        return list(sites)

    def _log(self, site: str, message: str) -> None:
        folder = self.root / "logs"
        folder.mkdir(exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        with open(folder / f"{site}.log", "a", encoding="utf-8") as handle:
            handle.write(f"{stamp} {message}\n")

    def _training(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _read_progress(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            with self._lock:
                if event.get("event") == "endpoint":
                    self.endpoint = str(event["endpoint"])
                self.progress.update(event)
        code = proc.wait()
        with self._lock:
            if self._proc is proc and self.server_state == "training":
                self.server_state = "finished" if code == 0 else f"ended (exit {code})"
                self._log(SERVER_SITE, self.server_state)
            self.endpoint = None if self._proc is proc else self.endpoint

    # --- FederationControl -----------------------------------------------------------

    def sites(self) -> Sequence[str]:
        with self._lock:
            return list(self._clients)

    def status(self, target: Target, sites: Sequence[str]) -> Mapping[str, Any]:
        with self._lock:
            now = time.monotonic()
            if target == "server":
                connected = [
                    n
                    for n, c in self._clients.items()
                    if c.last_seen and now - c.last_seen < CLIENT_STALE_S
                ]
                return {
                    "server": "training" if self._training() else self.server_state,
                    "run_number": self.run_number,
                    "deployed": self.server_plan.sha256 if self.server_plan else None,
                    "round": self.progress.get("round"),
                    "progress": {
                        k: v for k, v in self.progress.items() if isinstance(v, (int, float, str))
                    },
                    "clients": len(self._clients),
                    "connected_clients": connected,
                }
            out: dict[str, Any] = {}
            for site in self._known(sites):
                c = self._clients[site]
                out[site] = {
                    "connected": bool(c.last_seen and now - c.last_seen < CLIENT_STALE_S),
                    "last_seen_s_ago": round(now - c.last_seen, 1) if c.last_seen else None,
                    "state": c.reported.get("state", "unknown"),
                    "deployed": c.plan_sha256 or None,
                    "round": self.progress.get("round") if c.start_epoch else None,
                }
            return out

    def set_run_number(self, number: int) -> str:
        with self._lock:
            if self._training():
                raise ControlError("abort the server's training before changing the run number")
            self.run_number = number
            self._run_dir().mkdir(exist_ok=True)
            self.server_plan = None
            self._log(SERVER_SITE, f"run number {number}")
            return f"run number set to {number}"

    def deploy(self, plan: Plan, mmar: Path, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            if self.run_number is None:
                self.set_run_number(1)
            run = self._run_dir()
            parties = [SERVER_SITE] if target == "server" else self._known(sites)
            if target == "server":
                if self._training():
                    raise ControlError("the server is training; abort it first")
                # the folder name is the run's id: clients unpack under the same name
                staged = child_path(run, f"mmar_{SERVER_SITE}")
                remove_within(run, staged)
                dest = child_path(staged, mmar.name, "MMAR name")
                shutil.copytree(mmar, dest, symlinks=False)
                self.server_mmar = dest
                self.server_plan = plan
            else:
                blob = pack_folder(mmar)
                for site in parties:
                    entry = self._clients[site]
                    entry.deploy_version += 1
                    entry.deploy_blob = blob
                    entry.plan_sha256 = plan.sha256
                    entry.mmar_name = mmar.name
            for party in parties:
                self._log(party, f"deployed plan {plan.sha256[:12]}")
            return f"deployed to {', '.join(parties)}"

    def start(self, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            if target == "server":
                if self.server_plan is None:
                    raise ControlError("nothing deployed to server: deploy an MMAR first")
                if self._training():
                    raise ControlError("server is already training")
                run = self._run_dir()
                self.progress = {}
                self.endpoint = None
                plan_path = run / f"mmar_{SERVER_SITE}" / PLAN_FILE
                write_plan(self.server_plan, plan_path)
                command = [
                    sys.executable,
                    "-m",
                    "mmarc.runtime.server.kit_server",
                    "workflow",
                    str(self.kit.path),
                    str(self.server_mmar),
                    str(run / "server"),
                    "--plan",
                    str(plan_path),
                    "--host",
                    self.host,
                ]
                proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
                self._proc = proc
                self.server_state = "training"
                threading.Thread(
                    target=self._read_progress, args=(proc,), name="mmarc-workflow", daemon=True
                ).start()
                self._log(SERVER_SITE, "started")
                return "started server"
            if not self._training():
                raise ControlError("start the server before its clients")
            for site in self._known(sites):
                if not self._clients[site].deploy_version:
                    raise ControlError(f"nothing deployed to {site}: deploy an MMAR first")
            for site in sites:
                self._clients[site].start_epoch += 1
                self._log(site, "started")
            return f"started {', '.join(sites)}"

    def abort(self, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            if target == "server":
                proc = self._proc
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    self.server_state = "aborted"
                    self._log(SERVER_SITE, "aborted")
                return "aborted server"
            for site in self._known(sites):
                self._clients[site].abort_epoch = self._clients[site].start_epoch
                self._log(site, "aborted")
            return f"aborted {', '.join(sites)}"

    def shutdown(self, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            if target == "server":
                for entry in self._clients.values():
                    entry.shutdown = True
                self.abort("server", ())
                self._log(SERVER_SITE, "shutdown")
                self.shutdown_event.set()
                return "shutting down server"
            for site in self._known(sites):
                self._clients[site].shutdown = True
                self._log(site, "shutdown")
            return f"shutting down {', '.join(sites)}"

    def remove_client(self, site: str) -> str:
        with self._lock:
            self._known([site])
            session = self._clients.pop(site).session
            if session:
                retired = self._retired.setdefault(site, [])
                retired.append(session)
                del retired[:-MAX_RETIRED_SESSIONS]
            self._log(SERVER_SITE, f"removed client {site}")
            return f"removed client {site}; it may register again"

    def metrics(self) -> Mapping[str, Any]:
        with self._lock:
            path = self._run_dir() / "server" / METRICS_FILE
            rows: list[Any] = []
            if path.is_file():
                for line in path.read_text(encoding="utf-8").splitlines():
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        continue
            return {"run_number": self.run_number, "metrics": rows}

    def cross_validation(self) -> Mapping[str, Any]:
        with self._lock:
            path = self._run_dir() / "server" / CROSS_VAL_FILE
            if not path.is_file():
                return {}
            data = json.loads(path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}

    def logs(self, site: str, lines: int) -> str:
        with self._lock:
            if site != SERVER_SITE and site not in self.kit.clients:
                raise ControlError(f"unknown site {site}")
            path = self.root / "logs" / f"{site}.log"
            if not path.is_file():
                return ""
            return "\n".join(path.read_text(encoding="utf-8").splitlines()[-lines:])

    def run_folder(self) -> Path:
        return self.root

    # --- lifetime --------------------------------------------------------------------

    def wait_clients_gone(self, timeout_s: float) -> None:
        """After ``shutdown server``: give polling clients time to hear it."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                waiting = [
                    n
                    for n, c in self._clients.items()
                    if c.last_seen
                    and time.monotonic() - c.last_seen < 2.0
                    and c.reported.get("state") != "shutdown"
                ]
            if not waiting:
                return
            time.sleep(0.1)

    def close(self) -> None:
        """Stop the workflow (if any) and the kit channel."""
        with self._lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._stop.set()
        self._thread.join(5)
        self._channel.close(linger_ms=0)
        self._context.term()
