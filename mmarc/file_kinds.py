"""The kinds of MMAR and provisioning files mmarc knows, and which file names mean which.

One vocabulary for the compiler (which schema checks a file) and the runtime (an upload
rule that refuses custom datalists must know a datalist by its name); it imports nothing
of either. Telling a kind from a file's content needs the parsed file, so that stays in
:mod:`mmarc.compiler.kinds`.
"""

from __future__ import annotations

import fnmatch
from enum import StrEnum
from pathlib import Path

__all__ = ["CONFIG_SUFFIXES", "FileKind", "kind_from_name"]


class FileKind(StrEnum):
    """The file kinds mmarc understands; the value names the JSON Schema file."""

    TRAIN = "config_train"
    VALIDATION = "config_validation"
    ENVIRONMENT = "environment"
    DATALIST = "datalist"
    FED_SERVER = "config_fed_server"
    FED_CLIENT = "config_fed_client"
    PROJECT = "project"
    AUTHZ = "authz_config"
    PLAN = "plan"

    @property
    def label(self) -> str:
        """What the file is, in words (JSON Schema titles, messages)."""
        return _TITLES[self]


_TITLES = {
    FileKind.TRAIN: "MMAR training configuration (config_train.json)",
    FileKind.VALIDATION: "MMAR validation configuration (config_validation.json)",
    FileKind.ENVIRONMENT: "MMAR environment (environment.json)",
    FileKind.DATALIST: "datalist (Medical Segmentation Decathlon form)",
    FileKind.FED_SERVER: "federated server configuration (config_fed_server.json)",
    FileKind.FED_CLIENT: "federated client configuration (config_fed_client.json)",
    FileKind.PROJECT: "provisioning project file (project.yml)",
    FileKind.AUTHZ: "authorization policy (authz_config.json)",
    FileKind.PLAN: "compiled plan (mmarc compile)",
}

# Checked in order; the first pattern that matches the lower-cased file name wins.
_NAME_PATTERNS: tuple[tuple[str, FileKind], ...] = (
    ("*plan.json", FileKind.PLAN),
    ("*fed_server*.json", FileKind.FED_SERVER),
    ("*fed_client*.json", FileKind.FED_CLIENT),
    ("*config_train*.json", FileKind.TRAIN),
    ("trn_*.json", FileKind.TRAIN),
    ("*config_valid*.json", FileKind.VALIDATION),
    ("*config_eval*.json", FileKind.VALIDATION),
    ("*environment*.json", FileKind.ENVIRONMENT),
    ("*dataset*.json", FileKind.DATALIST),
    ("*datalist*.json", FileKind.DATALIST),
    ("*auth*.json", FileKind.AUTHZ),
    ("*project*.yml", FileKind.PROJECT),
    ("*project*.yaml", FileKind.PROJECT),
)

#: File names the CLI and editors may find; the suffixes mmarc loads.
CONFIG_SUFFIXES = (".json", ".yml", ".yaml")


def kind_from_name(path: Path) -> FileKind | None:
    name = path.name.lower()
    for pattern, kind in _NAME_PATTERNS:
        if fnmatch.fnmatchcase(name, pattern):
            return kind
    return None
