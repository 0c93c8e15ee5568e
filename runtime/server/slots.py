"""Upload slots: how many sites may send a model-sized result to the server at once.

Why: every result a site sends is received whole by the server's ZeroMQ I/O thread
before the round workflow reads it, so without pacing the server holds as many results
in flight as sites finish at about the same time: 20 sites of a 400 MB model is 8 GB,
and what glibc keeps of that after the round depends on how many happened to overlap.
With ``upload_slots`` = k (``config_fed_server.json``, ``servers[0]``), a site with a
result announces it (``ready``) and sends it once the server answers ``grant``; at most
k grants are outstanding, the next waiting site is granted as soon as a result has been
handled, so the server's memory for results is bounded by k models whatever the number
of sites, and k transfers still overlap one another and the aggregation.

When a phase's sites all fit in the slots, nobody needs to ask: each task goes out with
its slot already granted (``up_front``; the task meta then says nothing) and the site
sends its result as soon as it has it, without the extra round trip; such a slot has no
deadline, since it covers the site's training too. A site that joins later, beyond the
slots, asks like any other.

A slot is also freed when its site dies or leaves, registers again (its result was
lost with the process), or has not delivered within :func:`grant_timeout` of the grant:
the slot then goes to the next waiting site, and the late result is still taken when it
comes. Pacing is for cooperating sites: a site that sends unasked is not refused (its
message is bounded by the endpoint's limits like any other).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Container

__all__ = ["UploadSlots", "grant_timeout"]

#: Seconds a granted site has to deliver, on top of :data:`GRANT_BYTES_PER_S` of its
#: result: covers a site on a slow link without letting a stalled one hold a slot long.
GRANT_BASE_S = 30.0
#: The slowest link a grant allows for (1 MB/s: a 400 MB model in under 7 minutes).
GRANT_BYTES_PER_S = 1e6


def grant_timeout(nbytes: int) -> float:
    """Seconds a granted upload of about ``nbytes`` may take before its slot is reused."""
    return GRANT_BASE_S + max(0, nbytes) / GRANT_BYTES_PER_S


class UploadSlots:
    """Grants of one phase. The caller sends the ``grant`` messages; this decides whom to.

    Args:
        size: slots (at least 1).
        timeout: seconds a grant holds its slot without a result (see :func:`grant_timeout`).
    """

    def __init__(self, size: int, timeout: float, *, up_front: bool = False) -> None:
        if size < 1:
            raise ValueError(f"upload slots must be at least 1, got {size}")
        self.size = size
        self.timeout = timeout
        #: grant slots with the task while there is room (see the module docstring)
        self.up_front = up_front
        #: site -> (task id, monotonic deadline), in grant order
        self.granted: dict[str, tuple[str, float]] = {}
        #: site -> task id, in the order they asked
        self.waiting: OrderedDict[str, str] = OrderedDict()

    def grant_with_task(self, site: str) -> bool:
        """Whether ``site``'s task goes out with its slot granted (``up_front``, a slot
        free, nobody waiting); the slot is then held until its result or its departure."""
        if site in self.granted:
            return True
        if not self.up_front or self.waiting or len(self.granted) >= self.size:
            return False
        self.granted[site] = ("", math.inf)
        return True

    def ask(self, site: str, task_id: str) -> list[tuple[str, str]]:
        """``site`` has a result for ``task_id``; returns the grants to send now."""
        if site in self.granted:  # asked again (say, its ready crossed a re-sent task)
            self.granted[site] = (task_id, self.granted[site][1])
            return [(site, task_id)]
        self.waiting[site] = task_id
        return self._fill()

    def release(self, site: str) -> list[tuple[str, str]]:
        """``site``'s result was handled, or it no longer has one; returns new grants."""
        self.waiting.pop(site, None)
        if self.granted.pop(site, None) is None:
            return []
        return self._fill()

    def expire(self, live: Container[str], now: float | None = None) -> list[tuple[str, str]]:
        """Free the slots of sites not in ``live`` and of grants past their deadline;
        returns new grants."""
        now = time.monotonic() if now is None else now
        for site in [s for s in self.waiting if s not in live]:
            del self.waiting[site]
        gone = [s for s, (_, until) in self.granted.items() if s not in live or now >= until]
        for site in gone:
            del self.granted[site]
        return self._fill(now) if gone else []

    def next_deadline(self) -> float | None:
        """When the oldest grant expires (``time.monotonic()``), or None."""
        until = min((until for _, until in self.granted.values()), default=math.inf)
        return None if until == math.inf else until

    def _fill(self, now: float | None = None) -> list[tuple[str, str]]:
        now = time.monotonic() if now is None else now
        grants = []
        while self.waiting and len(self.granted) < self.size:
            site, task_id = self.waiting.popitem(last=False)
            self.granted[site] = (task_id, now + self.timeout)
            grants.append((site, task_id))
        return grants
