"""The server-side admin service: its own CurveZMQ ROUTER on the admin port.

Per request, in this order: the connection was admitted by ZAP only for a provisioned
admin key, and the key's email is the user (the envelope carries no user name, so an
admin cannot claim another identity); the user's token bucket must allow it; the
frames must parse (otherwise they are dropped and logged); the command's arguments must
fit its syntax; the policy must grant the command's right over every target site;
uploads must pass the upload-safety checks and compile on the server (with the
:class:`~mmarc.runtime.compiling.CompileFn` the service was given); only then is the
:class:`FederationControl` called. Every request is audited, allowed or not, before the
reply is sent; requests dropped by the rate limit are counted, one audit record per admin
and second with the count. Nothing a peer sends can stop the service: every failure ends
as a dropped frame or an error reply.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import zmq

from mmarc.plan import Plan

from ..compiling import CompileFn, CompileRefused
from ..provision.kit import ADMIN_ZAP_DOMAIN, KitInfo
from ..security.audit import AuditLog, BurstTally
from ..security.authz import SERVER_SITE, Policy
from ..security.names import UnsafeName, check_name
from ..security.uploads import (
    UploadEntry,
    UploadRefused,
    check_entries,
    check_rules,
    discard_upload,
    install_upload,
    safe_relpath,
    scan_folder,
    write_upload,
)
from ..transport.security import CurveKeyPair, SecurityConfig
from ..transport.sockets import DEFAULT_SOCKET_OPTIONS, new_context, server_socket
from .commands import HELLO, CommandError, Parsed, parse_command
from .control import ControlError, FederationControl
from .protocol import (
    DEFAULT_ADMIN_LIMITS,
    AdminLimits,
    AdminProtocolError,
    Request,
    Response,
    encode_response,
    parse_request,
)
from .sites import per_site, site_problems

log = logging.getLogger(__name__)

#: Largest file ``cat`` returns whole; larger ones are cut with a note.
MAX_CAT_BYTES = 1024 * 1024
MAX_LS_ENTRIES = 1000
STAGING = ".staging"


class _Bucket:
    """Token bucket: ``rate`` requests a second on average, ``burst`` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), time.monotonic()
        self.warned_at = -1e9

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def should_warn(self) -> bool:
        """True at most once a second while the bucket is empty."""
        now = time.monotonic()
        if now - self.warned_at < 1.0:
            return False
        self.warned_at = now
        return True


def compile_or_refuse(compile_plan: CompileFn, folder: Path, name: str) -> Plan:
    """Compile an MMAR for deployment; refuse (with its diagnostics) if it has errors.

    The MMAR is read, never imported or run: the compiler reads custom code with ``ast``.
    Paths in the diagnostics are relative to the MMAR, as the uploader knows them.
    """
    try:
        return compile_plan(folder, paths_from_mmar=True)
    except CompileRefused as exc:
        if exc.diagnostics:
            raise UploadRefused(
                f"{name}: the MMAR has errors; fix them first:\n{exc.diagnostics}"
            ) from None
        raise UploadRefused(f"{name}: not a usable MMAR: {exc}") from None


def _with_data(request_id: str, title: str, data: Any) -> Response:
    """A reply titled ``title`` whose ``data`` the console shows as a table (or JSON)."""
    return Response(request_id, "ok", title, data)


