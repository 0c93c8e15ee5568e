"""What the admin service needs from the federation: the :class:`FederationControl` protocol.

The admin service authenticates, authorizes, audits and checks uploads; everything that
*acts* on the federation goes through this small interface, which the FL server
workflow implements. The service calls it from its own thread, one call at a time; an
implementation must therefore be safe to call while the server's round loop runs (for
instance by handing each call to that loop and waiting for its answer).

Return values travel to the console as JSON: strings, numbers, booleans, None, lists
and string-keyed dicts only. An action the federation refuses (no run number yet, a
client not connected, training already running...) raises :class:`ControlError` with a
message for the admin; any other exception is logged on the server and reported to the
admin as an internal error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from mmarc.errors import MmarcError
from mmarc.plan import Plan

Target = Literal["server", "client"]


class ControlError(MmarcError, RuntimeError):
    """The federation refused or could not carry out an action; shown to the admin as is."""


@runtime_checkable
class FederationControl(Protocol):
    """The federation as the admin service drives it (Clara 4.0 admin semantics).

    ``sites`` arguments are client site names (already authorized); an empty tuple with
    ``target="client"`` never reaches an implementation: the service expands it to
    :meth:`sites` first.
    """

    def sites(self) -> Sequence[str]:
        """Client sites the server knows (provisioned, or registered at least once)."""
        ...

    def status(self, target: Target, sites: Sequence[str]) -> Mapping[str, Any]:
        """``check_status``: server state (run number, round, training or not) or each
        listed client's state (connected, last seen, training, deployed plan)."""
        ...

    def set_run_number(self, number: int) -> str:
        """``set_run_number N``: select (creating if needed) the run folder for N."""
        ...

    def deploy(self, plan: Plan, mmar: Path, target: Target, sites: Sequence[str]) -> str:
        """``deploy``: ``plan`` is the compiled plan (``mmarc compile`` output, already
        checked), ``mmar`` the uploaded MMAR folder it was compiled from (custom code,
        configs). Server: stage it for the next run; clients: ship it to each site."""
        ...

    def start(self, target: Target, sites: Sequence[str]) -> str:
        """``start``: start training on the server, or on the listed clients."""
        ...

    def abort(self, target: Target, sites: Sequence[str]) -> str:
        """``abort``: stop training (the server's rounds, or the listed clients' task)."""
        ...

    def shutdown(self, target: Target, sites: Sequence[str]) -> str:
        """``shutdown``: end the server process, or tell the listed clients to exit."""
        ...

    def remove_client(self, site: str) -> str:
        """``remove_client``: forget a client (it must register again to take part)."""
        ...

    def metrics(self) -> Mapping[str, Any]:
        """``metrics``: the current run's training metrics (per round, per site)."""
        ...

    def cross_validation(self) -> Mapping[str, Any]:
        """``validate``: cross-site validation results {source: {target: metrics}}."""
        ...

    def logs(self, site: str, lines: int) -> str:
        """``logs``: the last ``lines`` lines of a site's (or ``server``'s) log."""
        ...

    def run_folder(self) -> Path:
        """The server's run folder root, which ``ls`` and ``cat`` browse (read-only)."""
        ...
