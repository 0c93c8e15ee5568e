"""Per-round timing of a federated run from its ``events.jsonl``: what the runtime costs.

The anchor method (shared/anchors/fl-round-overhead.md, "M1"): a round's wall time is the
time between consecutive ``round_start`` events at the server (the last round ends at
its ``round_end``), the client compute is the slowest client's ``seconds`` in that round,
and the overhead is the difference: everything the framework adds (sending the model,
loading it, computing and filtering the update, sending it back, averaging, saving).
Round 1 carries process start-up and first-call costs and is reported apart.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RoundTiming:
    round: int  # 1-based, as in the events
    wall_s: float
    compute_s: float  # slowest client
    clients: int
    bytes: int  # payload bytes moved (down to every client and back)

    @property
    def overhead_s(self) -> float:
        return self.wall_s - self.compute_s


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every event of a run, in time order (a torn last line is skipped)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            out.append(event)
    return sorted(out, key=lambda e: float(e.get("t", 0.0)))


def round_timings(events: Iterable[Mapping[str, Any]]) -> list[RoundTiming]:
    """One :class:`RoundTiming` per round that started and ended."""
    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    compute: dict[int, list[float]] = defaultdict(list)
    moved: dict[int, int] = {}
    for e in events:
        r, kind = e.get("round"), e.get("event")
        if not isinstance(r, int):
            continue
        if kind == "round_start":
            starts.setdefault(r, float(e["t"]))
        elif kind == "round_end":
            ends[r] = float(e["t"])
            moved[r] = int(e.get("bytes") or 0)
        elif kind == "client_compute" and isinstance(e.get("seconds"), int | float):
            compute[r].append(float(e["seconds"]))
    out = []
    for r in sorted(starts):
        if r not in ends or not compute.get(r):
            continue
        stop = starts.get(r + 1, ends[r])
        out.append(RoundTiming(r, stop - starts[r], max(compute[r]), len(compute[r]), moved[r]))
    return out


def summary(timings: list[RoundTiming], skip_first: bool = True) -> dict[str, float] | None:
    """Min and median overhead and wall over the steady rounds (round 1 left out)."""
    steady = [t for t in timings if t.round > 1] if skip_first else list(timings)
    if not steady:
        return None
    over = [t.overhead_s for t in steady]
    return {
        "rounds": len(steady),
        "overhead_min_s": min(over),
        "overhead_median_s": statistics.median(over),
        "wall_median_s": statistics.median(t.wall_s for t in steady),
        "compute_median_s": statistics.median(t.compute_s for t in steady),
        "bytes_per_round": statistics.median(t.bytes for t in steady),
    }
