"""Stage: the trust policy, applied statically, so ``validate`` refuses what a site would.

A config is data: the executor refuses an expression outside the policy, and a by-name
argument (``LoadImaged(reader=...)``) outside its catalogued names, before it builds
anything (see :mod:`mmarc.policy`). This stage applies the same policy to the files as
written, so the author sees the problem at ``mmarc validate`` time, located at the
offending piece of the string with the names that are allowed, instead of a refusal on a
remote site after deployment.

E001: an expression uses something the policy does not allow.
E002: a by-name argument names something outside its allow-list, or is not a literal.
"""

from __future__ import annotations

from typing import Any

from mmarc.catalog import Catalog, ComponentEntry
from mmarc.compiler.component_sites import COMPONENT_KINDS, ComponentSite, iter_components
from mmarc.compiler.expressions import string_span
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import MappingNode, Node, ScalarNode, SourceFile, iter_nodes
from mmarc.diagnostics import Diagnostic
from mmarc.policy import (
    HELPERS,
    MAX_LENGTH,
    ExpressionError,
    check_by_name,
    check_expression,
    expression_in,
    parse_expression,
)

__all__ = ["check_policy"]

_EXPRESSION_HINT = (
    "an expression may use @references, lambda parameters, literals, comparisons, "
    "arithmetic on numbers, the helpers " + ", ".join(sorted(HELPERS)[:2]) + "... and the "
    "read-only attributes and methods of mmarc.policy.attributes (parameters(), item(), "
    "get(), engine.state.iteration...); anything else is refused by every site"
)


def check_policy(
    source: SourceFile, kind: FileKind, root: Node, catalog: Catalog | None
) -> list[Diagnostic]:
    """E001 for every refused expression, E002 for every by-name argument outside its list."""
    diagnostics = list(_expressions(source, root))
    if catalog is not None and kind in COMPONENT_KINDS:
        for site in iter_components(kind, root):
            entry = _entry_of(site, catalog)
            if entry is not None and entry.by_name:
                diagnostics.extend(_by_name(source, site, entry))
    return diagnostics


def _expressions(source: SourceFile, root: Node) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for parts, node in iter_nodes(root):
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
            continue
        value = node.value
        site = expression_in(value)
        if site is None:
            continue
        if len(site.text) > MAX_LENGTH:
            out.append(
                source.diagnostic(
                    "E001",
                    f"expression is longer than {MAX_LENGTH} characters",
                    parts,
                    hint="move the logic into a custom component",
                )
            )
            continue
        parsed = parse_expression(site.text, references=site.references)
        if isinstance(parsed, ExpressionError):
            continue  # R003 (references stage) reports the syntax error
        violation = check_expression(parsed)
        if violation is None:
            continue
        start, end = site.offset + violation.offset, site.offset + violation.end
        shown = f" (in {violation.piece!r})" if violation.piece else ""
        out.append(
            source.diagnostic(
                "E001",
                f"expression {site.text!r} is refused: {violation.why}{shown}",
                parts,
                span=string_span(source.text, node, value, start, end),
                hint=_EXPRESSION_HINT,
            )
        )
    return out


def _entry_of(site: ComponentSite, catalog: Catalog) -> ComponentEntry | None:
    if site.path is not None:
        return catalog.by_path(site.path)
    if site.class_name is None:
        return None
    return catalog.lookup(site.class_name, site.slot).entry


def _by_name(source: SourceFile, site: ComponentSite, entry: ComponentEntry) -> list[Diagnostic]:
    args = site.node.get("args")
    if not isinstance(args, MappingNode):
        return []
    out: list[Diagnostic] = []
    for key, item in args.entries.items():
        if entry.by_name_arg(key) is None:
            continue
        refusal = check_by_name(entry, key, _as_written(item.value.to_plain()))
        if refusal is None:
            continue
        parts = (*site.parts, "args", key)
        if refusal.index is not None:
            parts = (*parts, refusal.index)
        out.append(source.diagnostic("E002", refusal.message, parts, hint=refusal.hint))
    return out


def _as_written(value: Any) -> Any:
    """Config strings that are references or expressions, in the plan's object form, so the
    policy says what they are; lists item by item."""
    if isinstance(value, list):
        return [_as_written(v) for v in value]
    if isinstance(value, str) and (value.startswith("@") or expression_in(value) is not None):
        return {"@expr": value} if not value.startswith("@") else {"@ref": value}
    return value
