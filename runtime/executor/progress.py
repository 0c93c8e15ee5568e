"""A rich progress bar for training: epoch, iterations, loss and the latest key metric.

Shown only on an interactive terminal (and when the caller wants it), so logs, CI output
and a federated client's output are not filled with bar redraws.
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


class TrainingProgress:
    """Wraps a rich :class:`Progress`; every method is a no-op when it is disabled."""

    def __init__(
        self, enabled: bool, total_epochs: int, epoch_length: int, done_epochs: int
    ) -> None:
        console = Console(stderr=True)
        self.enabled = enabled and console.is_terminal
        self.total_epochs = total_epochs
        self._progress: Progress | None = None
        self._task: Any = None
        self._moved: list[tuple[logging.StreamHandler[TextIO], TextIO]] = []
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]epoch {task.fields[epoch]}/{task.fields[epochs]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]}"),
                TextColumn("{task.fields[metric]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
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

    def __enter__(self) -> TrainingProgress:
        if self._progress is not None:
            before = {id(sys.stdout): "stdout", id(sys.stderr): "stderr"}
            self._progress.start()
            self._move_log_streams(before)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            for handler, stream in self._moved:
                handler.setStream(stream)
            self._moved.clear()
            self._progress.stop()

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
        if self._progress is not None:
            self._progress.update(
                self._task, advance=1, epoch=epoch, loss="-" if loss is None else f"{loss:.4f}"
            )

    def metric(self, name: str, value: float, best: float | None) -> None:
        if self._progress is not None:
            text = f"{name} {value:.4f}" + ("" if best is None else f" (best {best:.4f})")
            self._progress.update(self._task, metric=text)
