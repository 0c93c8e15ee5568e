"""Output and batch transforms against the engine output of the Clara version a file declares.

Why: Clara 4.0's engines handed a handler or metric one dict per batch, so
``lambda x: x["loss"]`` was right; Clara 4.1 (MONAI 0.6 onwards, and the MONAI mmarc runs)
decollates the batch into a list with one dict per item, so the same lambda fails with
"list indices must be integers" at the first iteration, and ``from_engine([...])`` (or
``lambda x: x[0]["loss"]``) is needed. The reverse, ``x[0]["loss"]`` in a Clara 4.0
file, indexes a dict with 0. Both are facts of one file and its version, so
``validate`` reports them (L014) at the value, with the form the declared version
needs; ``mmarc migrate`` rewrites the 4.0 forms
(:mod:`mmarc.compiler.migration.clara41`, which classifies lambdas with
:func:`engine_output_use`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from enum import StrEnum

from mmarc.compiler.component_sites import iter_components
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import Node, ScalarNode, SourceFile
from mmarc.compiler.versions import ClaraVersion
from mmarc.diagnostics import Diagnostic
from mmarc.policy.expressions import MAX_LENGTH

__all__ = [
    "ENGINE_TRANSFORM_ARGS",
    "EngineOutputUse",
    "check_engine_conventions",
    "engine_output_use",
]

#: Arguments that receive the engine's output (``output_transform``) or batch
#: (``batch_transform``): handlers, ignite metrics, savers.
ENGINE_TRANSFORM_ARGS = ("output_transform", "batch_transform")
#: Versions whose engines decollate (a list of per-item dicts).
_DECOLLATED = frozenset({ClaraVersion.V41})
#: Versions whose engines pass the whole batch (one dict).
_WHOLE_BATCH = frozenset({ClaraVersion.V40, ClaraVersion.V40_EA})


class EngineOutputUse(StrEnum):
    """How a lambda reads its argument, the engine output or batch."""

    #: ``x["loss"]``: a key of one dict (Clara 4.0's whole-batch output)
    BATCH_DICT = "batch-dict"
    #: ``x[0]["loss"]``: an item of a list (Clara 4.1's decollated output)
    ITEMS = "items"


def engine_output_use(text: str) -> EngineOutputUse | None:
    """How the lambda ``text`` (``#`` prefix allowed) reads its argument; None when it
    does neither (``lambda x: None``, a ``from_engine`` call, not a lambda)."""
    stripped = text.strip().removeprefix("#").strip()
    if not stripped.startswith("lambda") or len(stripped) > MAX_LENGTH:
        return None  # an over-long expression is E001's (the policy's) to report
    try:
        tree = ast.parse(stripped, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    fn = tree.body
    if not isinstance(fn, ast.Lambda) or len(fn.args.args) != 1:
        return None
    arg = fn.args.args[0].arg
    uses = set()
    for node in ast.walk(fn.body):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == arg
            and isinstance(node.slice, ast.Constant)
        ):
            if isinstance(node.slice.value, str):
                uses.add(EngineOutputUse.BATCH_DICT)
            elif isinstance(node.slice.value, int):
                uses.add(EngineOutputUse.ITEMS)
    return uses.pop() if len(uses) == 1 else None


def check_engine_conventions(
    source: SourceFile, kind: FileKind, tree: Node, version: ClaraVersion
) -> list[Diagnostic]:
    """L014 for every output/batch transform of a train or validation config."""
    if kind not in (FileKind.TRAIN, FileKind.VALIDATION):
        return []
    if version not in _DECOLLATED and version not in _WHOLE_BATCH:
        return []
    return list(_check(source, kind, tree, version))


def _check(
    source: SourceFile, kind: FileKind, tree: Node, version: ClaraVersion
) -> Iterator[Diagnostic]:
    from mmarc.compiler.migration.clara41 import convert_lambda

    for site in iter_components(kind, tree):
        args = site.args
        if args is None:
            continue
        for arg in ENGINE_TRANSFORM_ARGS:
            node = args.get(arg)
            value = node.value if isinstance(node, ScalarNode) else None
            if not isinstance(value, str):
                continue
            use = engine_output_use(value)
            parts = (*site.parts, "args", arg)
            what = "output" if arg == "output_transform" else "batch"
            if use is EngineOutputUse.BATCH_DICT and version in _DECOLLATED:
                converted = convert_lambda(value.removeprefix("#"))
                fix = (
                    f'write "{converted}"'
                    if isinstance(converted, str)
                    else "index the item first (x[0]['loss']) or use monai.handlers.from_engine"
                )
                yield source.diagnostic(
                    "L014",
                    f"{site.class_name}'s {arg} reads the engine {what} as one dict "
                    f"(Clara 4.0), but Clara {version} engines pass a list with one dict per "
                    "batch item, so it fails at the first iteration",
                    parts,
                    hint=f"{fix}; `mmarc migrate` rewrites it",
                )
            elif use is EngineOutputUse.ITEMS and version in _WHOLE_BATCH:
                yield source.diagnostic(
                    "L014",
                    f"{site.class_name}'s {arg} indexes the engine {what} as a list of items "
                    f"(Clara 4.1), but Clara {version} engines pass one dict per batch",
                    parts,
                    hint="read the key directly (lambda x: x['loss']), or declare "
                    '"CLARA_TRAIN_VERSION": "4.1.0" (`mmarc migrate` converts the rest)',
                )
