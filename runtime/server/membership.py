"""Who is in the federation: joining, rejoining, leaving, and dropping silent clients.

The transport admits a registration (:mod:`.admission` decides, with :meth:`Membership.is_full`
for ``max_num_clients``) and keeps each client's last heartbeat; this module turns those
into the workflow's view: the live :attr:`Membership.members`, every name ever seen (so a
return reads as "rejoined"), and the moment the quietest client passes
``heart_beat_timeout``, which bounds every wait of the round loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..transport import Message, ServerEndpoint
from .events import Reporter

__all__ = ["Member", "Membership"]

log = logging.getLogger(__name__)


@dataclass
class Member:
    """A live client as the workflow sees it."""

    name: str
    meta: Mapping[str, Any]
    joined_at: float


class Membership:
    """The live clients of one server. ``heart_beat_timeout`` and ``max_num_clients`` are
    attributes, set by the workflow from its config when a run starts."""

    def __init__(
        self, reporter: Reporter, *, heart_beat_timeout: float, max_num_clients: int
    ) -> None:
        self.reporter = reporter
        self.heart_beat_timeout = heart_beat_timeout
        self.max_num_clients = max_num_clients
        self.members: dict[str, Member] = {}
        self.seen: set[str] = set()
        self.endpoint: ServerEndpoint | None = None  # set once the socket is bound

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, name: object) -> bool:
        return name in self.members

    def is_full(self, name: str) -> bool:
        """Whether admitting ``name`` would pass ``max_num_clients`` (a member may rejoin)."""
        return name not in self.members and len(self.members) >= self.max_num_clients

    def join(self, message: Message) -> None:
        """An admitted registration: a new member, or one that came back."""
        name = message.client
        again = name in self.seen
        self.seen.add(name)
        meta = message.meta if isinstance(message.meta, Mapping) else {}
        self.members[name] = Member(name, dict(meta), time.time())
        log.info("%s %s", name, "rejoined" if again else "joined")
        self.reporter.progress(
            event="rejoined" if again else "joined", client=name, clients=len(self.members)
        )

    def leave(self, name: str) -> None:
        """A client said goodbye."""
        if self.members.pop(name, None) is not None:
            log.info("%s left", name)
            self.reporter.progress(event="left", client=name, clients=len(self.members))

    def drop(self, name: str, reason: str) -> None:
        """Forget a client (silent, or unreachable); it may register again later."""
        if self.endpoint is not None:
            self.endpoint.forget(name)
        if self.members.pop(name, None) is not None:
            log.warning("dropped %s: %s", name, reason)
            self.reporter.progress(
                event="dropped", client=name, reason=reason, clients=len(self.members)
            )

    def next_death(self) -> float | None:
        """When the quietest client passes ``heart_beat_timeout`` (monotonic), if any."""
        if self.endpoint is None:
            return None
        seen = [info.last_seen for info in self.endpoint.clients.values()]
        return min(seen) + self.heart_beat_timeout if seen else None

    def reap(self) -> None:
        """Drop the clients silent for longer than ``heart_beat_timeout``."""
        if self.endpoint is None:
            return
        for name in self.endpoint.dead_clients(self.heart_beat_timeout):
            self.drop(name, f"silent for more than {self.heart_beat_timeout:g} s")
