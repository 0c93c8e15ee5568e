"""The federation client: task loop, local training glue, validation, site data binding.

Public API (imported lazily, so reading a config does not import torch):

* :func:`run_client` / :class:`FederatedClient` — the task loop (:mod:`.loop`);
* :func:`client_config` / :class:`ClientConfig` — ``fl.client_settings`` (:mod:`.config`);
* :class:`ClientTrainer`, :class:`ModelReaderWriter` (:mod:`.trainer`),
  :class:`ClientValidator` (:mod:`.validator`): Clara's client components;
* :class:`ClientError` — a one-line error for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmarc.lazy import lazy_exports

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


__getattr__ = lazy_exports(__name__, _LAZY)
