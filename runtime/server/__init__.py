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

from typing import TYPE_CHECKING

from mmarc.lazy import lazy_exports

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


__getattr__ = lazy_exports(__name__, _LAZY)