class AdminService:
    """Admin commands over CurveZMQ, authorized, audited, delegated to a FederationControl."""

    def __init__(
        self,
        *,
        server_keys: CurveKeyPair,
        admins: Mapping[str, bytes | str],
        policy: Policy,
        control: FederationControl,
        storage: Path,
        audit: AuditLog,
        compile_plan: CompileFn,
        bind: str = "tcp://127.0.0.1:*",
        limits: AdminLimits = DEFAULT_ADMIN_LIMITS,
        server_name: str = SERVER_SITE,
        project: str = "",
    ) -> None:
        self.policy = policy
        self.control = control
        self.compile_plan = compile_plan
        self.storage = Path(storage)
        self.audit = audit
        self.limits = limits
        self.server_name = server_name
        self.project = project
        self.stats: collections.Counter[str] = collections.Counter()
        self._buckets: dict[str, _Bucket] = {}
        self._limited = BurstTally(
            audit, "rate_limited", f"over {limits.rate_per_s:g} requests/s (burst {limits.burst})"
        )
        security = SecurityConfig.for_server(
            server_keys, {key: email for email, key in admins.items()}
        )
        security = replace(security, zap_domain=ADMIN_ZAP_DOMAIN)
        options = replace(
            DEFAULT_SOCKET_OPTIONS,
            max_frame_bytes=max(limits.uploads.max_file_bytes, limits.max_envelope_bytes),
            send_timeout_ms=5_000,
            linger_ms=0,
        )
        # A private context: ZAP is per context, so admin keys are never checked by (or
        # admitted to) the FL socket's authenticator, nor client keys here.
        self._context = new_context(options)
        self._server = server_socket(self._context, bind, security=security, options=options)
        self._socket = self._server.socket
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Callable[[str, Parsed, Request, Sequence[Any]], Response]] = {
            "check_status": self._check_status,
            "set_run_number": self._set_run_number,
            "upload_folder": self._upload,
            "deploy": self._deploy,
            "start": self._start,
            "abort": self._simple("abort"),
            "shutdown": self._simple("shutdown"),
            "remove_client": self._remove_client,
            "logs": self._logs,
            "metrics": self._metrics,
            "validate": self._validate,
            "ls": self._ls,
            "cat": self._cat,
        }

    @classmethod
    def from_kit(
        cls,
        kit: KitInfo,
        control: FederationControl,
        *,
        compile_plan: CompileFn,
        bind: str | None = None,
        audit_path: Path | None = None,
        limits: AdminLimits = DEFAULT_ADMIN_LIMITS,
    ) -> AdminService:
        """The service of a verified server kit: its keys, admins, policy and storage.

        Binds ``tcp://*:<admin_port>`` unless ``bind`` says otherwise; the audit log is
        ``KIT/audit.log`` (beside ``startup/``, which stays as signed).
        """
        if kit.role != "server" or kit.policy is None:
            raise ValueError(f"{kit.path}: the admin service needs a server kit")
        sites = {**kit.client_orgs, SERVER_SITE: kit.org}
        return cls(
            server_keys=kit.keys,
            admins=kit.admins,
            policy=Policy(kit.policy, extra_sites=sites),
            control=control,
            storage=kit.admin_storage,
            audit=AuditLog(audit_path or kit.path / "audit.log"),
            compile_plan=compile_plan,
            bind=bind or f"tcp://*:{kit.admin_port}",
            limits=limits,
            server_name=kit.name,
            project=kit.project,
        )

    # --- running ---------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return self._server.endpoint

    def poll(self, timeout_s: float = 0.0) -> int:
        """Handle the requests that arrive within ``timeout_s``; returns how many."""
        handled = 0
        self._limited.flush()
        if not self._socket.poll(max(0, int(timeout_s * 1000))):
            return 0
        while True:
            try:
                frames = self._socket.recv_multipart(flags=zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return handled
            handled += 1
            try:
                self._receive(frames)
            except Exception:  # never let one request stop the service
                self.stats["internal_error"] += 1
                log.exception("admin request failed")

    def start(self) -> AdminService:
        """Serve in a background thread until :meth:`close`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="mmarc-admin", daemon=True)
            self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            self.poll(0.1)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._server.close(linger_ms=0)
        self._context.term()
        self._limited.flush(everything=True)
        self.audit.close()

    def __enter__(self) -> AdminService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one request -----------------------------------------------------------------

    def _receive(self, frames: list[Any]) -> None:
        user = frames[1].get("User-Id") if len(frames) >= 2 else None
        if not isinstance(user, str) or not user:
            self.stats["dropped"] += 1
            log.warning("admin: dropped a message from an unauthenticated connection")
            self.audit.record(
                user="", command="", decision="invalid", reason="unauthenticated", result="dropped"
            )
            return
        identity = frames[0].bytes
        bucket = self._buckets.setdefault(user, _Bucket(self.limits.rate_per_s, self.limits.burst))
        if not bucket.take():
            self.stats["rate_limited"] += 1
            self._limited.add(user)
            if bucket.should_warn():
                # One unaddressed error a second tells a scripted console why it waits,
                # without letting a flood turn into a flood of replies.
                log.warning("admin: rate limit hit by %s; dropping requests", user)
                limited = Response(
                    "", "error", f"rate limited: at most {self.limits.rate_per_s:g} requests/s"
                )
                with contextlib.suppress(zmq.ZMQError):
                    self._socket.send_multipart(
                        [identity, encode_response(limited)], flags=zmq.NOBLOCK
                    )
            return
        try:
            request = parse_request(frames[1:], self.limits)
        except AdminProtocolError as exc:
            self.stats["invalid"] += 1
            log.warning("admin: dropped a malformed request from %s: %s", user, exc)
            self.audit.record(
                user=user, command="", decision="invalid", reason=str(exc)[:300], result="dropped"
            )
            return
        self.stats["requests"] += 1
        response = self._dispatch(user, request, frames[2:])
        try:
            payload = encode_response(response, self.limits.max_response_bytes)
        except (TypeError, ValueError) as exc:
            log.error("admin: reply to %s is not JSON: %s", request.cmd, exc)
            payload = encode_response(Response(request.id, "error", "internal error"))
        try:
            self._socket.send_multipart([identity, payload], flags=zmq.NOBLOCK)
        except zmq.ZMQError as exc:
            log.warning("admin: could not reply to %s: %s", user, exc)

    def _sites_for(self, parsed: Parsed) -> tuple[str, ...]:
        if parsed.cmd in ("upload_folder", HELLO):
            return ()
        if parsed.target == "server" and not parsed.sites:
            return (SERVER_SITE,)
        if parsed.target == "client" and not parsed.sites:
            return tuple(self.control.sites())
        return parsed.sites

    def _dispatch(self, user: str, request: Request, blobs: Sequence[Any]) -> Response:
        args = list(request.args)

        def audit(decision: str, reason: str, result: str, sites: Sequence[str] = ()) -> None:
            extra: dict[str, Any] = {}
            if request.files:
                extra = {
                    "files": len(request.files),
                    "bytes": sum(f.size for f in request.files),
                }
            self.audit.record(
                user=user,
                command=request.cmd,
                args=args,
                sites=sites,
                decision=decision,
                reason=reason,
                result=result,
                **extra,
            )

        try:
            parsed = parse_command(request.cmd, request.args)
            if parsed.cmd in ("help", "bye"):
                raise CommandError(f"{parsed.cmd} is a console command")
            sites = self._sites_for(parsed)
            if parsed.target == "client" and parsed.sites:
                unknown = sorted(set(parsed.sites) - set(self.control.sites()))
                if unknown:
                    raise CommandError(f"unknown client site(s): {', '.join(unknown)}")
        except CommandError as exc:
            audit("invalid", str(exc), "error")
            return Response(request.id, "error", str(exc))
        decision = self.policy.authorize(user, request.cmd, sites)
        if not decision:
            audit("refused", decision.reason, "refused", sites)
            return Response(request.id, "refused", decision.reason)
        if parsed.cmd == HELLO:
            audit("allowed", decision.reason, "ok")
            return self._hello(user, request)
        try:
            response = self._handlers[parsed.cmd](
                user, replace(parsed, sites=sites), request, blobs
            )
        except (ControlError, UploadRefused, CommandError) as exc:
            audit("allowed", decision.reason, f"error: {exc}", sites)
            return Response(request.id, "error", str(exc))
        except Exception as exc:
            log.exception("admin: %s failed", request.cmd)
            audit("allowed", decision.reason, f"internal error: {type(exc).__name__}", sites)
            return Response(request.id, "error", "internal error (see the server log)")
        audit("allowed", decision.reason, "ok" if response.ok else f"error: {response.text}", sites)
        return response

    # --- handlers --------------------------------------------------------------------

    def _hello(self, user: str, request: Request) -> Response:
        entry = self.policy.user(user)
        return Response(
            request.id,
            "ok",
            f"connected to {self.server_name} as {user}",
            {
                "user": user,
                "org": entry.org if entry else None,
                "roles": list(entry.roles) if entry else [],
                "server": self.server_name,
                "project": self.project,
                "sites": list(self.control.sites()),
            },
        )

    def _check_status(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        assert p.target in ("server", "client")
        sites = () if p.target == "server" else p.sites
        data = dict(self.control.status(p.target, sites))  # type: ignore[arg-type]
        return _with_data(r.id, f"status of {p.target}", data)

    def _set_run_number(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        return Response(r.id, "ok", self.control.set_run_number(p.params["number"]))

    def _simple(self, action: str) -> Callable[[str, Parsed, Request, Sequence[Any]], Response]:
        def handler(user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
            sites = () if p.target == "server" else p.sites
            if p.target == "client" and not sites:
                raise ControlError("no client sites to act on")
            method = getattr(self.control, action)
            return Response(r.id, "ok", method(p.target, sites))

        return handler

    def _start(self, user: str, p: Parsed, r: Request, blobs: Sequence[Any]) -> Response:
        if p.target == "server":
            return self._simple("start")(user, p, r, blobs)
        if not p.sites:
            raise ControlError("no client sites to act on")
        problems = site_problems(self.control, p.sites, need_deployed=True)
        return per_site(
            r.id, "started", p.sites, problems, lambda ready: self.control.start("client", ready)
        )

    def _remove_client(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        return Response(r.id, "ok", self.control.remove_client(p.sites[0]))

    def _logs(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        return Response(r.id, "ok", self.control.logs(p.sites[0], p.params["lines"]))

    def _metrics(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        return _with_data(r.id, "metrics", dict(self.control.metrics()))

    def _validate(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        results = dict(self.control.cross_validation())
        wanted = p.params["filter"]
        if wanted:
            results = {k: v for k, v in results.items() if k == wanted[0]}
            if len(wanted) == 2:
                results = {
                    k: {t: m for t, m in v.items() if t == wanted[1]}
                    for k, v in results.items()
                    if isinstance(v, dict)
                }
        return _with_data(r.id, "cross-site validation", results)

    def _org_rules(self, org: str | None) -> tuple[bool, bool]:
        return self.policy.rule(org, "allow_byoc"), self.policy.rule(org, "allow_custom_datalist")

    def _upload(self, user: str, p: Parsed, r: Request, blobs: Sequence[Any]) -> Response:
        try:
            name = check_name(p.params["folder"], "an uploaded MMAR's name")
        except UnsafeName as exc:
            raise UploadRefused(exc.one_line()) from None
        entries = list(r.files)
        check_entries(entries, self.limits.uploads)
        data = {
            e.path: memoryview(getattr(b, "buffer", b)) for e, b in zip(entries, blobs, strict=True)
        }
        entry = self.policy.user(user)
        byoc, datalist = self._org_rules(entry.org if entry else None)
        check_rules(
            entries,
            allow_byoc=byoc,
            allow_custom_datalist=datalist,
            read=lambda path: bytes(data[path]),
            who=f"org {entry.org if entry else '?'} of {user}",
        )
        staged = write_upload(
            self.storage / STAGING, entries, [data[e.path] for e in entries], name
        )
        try:
            plan = compile_or_refuse(self.compile_plan, staged, name)
            dest = install_upload(staged, self.storage / name)
        except BaseException:
            discard_upload(staged)
            raise
        total = sum(e.size for e in entries)
        return Response(
            r.id,
            "ok",
            f"uploaded {name}: {len(entries)} files, {total} bytes; plan sha256 {plan.sha256}",
            {"name": name, "path": str(dest), "plan_sha256": plan.sha256},
        )

    def _deploy(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        name = p.params["mmar"]
        folder = self.storage / name
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            mode = 0
        if not stat.S_ISDIR(mode):
            raise ControlError(f"no uploaded MMAR named {name}: upload_folder it first")
        plan = compile_or_refuse(self.compile_plan, folder, name)
        entries: list[UploadEntry] = scan_folder(folder, self.limits.uploads)

        def refusal(site: str) -> str | None:
            org = self.policy.site_org(site)
            byoc, datalist = self._org_rules(org)
            try:
                check_rules(
                    entries,
                    allow_byoc=byoc,
                    allow_custom_datalist=datalist,
                    read=lambda path: (folder / path).read_bytes(),
                    who=f"site {site} (org {org or 'unknown'})",
                )
            except UploadRefused as exc:
                return str(exc)
            return None

        extra = {"plan_sha256": plan.sha256}
        if p.target == "server":
            why = refusal(SERVER_SITE)
            if why is not None:
                raise UploadRefused(why)
            text = self.control.deploy(plan, folder, "server", ())
            return Response(r.id, "ok", text, extra)
        if not p.sites:
            raise ControlError("no client sites to deploy to")
        problems = site_problems(self.control, p.sites)
        for site in p.sites:
            why = None if site in problems else refusal(site)
            if why is not None:
                problems[site] = why
        return per_site(
            r.id,
            "deployed",
            p.sites,
            problems,
            lambda ready: self.control.deploy(plan, folder, "client", ready),
            extra,
        )

    def _inside_run_folder(self, rel: str) -> tuple[Path, Path]:
        root = self.control.run_folder().resolve()
        if not rel:
            return root, root
        path = root / safe_relpath(rel)
        real = path.resolve()
        if real != root and root not in real.parents:
            raise UploadRefused(f"{rel}: outside the run folder")
        return root, path

    def _ls(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        _root, path = self._inside_run_folder(p.params["path"])
        st = os.lstat(path) if path.exists() or path.is_symlink() else None
        if st is None or not stat.S_ISDIR(st.st_mode):
            raise ControlError(f"{p.params['path'] or '.'}: not a folder")
        rows = []
        with os.scandir(path) as it:
            for child in sorted(it, key=lambda e: e.name)[:MAX_LS_ENTRIES]:
                cst = child.stat(follow_symlinks=False)
                kind = (
                    "dir"
                    if stat.S_ISDIR(cst.st_mode)
                    else "file"
                    if stat.S_ISREG(cst.st_mode)
                    else "link"
                    if stat.S_ISLNK(cst.st_mode)
                    else "other"
                )
                rows.append({"name": child.name, "type": kind, "size": cst.st_size})
        text = "\n".join(f"{e['type']:<5} {e['size']:>10}  {e['name']}" for e in rows)
        return Response(r.id, "ok", text, {"path": p.params["path"], "entries": rows})

    def _cat(self, user: str, p: Parsed, r: Request, _: Sequence[Any]) -> Response:
        _root, path = self._inside_run_folder(p.params["path"])
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise ControlError(f"{p.params['path']}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ControlError(f"{p.params['path']}: not a regular file")
            raw = handle.read(MAX_CAT_BYTES + 1)
        text = raw[:MAX_CAT_BYTES].decode("utf-8", errors="replace")
        if len(raw) > MAX_CAT_BYTES:
            text += f"\n[cut at {MAX_CAT_BYTES} bytes]"
        return Response(r.id, "ok", text)
