"""References that resolve, but to a component of the wrong kind (C012).

Why its own module: ``"optimizer": "@model"`` passes the reference stage (``model``
exists) and the argument checks (a reference is not a literal), and fails only when the
trainer first steps: the network has no ``step``. What an argument needs is known from two
catalog facts, never from importing a library: the argument's name when it is a Clara slot
(:data:`~mmarc.catalog.SLOT_CATEGORIES`: ``loss_function`` holds a loss, ``key_val_metric``
an engine metric handler) and its annotation (``Optimizer``, ``Inferer``, ``torch.nn.Module``
name classes whose catalog categories are known). What the reference gives is the catalog
entry of the component it resolves to (each item of a list slot such as ``@handlers``).
A ``{"ref": X}`` in a slot is judged the same way: the component it re-uses must be of the
slot's kind (a dataset re-used among ``pre_transforms`` is not). Custom classes and
anything that cannot be told are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from mmarc.catalog import SLOT_CATEGORIES, ComponentEntry, Param
from mmarc.compiler.component_sites import ComponentSite
from mmarc.compiler.components.reporter import ComponentReporter, Parts
from mmarc.compiler.references import SymbolTable, build_symbol_table
from mmarc.compiler.source import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["ANNOTATION_CATEGORIES", "METRIC_SLOTS", "check_reference_kinds", "expected_kinds"]

#: Class names an annotation may use -> the catalog categories whose classes are instances.
ANNOTATION_CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "Optimizer": ("optimizer",),
    "LRScheduler": ("lr_scheduler",),
    "_LRScheduler": ("lr_scheduler",),
    "DataLoader": ("dataloader",),
    "Inferer": ("inferer",),
    "Transform": ("transform",),
    "Evaluator": ("engine",),
    "Workflow": ("engine",),
    "Module": ("network", "loss"),
}

#: Slots whose handler must attach to an engine as a metric (tag ``metric_handler``).
METRIC_SLOTS = frozenset(
    {"key_metric", "additional_metrics", "metrics", "key_train_metric", "key_val_metric"}
    | {"additional_train_metrics", "additional_val_metrics"}
)

_WHOLE = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_OPTIONAL = frozenset({"None", "NoneType", "Optional"})


def expected_kinds(key: str, param: Param | None) -> tuple[str, ...] | None:
    """The categories an argument accepts (None: cannot be told).

    The slot table wins when the argument is a slot name; otherwise an annotation made only
    of known classes (and ``None``) decides.
    """
    if key in SLOT_CATEGORIES:
        return SLOT_CATEGORIES[key]
    if param is None or not param.annotation:
        return None
    names = {n.rsplit(".", 1)[-1] for n in _NAME.findall(param.annotation)} - _OPTIONAL
    if not names or not names <= set(ANNOTATION_CATEGORIES):
        return None
    out: list[str] = []
    for n in sorted(names):
        out.extend(c for c in ANNOTATION_CATEGORIES[n] if c not in out)
    return tuple(out)


def check_reference_kinds(
    report: ComponentReporter,
    resolved: Mapping[Parts, tuple[ComponentSite, ComponentEntry]],
    reuses: Sequence[ComponentSite] = (),
    sites: Sequence[ComponentSite] | None = None,
) -> None:
    """C012 for every ``"@name"`` argument whose target's class cannot serve the argument,
    and every ``{"ref": X}`` (in ``reuses``) whose component cannot serve its slot.

    ``sites`` are all the file's components when the caller has walked them already.
    """
    table = build_symbol_table(report.kind, report.tree, sites)
    for site in reuses:
        _check_reuse(report, table, site, resolved)
    for site, entry in resolved.values():
        args = site.args
        if args is None:
            continue
        for key, item in args.entries.items():
            value = item.value
            if not isinstance(value, ScalarNode) or not isinstance(value.value, str):
                continue
            match = _WHOLE.fullmatch(value.value.strip())
            if match is None:
                continue
            wanted = expected_kinds(key, entry.accepted_param(key))
            if wanted is None:
                continue
            target = table.resolve(match.group(1), site.section)
            if not target:
                continue
            givens = _targets(report, target, resolved)
            for given in givens:
                problem = _mismatch(key, wanted, given)
                if problem is not None:
                    written = value.value.strip()
                    listed = target not in resolved
                    _report(report, site, entry, key, written, given, problem, listed)
                    break


def _check_reuse(
    report: ComponentReporter,
    table: SymbolTable,
    site: ComponentSite,
    resolved: Mapping[Parts, tuple[ComponentSite, ComponentEntry]],
) -> None:
    wanted = SLOT_CATEGORIES.get(site.slot)
    name = site.ref
    if wanted is None or name is None:
        return
    found = table.ref_candidates(name, site.section)
    given = resolved.get(found[0].parts) if found else None
    if given is None:
        return
    needed = _mismatch(site.slot, wanted, given[1])
    if needed is None:
        return
    entry = given[1]
    report.add(
        "C012",
        f'{{"ref": "{name}"}} re-uses {_article(entry.category)} {_label(entry.category)} '
        f'({entry.path}), but "{site.slot}" needs {needed}',
        (*site.parts, "ref"),
        hint=f'"ref" names a component of the same kind defined elsewhere; "{name}" is not one',
        site=site,
    )


def _targets(
    report: ComponentReporter,
    target: Parts,
    resolved: Mapping[Parts, tuple[ComponentSite, ComponentEntry]],
) -> list[ComponentEntry]:
    """The entries a reference gives: one component, or each item of a list slot."""
    if target in resolved:
        return [resolved[target][1]]
    node: Node | None = report.tree
    for part in target:
        if isinstance(node, MappingNode) and isinstance(part, str):
            entry = node.entries.get(part)
            node = entry.value if entry is not None else None
        else:
            return []
    if isinstance(node, SequenceNode):
        return [
            resolved[(*target, i)][1] for i in range(len(node.items)) if (*target, i) in resolved
        ]
    return []


def _mismatch(key: str, wanted: tuple[str, ...], given: ComponentEntry) -> str | None:
    if given.category == "custom":
        return None
    metric = key in METRIC_SLOTS
    if given.category not in wanted or (metric and not given.has_tag("metric_handler")):
        if metric:
            return "a metric handler that attaches to the engine"
        return " or ".join(f"{_article(w)} {_label(w)}" for w in wanted)
    return None


def _report(
    report: ComponentReporter,
    site: ComponentSite,
    entry: ComponentEntry,
    key: str,
    written: str,
    given: ComponentEntry,
    needed: str,
    listed: bool,
) -> None:
    kind = f"{_article(given.category)} {_label(given.category)}"
    if listed:
        kind = f"a list holding {kind}"
    hint = f'refer to {needed} here; "{written}" {"holds" if listed else "is"} {given.name}'
    if given.category == "metric":
        hint = (
            "engine metrics come from monai.handlers (MeanDice, not DiceMetric) or ignite.metrics"
        )
    report.add(
        "C012",
        f'{entry.name} argument "{key}" refers to {written}, {kind} ({given.path}); '
        f"it needs {needed}",
        (*site.parts, "args", key),
        hint=hint,
        site=site,
    )


def _label(category: str) -> str:
    return {"lr_scheduler": "learning-rate scheduler", "image_io": "image reader/writer"}.get(
        category, category.replace("_", " ")
    )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
