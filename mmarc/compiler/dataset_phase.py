"""Which datalist list each phase of a ``config_train.json`` reads (L011, in ``validate``).

Why: a copy-pasted dataset block that trains on ``"validation"`` or validates on
``"training"`` runs without an error and reports a validation score measured on the
training images, so the "best" checkpoint is chosen by memorisation. The list names are
Clara's Decathlon convention; a name outside both sets (a fold, ``"site-1"``) says
nothing and is left alone. ``config_validation.json`` is not checked: evaluating a model
on any list is a legitimate choice there.
"""

from __future__ import annotations

from collections.abc import Iterator

from mmarc.compiler.component_sites import iter_components
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import Node, ScalarNode, SourceFile
from mmarc.diagnostics import Diagnostic, Severity

__all__ = ["HOLDOUT_LISTS", "TRAINING_LISTS", "check_dataset_phase"]

#: Datalist keys that hold the training images.
TRAINING_LISTS = frozenset({"training", "train"})
#: Datalist keys that hold images kept out of training.
HOLDOUT_LISTS = frozenset({"validation", "valid", "val", "test", "testing"})


def check_dataset_phase(source: SourceFile, kind: FileKind, tree: Node) -> list[Diagnostic]:
    """L011 (warning) for each dataset of a train config that reads the other phase's list."""
    if kind is not FileKind.TRAIN:
        return []
    return list(_check(source, kind, tree))


def _check(source: SourceFile, kind: FileKind, tree: Node) -> Iterator[Diagnostic]:
    for site in iter_components(kind, tree):
        if site.slot != "dataset" or site.nested:
            continue
        node = site.node.get("data_list_key")
        key = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(key, str):
            continue
        if site.section == "train" and key in HOLDOUT_LISTS:
            message = f'the training dataset reads the held-out list "{key}"'
            hint = 'train on "training"; keep the held-out list for the validate section'
        elif site.section == "validate" and key in TRAINING_LISTS:
            message = (
                f'the validation dataset reads the training list "{key}": its score (and the '
                "best checkpoint) would be measured on images the model trains on"
            )
            hint = 'validate on "validation" (a list the train section does not read)'
        else:
            continue
        yield source.diagnostic(
            "L011",
            message,
            (*site.parts, "data_list_key"),
            severity=Severity.WARNING,
            hint=hint,
        )
