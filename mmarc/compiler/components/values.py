"""Values the libraries refuse or misuse, though their type is right (C010, C011).

Why its own module: ``"lr": -0.001`` is a float, as the annotation asks, yet torch refuses
it; ``"reduction": "meen"`` is a string, yet MONAI's ``LossReduction`` has no such value.
Type checks (:mod:`.annotations`, C004) cannot see either. This module judges a literal
value against two data sources, never against an imported library:

- the constraints table (:data:`mmarc.catalog.constraints.CONSTRAINTS`): ranges and
  choices, each row proven by a test that builds the class with a bad value;
- the relations between arguments of the same table (``UNet``'s ``strides`` one fewer
  than its ``channels``), judged on the written values and the catalogued defaults;
- the string enums the catalog harvested from annotations (``Catalog.enums``): an
  argument annotated ``LossReduction | str`` takes one of ``LossReduction``'s values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from mmarc.catalog import ComponentEntry, Param
from mmarc.catalog.constraints import Constraint, Failure, constraints_for, relations_for
from mmarc.compiler.components.annotations import describe_value, is_dynamic, json_literal
from mmarc.compiler.source import MappingNode, Node, ScalarNode, SequenceNode
from mmarc.compiler.suggest import closest
from mmarc.diagnostics import Severity

__all__ = ["ValueProblem", "enum_choices", "relation_problems", "value_problems"]

_NAME = re.compile(r"[A-Za-z_][\w.]*")
#: Names an annotation may wrap a choice in without changing what a string must be.
_WRAPPERS = frozenset(
    {"Sequence", "list", "List", "tuple", "Tuple", "Optional", "None", "NoneType", "str"}
)


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """One value outside its domain; ``index`` is the list item at fault, if one is."""

    code: str
    message: str
    hint: str
    severity: Severity
    index: int | None


def enum_choices(
    annotation: str | None, enums: Mapping[str, tuple[str, ...]]
) -> tuple[str, tuple[str, ...]] | None:
    """``(enum name, values)`` when the annotation is MONAI's choice form, else None.

    The form is one harvested enum plus ``str`` (``LossReduction | str``), optionally in a
    sequence for per-key values (``Sequence[InterpolateMode | str] | InterpolateMode | str``).
    Any other name in the union (``CallableEventWithFilter``, ``int``) means other values
    are accepted too, so nothing is judged.
    """
    if not annotation:
        return None
    names = {n.rsplit(".", 1)[-1] for n in _NAME.findall(annotation)}
    found = [n for n in names if n in enums]
    if len(found) != 1 or "str" not in names or names - _WRAPPERS - {found[0]}:
        return None
    return found[0], enums[found[0]]


def value_problems(
    entry: ComponentEntry, param: Param, node: Node, enums: Mapping[str, tuple[str, ...]]
) -> list[ValueProblem]:
    """C010/C011 for one argument value of a class (empty when it fits or cannot be told)."""
    if is_dynamic(node):
        return []
    out: list[ValueProblem] = []
    for row in constraints_for(entry.paths, entry.tags, param.name, entry.category):
        problem = _row_problem(entry, param, node, row)
        if problem is not None:
            out.append(problem)
    if out:
        return out
    choice = enum_choices(param.annotation, enums)
    if choice is not None and _default_fits(param, choice[1]):
        out.extend(_enum_problems(entry, param, node, *choice))
    return out


def relation_problems(
    entry: ComponentEntry, args: MappingNode | None
) -> list[tuple[str, ValueProblem]]:
    """C010 for arguments that break a relation, at each of them the config writes."""
    out: list[tuple[str, ValueProblem]] = []
    written = args.entries if args is not None else {}
    for relation in relations_for(entry.paths):
        if not any(a in written for a in relation.args):
            continue
        values: dict[str, object] = {}
        for arg in relation.args:
            if arg in written:
                node = written[arg].value
                if is_dynamic(node):
                    break
                values[arg] = node.to_plain()
                continue
            param = entry.accepted_param(arg)
            if param is None or param.required or param.default_repr is not None:
                break
            values[arg] = param.default
        else:
            why = relation.violation(values)
            if why is not None:
                effect = _effect(relation.effect, entry)
                problem = ValueProblem("C010", f"{entry.name}: {why}", effect, Severity.ERROR, None)
                # the pair conflicts: each written side is where the fix may go
                out.extend((a, problem) for a in relation.args if a in written)
    return out


def _row_problem(
    entry: ComponentEntry, param: Param, node: Node, row: Constraint
) -> ValueProblem | None:
    items: list[tuple[int | None, Node]] = [(None, node)]
    if row.choices and isinstance(node, SequenceNode):
        items = list(enumerate(node.items))
    for index, item in items:
        if is_dynamic(item):
            continue
        why = row.violation(item.to_plain())
        if why is None:
            continue
        shown = describe_value(item)
        if row.choices:
            value = item.to_plain()
            close = closest(str(value), list(row.choices), cutoff=0.6)
            return ValueProblem(
                "C011",
                f'{entry.name} argument "{param.name}" is {shown}: it {why}',
                f'did you mean "{close}"?' if close else _effect(row.effect, entry),
                Severity.ERROR,
                index,
            )
        clamped = row.failure is Failure.CLAMPED
        return ValueProblem(
            "C010",
            f'{entry.name} argument "{param.name}" is {shown}: {why}',
            _effect(row.effect, entry),
            Severity.WARNING if clamped else Severity.ERROR,
            index,
        )
    return None


def _effect(effect: str, entry: ComponentEntry) -> str:
    library = {"torch": "torch", "monai": "MONAI", "mmarc": "mmarc's runtime"}
    lib = library.get(entry.path.split(".", 1)[0], "the library")
    return effect.format(lib=lib, cls=entry.name)


def _default_fits(param: Param, values: tuple[str, ...]) -> bool:
    """A default outside the values means the class accepts other strings: judge nothing."""
    default = param.default
    if isinstance(default, list):
        return all(d in values for d in default)
    return default is None or default in values


def _accepted(value: str, values: tuple[str, ...]) -> bool:
    """MONAI strips the string before looking it up, and some classes change its case first
    (HoVerNet upper-cases ``mode``): only a value no case matches is reported."""
    folded = value.strip().casefold()
    return any(folded == v.casefold() for v in values)


def _enum_problems(
    entry: ComponentEntry, param: Param, node: Node, enum: str, values: tuple[str, ...]
) -> list[ValueProblem]:
    items: list[tuple[int | None, Node]] = [(None, node)]
    if isinstance(node, SequenceNode):
        items = list(enumerate(node.items))
    out = []
    for index, item in items:
        if not isinstance(item, ScalarNode) or not isinstance(item.value, str):
            continue
        if is_dynamic(item) or _accepted(item.value, values):
            continue
        close = closest(item.value, list(values), cutoff=0.6)
        shown = ", ".join(json_literal(v) for v in values)
        out.append(
            ValueProblem(
                "C011",
                f'{entry.name} argument "{param.name}" is "{item.value}", which is not a '
                f"{enum} value",
                f'did you mean "{close}"?' if close else f"{enum} values: {shown}",
                Severity.ERROR,
                index,
            )
        )
    return out
