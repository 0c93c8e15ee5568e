"""The federation server: round workflow, global model persistence, best-model selection.

Public API (imported lazily, so reading a config does not import torch):

* :func:`run_server` / :class:`FederatedServer` — the round workflow (:mod:`.workflow`,
  which puts together :mod:`.membership`, :mod:`.phases`, :mod:`.rounds`, :mod:`.crossval`
  and :mod:`.records`; aggregation is a :mod:`mmarc.runtime.aggregation` strategy);
* :func:`server_config` / :class:`ServerConfig` — ``fl.server_settings`` (:mod:`.config`);
* :class:`ModelPersistor` — ``FL_global_model.pt`` and resuming (:mod:`.persistor`);
* :class:`ServerError`, :class:`FLConfigError` — one-line errors for the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import FLConfigError, ServerConfig, server_config

if TYPE_CHECKING:
    from .persistor import ModelPersistor
    from .workflow import FederatedServer, ServerError, ServerResult, run_server

__all__ = [
    "FLConfigError",
    "FederatedServer",
    "ModelPersistor",
    "ServerConfig",
    "ServerError",
    "ServerResult",
    "run_server",
    "server_config",
]

_LAZY = {
    "FederatedServer": ".workflow",
    "ServerError": ".workflow",
    "ServerResult": ".workflow",
    "run_server": ".workflow",
    "ModelPersistor": ".persistor",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
