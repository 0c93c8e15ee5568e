"""Datalist semantics in ``mmarc lint``: the keys a dataset's transforms read (L012).

Why: MONAI's dictionary transforms raise ``KeyError`` for a key the data item lacks, but
only when the first item is loaded (mid-run, on the site), and a typo in ``keys`` or a
datalist written with other names (``"img"`` for ``"image"``) is the commonest cause.
Where the datalist is on this machine, this module follows the keys through the
dataset's transform chain: a key is available when the datalist's items have it or an
earlier transform of the chain produced it; ``allow_missing_keys`` turns the check off
for that transform. The chain is followed only as far as it is known: after a custom
(``path``) transform, which may add any key, nothing more is checked.

What a transform produces is read from its arguments, not from a table of MONAI classes:
every other string argument may name a key it writes (``ConcatItemsd(name=...)``,
``CopyItemsd(names=...)``, deepgrow's ``guidance``), and ``{key}_{postfix}`` keys
(``image_meta_dict``) follow each key read. That over-approximates what is available, so
the check never cries wolf about a key some transform does write.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mmarc.compiler.component_sites import ComponentSite, iter_components
from mmarc.compiler.lint_context import (
    LintContext,
    Parts,
    datalist_sites,
    dataset_data,
    node_at,
)
from mmarc.compiler.mmar import LoadedFile
from mmarc.compiler.source import Node, ScalarNode, SequenceNode
from mmarc.diagnostics import Diagnostic

__all__ = [
    "KEY_POSTFIXES",
    "is_disabled",
    "item_keys",
    "key_list",
    "rule_transform_keys",
    "transform_chain",
]

#: Keys MONAI writes beside each key a transform handles (meta data, applied transforms).
KEY_POSTFIXES = ("meta_dict", "transforms")


def transform_chain(f: LoadedFile, dataset: ComponentSite) -> list[ComponentSite] | None:
    """The components of a dataset's ``transform`` argument, in order, ``{"ref": ...}``
    entries resolved; None when it cannot be told (a ``#`` expression, an unknown slot)."""
    assert f.kind is not None and f.substituted is not None
    args = dataset.args
    node = args.get("transform") if args is not None else None
    sites = list(iter_components(f.kind, f.substituted))
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        slot = node.value[1:] if node.value.startswith("@") else None
        chain = [
            s for s in sites if not s.nested and s.slot == slot and s.section == dataset.section
        ]
        if not slot or not chain:
            return None
    elif isinstance(node, SequenceNode):
        base = (*dataset.parts, "args", "transform")
        chain = [s for s in sites if s.parts[: len(base)] == base and len(s.parts) == len(base) + 1]
    else:
        return None
    out: list[ComponentSite] = []
    named = _by_ref_name(sites, dataset.section)
    for site in chain:
        if site.ref is None:
            out.append(site)
            continue
        target = named.get(site.ref)
        if target is None:
            return [*out, site]  # an unresolved ref is R005; stop the chain there
        out.append(target)
    return out


def _by_ref_name(sites: list[ComponentSite], section: str | None) -> dict[str, ComponentSite]:
    """What each ``{"ref": NAME}`` names: the first such component, its own section first."""
    named: dict[str, ComponentSite] = {}
    for site in sorted(sites, key=lambda s: s.section != section):
        if site.ref is None:
            for name in site.ref_names:
                named.setdefault(name, site)
    return named


def is_disabled(site: ComponentSite) -> bool:
    node = site.node.get("disabled")
    return isinstance(node, ScalarNode) and node.value is True


def key_list(site: ComponentSite, tree: Node) -> list[tuple[str, Parts]]:
    """The keys a dictionary transform handles (``keys``), each with its pointer."""
    parts: Parts = (*site.parts, "args", "keys")
    node = node_at(tree, parts)
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        return [(node.value, parts)]
    if isinstance(node, SequenceNode):
        return [
            (item.value, (*parts, i))
            for i, item in enumerate(node.items)
            if isinstance(item, ScalarNode) and isinstance(item.value, str)
        ]
    return []


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _produced(site: ComponentSite, keys: list[str]) -> set[str]:
    """Keys a transform may write: its other string arguments, and ``{key}_{postfix}``."""
    out: set[str] = set()
    args = site.args
    plain = args.to_plain() if args is not None else {}
    for name, value in plain.items():
        if name == "keys":
            continue
        strings = list(_strings(value))
        out.update(strings)
        if name.endswith("postfix"):
            out.update(f"{k}_{s}" for k in keys for s in strings)
    out.update(f"{k}_{p}" for k in keys for p in KEY_POSTFIXES)
    return out


def item_keys(items: list[Any]) -> set[str] | None:
    """The keys the datalist's items have (any of them); None when items are not objects."""
    keys: set[Any] = set()
    for item in items:
        if not isinstance(item, dict):
            return None
        keys.update(item)
    return {k for k in keys if isinstance(k, str)} or None


def rule_transform_keys(ctx: LintContext) -> Iterator[Diagnostic]:
    """L012: every key a dataset's transforms read exists in its items or was produced."""
    reported: set[tuple[str, Parts]] = set()
    for f, site, tree in datalist_sites(ctx):
        data = dataset_data(ctx, site, tree)
        available = item_keys(data.items) if data is not None else None
        chain = transform_chain(f, site) if available is not None else None
        if data is None or available is None or chain is None:
            continue
        for t in chain:
            if t.ref is not None or t.path is not None:
                break  # unresolved or custom: what it writes is unknown
            if is_disabled(t):
                continue
            keys = key_list(t, tree)
            allow = t.args.get("allow_missing_keys") if t.args is not None else None
            if not (isinstance(allow, ScalarNode) and allow.value is True):
                for key, parts in keys:
                    if key in available or (f.source.display, parts) in reported:
                        continue
                    reported.add((f.source.display, parts))
                    have = ", ".join(sorted(available)[:8])
                    yield f.source.diagnostic(
                        "L012",
                        f'{t.class_name} reads key "{key}", which the items of '
                        f'"{data.key}" in {data.datalist.name} do not have and no earlier '
                        f"transform produces (available: {have})",
                        parts,
                        hint="fix the key, add it to the datalist items, or set "
                        '"allow_missing_keys": true if it is optional',
                    )
            available |= _produced(t, [k for k, _ in keys])
