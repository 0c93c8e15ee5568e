"""The federation's live progress view: a rich panel on a terminal, plain lines elsewhere.

It subscribes to the server's events (:class:`~mmarc.runtime.events.RunEvent`, from
``mmarc run --sim`` and ``mmarc server``) and never blocks the runtime: rendering is a few
microseconds per event, and events come a few times per round.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from mmarc.runtime.events import RunEvent

__all__ = ["ProgressView"]


def _metric(info: Any) -> str:
    if not isinstance(info, Mapping) or info.get("value") is None:
        return "-"
    return f"{info.get('metric')} {float(info['value']):.4f}"


class ProgressView:
    """A :data:`~mmarc.runtime.events.Subscriber` of server events; a context manager."""

    def __init__(self, title: str, *, live: bool | None = None, out: TextIO | None = None):
        self.title = title
        self.out = out or sys.stdout
        self.live = self.out.isatty() if live is None else live
        self.started = time.monotonic()
        self.round = "-"
        self.end_round: int | None = None
        self.clients = 0
        self.metric = "-"
        self.best = "-"
        self.last_seconds: float | None = None
        self.notes: list[str] = []
        self._live: Any = None

    # -- context ------------------------------------------------------------------------------

    def __enter__(self) -> ProgressView:
        if self.live:
            from rich.console import Console
            from rich.live import Live

            # rendered afresh on every refresh, so the elapsed time moves between events
            self._live = Live(
                get_renderable=self._render, console=Console(file=self.out), refresh_per_second=4
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.__exit__(None, None, None)
            self._live = None

    # -- events -------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        """A line worth keeping (a client joined, was dropped, failed...)."""
        stamp = f"[{time.monotonic() - self.started:7.1f} s]"
        self.notes = [*self.notes[-5:], f"{stamp} {text}"]
        if self._live is not None:
            self._live.refresh()
        else:
            print(f"{stamp} {text}", file=self.out, flush=True)

    def __call__(self, event: RunEvent) -> None:
        self.update(event)

    def update(self, event: RunEvent) -> None:
        """Take one event into the view (a note line, the round, the metrics...)."""
        kind = event.kind
        if isinstance(event.get("clients"), int):
            self.clients = event.get("clients")
        if kind == "sim_start":
            self.title = (
                f"{event.get('mmar_name')}: {event.get('n_clients')} clients, "
                f"{event.get('split')} split, run {Path(str(event.get('run_dir'))).name}"
            )
        elif kind == "note":
            self.note(str(event.get("text")))
        elif kind == "listening":
            self.note(f"server listening on {event.get('endpoint')}")
        elif kind == "resumed":
            self.note(f"server resumed after round {event.get('after_round')}")
        elif kind == "ready":
            self.end_round = event.get("end_round")
        elif kind in ("joined", "rejoined", "left"):
            self.note(f"{event.get('client')} {kind} ({self.clients} live)")
        elif kind == "dropped":
            self.note(f"{event.get('client')} dropped: {event.get('reason')}")
        elif kind == "refused":
            self.note(f"{event.get('client')} refused: {event.get('reason')}")
        elif kind == "client_error":
            self.note(f"{event.get('client')}: {event.get('detail')}")
        elif kind == "waiting":
            self.note(f"waiting for clients ({event.get('clients')}/{event.get('needed')})")
        elif kind == "round_start":
            self.round = str(event.get("round"))
            self._refresh()
        elif kind == "round":
            self._round_done(event)
        elif kind == "cross_val_start":
            self.note("cross-site validation")
        elif kind == "final":
            self.metric = _metric(event.get("global_metric"))
            self.note(f"final global model: {self.metric}")

    def _round_done(self, event: RunEvent) -> None:
        self.round = str(event.get("round"))
        self.metric = _metric(event.get("global_metric"))
        best = event.get("best")
        self.best = _metric(best) if isinstance(best, Mapping) else "-"
        self.last_seconds = event.get("seconds")
        clients = event.get("clients") or []
        if self._live is not None:
            self._refresh()
            return
        seconds = f"{self.last_seconds:.2f} s" if self.last_seconds is not None else "-"
        print(
            f"round {self.round}{self._of()}: {len(clients)} client(s), {seconds}, "
            f"global model before it: {self.metric}, best: {self.best}",
            file=self.out,
            flush=True,
        )

    # -- rendering ----------------------------------------------------------------------------

    def _of(self) -> str:
        return f"/{self.end_round - 1}" if self.end_round is not None else ""

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.refresh()

    def _render(self) -> Any:
        from rich.panel import Panel
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        seconds = f"{self.last_seconds:.2f} s" if self.last_seconds is not None else "-"
        table.add_row("round", f"{self.round}{self._of()}  (last took {seconds})")
        table.add_row("clients", str(self.clients))
        table.add_row("global metric", self.metric)
        table.add_row("best", self.best)
        table.add_row("elapsed", f"{time.monotonic() - self.started:.1f} s")
        for line in self.notes:
            table.add_row("", line)
        return Panel(table, title=self.title)
