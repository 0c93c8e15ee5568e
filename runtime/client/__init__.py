"""The federation client: task loop, local training glue, validation, site data binding.

Public API (imported lazily, so reading a config does not import torch):

* :func:`run_client` / :class:`FederatedClient` — the task loop (:mod:`.loop`);
* :func:`client_config` / :class:`ClientConfig` — ``fl.client_settings`` (:mod:`.config`);
* :class:`ClientTrainer`, :class:`ModelReaderWriter` (:mod:`.trainer`),
  :class:`ClientValidator` (:mod:`.validator`): Clara's client components;
* :class:`ClientError` — a one-line error for the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import ClientConfig, client_config
from .site import with_datalist

if TYPE_CHECKING:
    from .loop import ClientError, ClientResult, FederatedClient, run_client
    from .trainer import ClientTrainer, ModelReaderWriter
    from .validator import ClientValidator

__all__ = [
    "ClientConfig",
    "ClientError",
    "ClientResult",
    "ClientTrainer",
    "ClientValidator",
    "FederatedClient",
    "ModelReaderWriter",
    "client_config",
    "run_client",
    "with_datalist",
]

_LAZY = {
    "ClientError": ".loop",
    "ClientResult": ".loop",
    "FederatedClient": ".loop",
    "run_client": ".loop",
    "ClientTrainer": ".trainer",
    "ModelReaderWriter": ".trainer",
    "ClientValidator": ".validator",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
