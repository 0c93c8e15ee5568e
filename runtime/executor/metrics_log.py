"""metrics.jsonl: one JSON object per evaluation, appended as training goes.

Why JSON lines: a run can be interrupted and resumed, and several tools (the CLI, the
federated client, a notebook) read the file while it grows; appending one flushed line
per evaluation keeps every prefix of the file valid. Each line holds ``epoch``,
``iteration``, ``train_loss`` (mean loss over the iterations since the previous line),
every trainer and evaluator metric under its ``log_label`` (``"val_acc"``,
``"val_mean_dice"``...) and ``elapsed_s``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def scalar(value: Any) -> float | None:
    """``value`` as a float when it is a number or a one-element tensor/array, else None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    item = getattr(value, "item", None)
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    try:
        count = numel() if callable(numel) else numel
        if callable(item) and count == 1:
            return float(item())
    except (TypeError, ValueError, RuntimeError):
        return None
    return None


def scalars(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The scalar entries of an engine's ``state.metrics``."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        number = scalar(value)
        if number is not None:
            out[str(key)] = number
    return out


class LossMeter:
    """Mean training loss since the last :meth:`take`."""

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0
        self.last: float | None = None

    def add(self, loss: float) -> None:
        if math.isfinite(loss):
            self.total += loss
            self.count += 1
        self.last = loss

    def take(self) -> float | None:
        mean = self.total / self.count if self.count else None
        self.total, self.count = 0.0, 0
        return mean


def loss_of(output: Any) -> float | None:
    """The loss in a trainer's output: a decollated list (``x[0]['loss']``) or a dict."""
    if isinstance(output, list | tuple) and output:
        output = output[0]
    if isinstance(output, Mapping) and "loss" in output:
        return scalar(output["loss"])
    return None


class MetricsLog:
    """Appends rows to ``path`` (created with its folder on the first row)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []

    def append(self, row: Mapping[str, Any]) -> None:
        clean = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in row.items()
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(clean, sort_keys=False) + "\n")
            fh.flush()
        self.rows.append(clean)


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """Every row of a metrics.jsonl file (a torn last line, if any, is skipped)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows
