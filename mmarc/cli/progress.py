"""``mmarc run --local``'s progress bar: epoch, iterations, loss and the latest key metric.

It subscribes to the training events of :mod:`mmarc.runtime.events` (``train_start``,
``iteration``, ``metric``, ``train_end``); the executor itself draws nothing. Shown only
on an interactive terminal (and when the user wants it), so logs, CI output and a
federated client's output are not filled with bar redraws.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mmarc.runtime.events import RunEvent

__all__ = ["TrainingProgress"]


class TrainingProgress:
    """A training-event subscriber drawing a rich :class:`Progress` on stderr's terminal.

    Call it with each :class:`RunEvent`; the bar starts at ``train_start`` and stops at
    ``train_end`` (or when the object is closed). Disabled, every event is ignored.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._console = Console(stderr=True)
        self.enabled = enabled and self._console.is_terminal
        self._progress: Progress | None = None
        self._task: Any = None
        self._moved: list[tuple[logging.StreamHandler[TextIO], TextIO]] = []

    def __call__(self, event: RunEvent) -> None:
        if not self.enabled:
            return
        if event.kind == "train_start":
            self._start(
                int(event.get("total_epochs", 0)),
                int(event.get("epoch_length", 0)),
                int(event.get("done_epochs", 0)),
            )
        elif event.kind == "iteration":
            self.iteration(int(event.get("epoch", 0)), event.get("loss"))
        elif event.kind == "metric":
            self.metric(str(event.get("name")), float(event.get("value")), event.get("best"))
        elif event.kind == "train_end":
            self.close()

    def _start(self, total_epochs: int, epoch_length: int, done_epochs: int) -> None:
        self.close()
        self._progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[metric]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self._console,
        )
        self._task = self._progress.add_task(
            "train",
            total=total_epochs * epoch_length,
            completed=done_epochs * epoch_length,
            epoch=done_epochs,
            epochs=total_epochs,
            loss="-",
            metric="",
        )
        before = {id(sys.stdout): "stdout", id(sys.stderr): "stderr"}
        self._progress.start()
        self._move_log_streams(before)

    def close(self) -> None:
        """Stop the bar (if drawn) and give the log handlers their streams back."""
        if self._progress is not None:
            for handler, stream in self._moved:
                handler.setStream(stream)
            self._moved.clear()
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> TrainingProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _move_log_streams(self, before: dict[int, str]) -> None:
        """Route log handlers that write to the terminal (MONAI's StatsHandler does) through
        the bar's redirected streams, so log lines print above the bar instead of over it."""
        loggers = [logging.getLogger()] + [
            lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
        ]
        for logger in loggers:
            for handler in logger.handlers:
                if type(handler) is logging.StreamHandler:
                    which = before.get(id(handler.stream))
                    if which is not None:
                        old = handler.setStream(getattr(sys, which))
                        if old is not None:
                            self._moved.append((handler, old))

    def iteration(self, epoch: int, loss: float | None) -> None:
        """One training iteration done."""
        if self._progress is not None:
            self._progress.update(
                self._task, advance=1, epoch=epoch, loss="-" if loss is None else f"{loss:.4f}"
            )

    def metric(self, name: str, value: float, best: float | None) -> None:
        """A new key-metric value (and the best so far)."""
        if self._progress is not None:
            text = f"{name} {value:.4f}" + ("" if best is None else f" (best {best:.4f})")
            self._progress.update(self._task, metric=text)
