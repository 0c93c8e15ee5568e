"""Best global model selection from the validation metrics clients report.

Clara's ``IntimeModelSelectionHandler``: every client validates the global model it
receives on its own validation data before training on it, and reports the key metric
with its update. The server combines the reports, weighted by each client's number of
validation samples (so for a mean-over-samples metric such as accuracy the result is the
metric on the union of the clients' validation sets), and keeps the global model with
the best combined value. The last global model is judged by the final validation phase.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mmarc.plan import Plan


@dataclass(frozen=True)
class Report:
    """One client's validation of one global model."""

    client: str
    metric: str
    value: float
    samples: int


def combine(reports: Iterable[Report]) -> tuple[str, float] | None:
    """(metric name, sample-weighted mean) of the reports of the most common metric."""
    usable = [r for r in reports if math.isfinite(r.value)]
    if not usable:
        return None
    names = [r.metric for r in usable]
    name = max(set(names), key=names.count)
    chosen = [r for r in usable if r.metric == name]
    total = sum(max(r.samples, 0) for r in chosen)
    if total <= 0:
        return name, sum(r.value for r in chosen) / len(chosen)
    return name, sum(r.value * max(r.samples, 0) for r in chosen) / total


def lower_is_better(plan: Plan) -> bool:
    """Whether the plan's key metric is minimised (a validate CheckpointSaver says
    ``key_metric_negative_sign``), as Clara's best-model saver read it."""
    handlers = plan.validate_.get("handlers")
    for handler in handlers if isinstance(handlers, list) else []:
        if isinstance(handler, Mapping) and str(handler.get("path", "")).endswith(
            "CheckpointSaver"
        ):
            args = handler.get("args") or {}
            if isinstance(args, Mapping) and args.get("key_metric_negative_sign") is True:
                return True
    return False


class BestModelSelector:
    """Keeps the best combined metric; :meth:`offer` says whether a model beats it."""

    def __init__(self, lower_is_better: bool = False, best: Mapping[str, Any] | None = None):
        self.lower_is_better = lower_is_better
        self.best: dict[str, Any] | None = dict(best) if best else None

    def offer(self, round_: int, reports: Iterable[Report]) -> dict[str, Any] | None:
        """The new best ``{"metric", "value", "round"}`` if the global model of ``round_``
        beats the best so far, else None."""
        combined = combine(reports)
        if combined is None:
            return None
        name, value = combined
        if self.best is not None and self.best.get("metric") == name:
            old = float(self.best["value"])
            if (value >= old) if self.lower_is_better else (value <= old):
                return None
        self.best = {"metric": name, "value": value, "round": int(round_)}
        return self.best


def combined_metric(of_round: int, reports: Iterable[Report]) -> dict[str, Any] | None:
    """``{"round", "metric", "value"}``: the combined report on the global model of
    ``of_round``, as metrics.jsonl and the progress view show it (None: no report)."""
    combined = combine(reports)
    if combined is None:
        return None
    return {"round": of_round, "metric": combined[0], "value": combined[1]}
