"""Which kind of MMAR or provisioning file a path holds, from its name or its content.

Every later stage is chosen by kind: the schema a file is checked against, whether it
takes part in variable substitution, what its version markers are. Names win where they
are conventional (``config_train*.json``, ``environment.json``, ``project.yml``...);
otherwise the top-level keys decide, so a renamed file is still recognised. The kinds and
their name rules live in :mod:`mmarc.file_kinds` (the runtime's upload rules use them
too); the content rules here read the compiler's parsed nodes.
"""

from __future__ import annotations

from pathlib import Path

from mmarc.compiler.source import MappingNode, Node
from mmarc.file_kinds import CONFIG_SUFFIXES, FileKind, kind_from_name

__all__ = ["CONFIG_SUFFIXES", "FileKind", "detect_kind", "kind_from_content", "kind_from_name"]


def kind_from_content(root: Node | None) -> FileKind | None:
    """Guess a kind from top-level keys, for files with unconventional names."""
    if not isinstance(root, MappingNode):
        return None
    keys = set(root.entries)
    if {"plan_format", "sha256"} <= keys:
        return FileKind.PLAN
    if {"participants", "builders"} & keys or {"fl_clients", "admin_clients"} & keys:
        return FileKind.PROJECT
    if "servers" in keys and ({"aggregator", "model_persistor", "shareable_generator"} & keys):
        return FileKind.FED_SERVER
    if "servers" in keys and ({"client", "client_trainer", "cross_site_validation"} & keys):
        return FileKind.FED_CLIENT
    if {"roles", "groups"} <= keys or {"users", "orgs", "sites"} <= keys:
        return FileKind.AUTHZ
    if {"training", "validation", "test"} & keys and not {"train", "validate"} & keys:
        return FileKind.DATALIST
    if "train" in keys:
        return FileKind.TRAIN
    if "validate" in keys or ("model" in keys and "pre_transforms" in keys):
        return FileKind.VALIDATION
    if (
        keys
        and all(
            isinstance(e.value.to_plain(), str | int | float | bool) for e in root.entries.values()
        )
        and any(k.isupper() for k in keys)
    ):
        return FileKind.ENVIRONMENT
    return None


def detect_kind(path: Path, root: Node | None) -> FileKind | None:
    """The kind of ``path``: by its name first, then by its content."""
    return kind_from_name(path) or kind_from_content(root)
