"""The plan executor: builds and runs what ``mmarc compile`` produced.

Public API (imported lazily, so ``from mmarc.runtime.executor import ExecutorError``
does not import torch):

* :func:`run_local` — train on this machine (``mmarc run MMAR --local``);
* :func:`evaluate` — run the plan's ``evaluate`` section against a checkpoint;
* :func:`build_training`, :class:`Training`, :func:`get_weights`, :func:`set_weights` —
  for the federated client's local epochs;
* :class:`ExecutorError` (every user-fixable error, message names the plan pointer) and
  :class:`RunInterrupted` (Ctrl-C after a consistent checkpoint; exit status 130).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmarc.runtime.executor.errors import ExecutorError, RunInterrupted

from mmarc.lazy import lazy_exports

if TYPE_CHECKING:
    from mmarc.runtime.executor.evaluation import evaluate
    from mmarc.runtime.executor.local import (
        RunResult,
        Training,
        build_training,
        get_weights,
        run_local,
        set_weights,
    )

__all__ = [
    "ExecutorError",
    "RunInterrupted",
    "RunResult",
    "Training",
    "build_training",
    "evaluate",
    "get_weights",
    "run_local",
    "set_weights",
]

_LAZY = {
    "evaluate": "mmarc.runtime.executor.evaluation",
    "RunResult": "mmarc.runtime.executor.local",
    "Training": "mmarc.runtime.executor.local",
    "build_training": "mmarc.runtime.executor.local",
    "get_weights": "mmarc.runtime.executor.local",
    "run_local": "mmarc.runtime.executor.local",
    "set_weights": "mmarc.runtime.executor.local",
}


__getattr__ = lazy_exports(__name__, _LAZY)
