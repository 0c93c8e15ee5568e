"""Which model checks which file kind: the table the other stages look schemas up in.

Models are imported per kind, on first use: a run that checks only an MMAR's own files
never pays for defining the federation and provisioning models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mmarc.compiler.kinds import FileKind

if TYPE_CHECKING:
    from pydantic import BaseModel

_PACKAGE = "mmarc.compiler.schemas"

#: Where each kind's model is defined: (module in this package, class name).
MODEL_LOCATIONS: dict[FileKind, tuple[str, str]] = {
    FileKind.TRAIN: ("mmar", "TrainConfig"),
    FileKind.VALIDATION: ("mmar", "ValidationConfig"),
    FileKind.ENVIRONMENT: ("mmar", "Environment"),
    FileKind.DATALIST: ("mmar", "Datalist"),
    FileKind.FED_SERVER: ("federation", "FedServerConfig"),
    FileKind.FED_CLIENT: ("federation", "FedClientConfig"),
    FileKind.PROJECT: ("provisioning", "ProjectFile"),
    FileKind.AUTHZ: ("provisioning", "AuthzConfig"),
    FileKind.PLAN: ("plan", "Plan"),
}

#: Kinds whose top-level keys that are not settings define substitution variables.
VARIABLE_KINDS = frozenset({FileKind.TRAIN, FileKind.VALIDATION})


def model_for(kind: FileKind) -> type[BaseModel]:
    """The pydantic model of ``kind``, importing its module if needed."""
    module, name = MODEL_LOCATIONS[kind]
    model: type[BaseModel] = getattr(importlib.import_module(f"{_PACKAGE}.{module}"), name)
    return model


def all_models() -> dict[FileKind, type[BaseModel]]:
    """Every kind's model, in :class:`FileKind` order."""
    return {kind: model_for(kind) for kind in FileKind}
