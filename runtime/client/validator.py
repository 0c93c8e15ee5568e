"""A client's validation of a model on its own validation data (Clara's ``ClientValidator``).

It runs the plan's ``validate`` evaluator (the one the plan's ValidationHandler runs during
training), so every model is judged with the same transforms, inferer and metrics the
MMAR defines. Used for the global model a client receives each round (the metric the
server's best-model selection needs) and for cross-site validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..executor import ExecutorError
from ..executor.local import Training
from ..executor.metrics_log import scalars
from .trainer import ModelReaderWriter


class ClientValidator:
    """Validates weights with the plan's evaluator; ``available`` is False without one."""

    def __init__(self, training: Training, reader_writer: ModelReaderWriter | None = None):
        self.training = training
        self.evaluator: Any = training.evaluator
        self.rw = reader_writer or ModelReaderWriter(training.network)

    @property
    def available(self) -> bool:
        return self.evaluator is not None

    @property
    def key_metric(self) -> str | None:
        """The name the evaluator logs its key metric under (``val_acc``...)."""
        if self.evaluator is None:
            return None
        name = getattr(self.evaluator.state, "key_metric_name", None)
        return str(name) if name else None

    @property
    def samples(self) -> int:
        loader = getattr(self.evaluator, "data_loader", None)
        try:
            return len(loader.dataset) if loader is not None else 0
        except (TypeError, AttributeError):
            return 0

    def validate(self, weights: Mapping[str, np.ndarray] | None = None) -> dict[str, float]:
        """Metrics of ``weights`` (loaded into the network first) or of the network as it is."""
        if self.evaluator is None:
            return {}
        if weights is not None:
            self.rw.load(weights)
        try:
            self.evaluator.run()
        except Exception as exc:
            raise ExecutorError(
                f"validation failed: {type(exc).__name__}: {exc}", "/validate/evaluator"
            ) from exc
        return scalars(self.evaluator.state.metrics)
