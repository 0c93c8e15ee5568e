"""What ``compile`` refuses to put in a plan: valid FL components mmarc's runtime lacks.

Why apart from :mod:`mmarc.compiler.fl_components`: ``validate`` judges a config (a correct
Clara/NVFlare file is accepted, with an F001 info for a component mmarc does not run, a
row marked ``EXTERNAL`` in the alias table); ``compile`` judges whether mmarc can run it, and a
plan naming a class the runtime does not have would only fail later, on a site.
"""

from __future__ import annotations

from collections.abc import Iterable

from mmarc.compiler.component_sites import iter_components
from mmarc.compiler.fl_components import (
    FL_KINDS,
    Support,
    fl_component,
    handled_by_fl,
)
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import Node, SourceFile

__all__ = ["runtime_refusals"]


def runtime_refusals(files: Iterable[tuple[SourceFile, FileKind, Node]]) -> list[str]:
    """``file:line: why`` for each valid Clara/NVFlare FL component mmarc cannot run.

    ``validate`` accepts them (they are correct configs: F001 info); ``compile`` must not
    emit a plan that names them, so it refuses with these lines.
    """
    out: list[str] = []
    for source, kind, tree in files:
        if kind not in FL_KINDS:
            continue
        for site in iter_components(kind, tree):
            name = site.declared_name if site.declared_name is not None else site.path
            if name is None or not handled_by_fl(site):
                continue
            found = fl_component(name)
            if found is not None and found.support is Support.EXTERNAL:
                key = "name" if site.declared_name is not None else "path"
                start, _ = source.span_of((*site.parts, key))
                line, _ = source.line_col(start)
                out.append(f"{source.display}:{line}: {found.name}: {found.note}")
    return out
