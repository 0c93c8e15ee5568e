"""``LocalFederationControl``: a real, in-process federation state over a real run folder.

It trains nothing, but it keeps Clara's admin state machine (run number -> deploy ->
start server -> start clients -> abort/shutdown), writes deployed MMARs and plans into
``run_<N>/`` and every action into per-site logs, and reads metrics and cross-site
validation results from the files a run leaves there. Tests and ``mmarc`` demos drive
the admin service through it; the FL server workflow provides the production
implementation of the same :class:`~.control.FederationControl` protocol.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mmarc.plan import Plan

from ..security.authz import SERVER_SITE
from ..security.names import child_path, remove_within
from .control import ControlError, Target

PLAN_FILE = "plan.json"


class LocalFederationControl:
    """Keeps the federation's state; thread-safe; writes under ``root``."""

    def __init__(self, root: Path, sites: Sequence[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._sites = list(sites)
        self.run_number: int | None = None
        self.server_state = "stopped"
        self.client_state: dict[str, str] = {s: "stopped" for s in sites}
        self.deployed: dict[str, str] = {}  # party -> plan sha256

    # --- helpers ---------------------------------------------------------------------

    def _log(self, site: str, message: str) -> None:
        folder = self.root / "logs"
        folder.mkdir(exist_ok=True)
        stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        with open(folder / f"{site}.log", "a", encoding="utf-8") as handle:
            handle.write(f"{stamp} {message}\n")

    def _run_dir(self) -> Path:
        if self.run_number is None:
            raise ControlError("no run number: use set_run_number N first")
        return self.root / f"run_{self.run_number}"

    def _known(self, sites: Sequence[str]) -> list[str]:
        unknown = [s for s in sites if s not in self.client_state]
        if unknown:
            raise ControlError(f"unknown or removed client(s): {', '.join(unknown)}")
        return list(sites)

    def _parties(self, target: Target, sites: Sequence[str]) -> list[str]:
        return [SERVER_SITE] if target == "server" else self._known(sites)

    def _state(self, party: str) -> str:
        return self.server_state if party == SERVER_SITE else self.client_state[party]

    def _set_state(self, party: str, state: str) -> None:
        if party == SERVER_SITE:
            self.server_state = state
        else:
            self.client_state[party] = state
        self._log(party, state)

    # --- FederationControl -----------------------------------------------------------

    def sites(self) -> Sequence[str]:
        with self._lock:
            return [s for s in self._sites if s in self.client_state]

    def status(self, target: Target, sites: Sequence[str]) -> Mapping[str, Any]:
        with self._lock:
            if target == "server":
                return {
                    "server": self.server_state,
                    "run_number": self.run_number,
                    "deployed": self.deployed.get(SERVER_SITE),
                    "clients": len(self.client_state),
                }
            return {
                s: {"state": self.client_state[s], "deployed": self.deployed.get(s)}
                for s in self._known(sites)
            }

    def set_run_number(self, number: int) -> str:
        with self._lock:
            if self.server_state == "training":
                raise ControlError("abort the server's training before changing the run number")
            self.run_number = number
            self._run_dir().mkdir(exist_ok=True)
            self.deployed.clear()
            self._log(SERVER_SITE, f"run number {number}")
            return f"run number set to {number}"

    def deploy(self, plan: Plan, mmar: Path, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            run = self._run_dir()
            parties = self._parties(target, sites)
            busy = [p for p in parties if self._state(p) == "training"]
            if busy:
                raise ControlError(f"training is running on {', '.join(busy)}; abort it first")
            for party in parties:
                dest = child_path(run, f"mmar_{party}", "site name")
                remove_within(run, dest)
                shutil.copytree(mmar, dest, symlinks=True)
                (dest / PLAN_FILE).write_bytes(plan.to_json())
                self.deployed[party] = plan.sha256
                self._log(party, f"deployed plan {self.deployed[party][:12]}")
            return f"deployed to {', '.join(parties)}"

    def start(self, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            parties = self._parties(target, sites)
            for party in parties:
                if party not in self.deployed:
                    raise ControlError(f"nothing deployed to {party}: deploy an MMAR first")
                if party != SERVER_SITE and self.server_state != "training":
                    raise ControlError("start the server before its clients")
                if self._state(party) == "training":
                    raise ControlError(f"{party} is already training")
            for party in parties:
                self._set_state(party, "training")
            return f"started {', '.join(parties)}"

    def abort(self, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            parties = self._parties(target, sites)
            for party in parties:
                if self._state(party) == "training":
                    self._set_state(party, "stopped")
            return f"aborted {', '.join(parties)}"

    def shutdown(self, target: Target, sites: Sequence[str]) -> str:
        with self._lock:
            parties = self._parties(target, sites)
            for party in parties:
                self._set_state(party, "shutdown")
            return f"shut down {', '.join(parties)}"

    def remove_client(self, site: str) -> str:
        with self._lock:
            self._known([site])
            del self.client_state[site]
            self.deployed.pop(site, None)
            self._log(SERVER_SITE, f"removed client {site}")
            return f"removed client {site}"

    def metrics(self) -> Mapping[str, Any]:
        with self._lock:
            path = self._run_dir() / "metrics.jsonl"
            if not path.is_file():
                return {"run_number": self.run_number, "metrics": []}
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            return {"run_number": self.run_number, "metrics": rows}

    def cross_validation(self) -> Mapping[str, Any]:
        with self._lock:
            path = self._run_dir() / "cross_site_validation.json"
            if not path.is_file():
                return {}
            data = json.loads(path.read_text())
            return data if isinstance(data, dict) else {}

    def logs(self, site: str, lines: int) -> str:
        with self._lock:
            path = self.root / "logs" / f"{site}.log"
            if site != SERVER_SITE and site not in self._sites:
                raise ControlError(f"unknown site {site}")
            if not path.is_file():
                return ""
            return "\n".join(path.read_text(encoding="utf-8").splitlines()[-lines:])

    def run_folder(self) -> Path:
        return self.root
