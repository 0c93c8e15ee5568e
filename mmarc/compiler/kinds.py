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

from mmarc.compiler.source import MappingNode, Node, SequenceNode
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
    if "validate" in keys or ("pre_transforms" in keys and _EVALUATION_KEYS & keys):
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


#: Top-level settings only Clara's train configs have (a BYO trainer's settings say
#: ``max_epochs``, ``val_interval``...).
CLARA_SETTINGS = frozenset({"epochs", "num_interval_per_valid", "CLARA_TRAIN_VERSION"})
#: Top-level keys beside ``pre_transforms`` that make a validation config: 4.x ``model``,
#: 3.x ``model_loader``, either's ``inferer``.
_EVALUATION_KEYS = frozenset({"model", "model_loader", "inferer"})


def is_flat_settings(root: Node | None) -> bool:
    """A mapping of scalars only: the settings file of a custom trainer, not a Clara config.

    Every Clara train or validation config has sections (``train``, ``model``,
    ``pre_transforms``...); NVFlare examples put a BYO trainer's plain settings
    (``max_epochs``, ``val_interval``...) in ``config/config_train*.json``.
    """
    if not isinstance(root, MappingNode) or not root.entries:
        return False
    if CLARA_SETTINGS & set(root.entries):
        return False  # a Clara config that lacks its sections: the schema says which
    return not any(isinstance(e.value, MappingNode | SequenceNode) for e in root.entries.values())


def detect_kind(path: Path, root: Node | None) -> FileKind | None:
    """The kind of ``path``: by its name first, then by its content.

    A file named like a train or validation config that holds only flat settings has no
    kind (see :func:`is_flat_settings`): it is read by custom code, not by Clara.
    """
    by_name = kind_from_name(path)
    if by_name in (FileKind.TRAIN, FileKind.VALIDATION) and is_flat_settings(root):
        return None
    if (
        by_name is FileKind.AUTHZ
        and isinstance(root, MappingNode)
        and "permissions" in root.entries
    ):
        return None  # NVIDIA FLARE 2.x authorization.json (permissions by role), not Clara's
    return by_name or kind_from_content(root)
