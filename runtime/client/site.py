"""Site-local data binding: a client trains the federation's plan on *its own* datalist.

Why not recompile with another ``DATASET_JSON``: the plan hash is what server and clients
compare, and every hospital's datalist is different by nature. In Clara each site kept
its own ``dataset.json`` at the path the shared MMAR names; :func:`with_datalist` does the
same for a datalist kept elsewhere (the simulator's per-client lists): every dataset
component of the plan reads ``datalist`` instead, with image paths still relative to the
dataset's ``data_file_base_dir`` (set to the original list's folder when the component
had none, so relative paths mean what they meant). The plan's hash is not recomputed:
registration uses the shared plan's.
"""

from __future__ import annotations

import copy
import posixpath
from pathlib import Path
from typing import Any

from mmarc.plan import Plan

SECTIONS = ("train", "validate", "evaluate")


def _rebind(node: Any, datalist: str) -> None:
    if isinstance(node, dict):
        original = node.get("data_list_file_path")
        if isinstance(original, str) and original:
            if not node.get("data_file_base_dir"):
                node["data_file_base_dir"] = posixpath.dirname(original) or "."
            node["data_list_file_path"] = datalist
        for value in node.values():
            _rebind(value, datalist)
    elif isinstance(node, list):
        for value in node:
            _rebind(value, datalist)


def with_datalist(plan: Plan, datalist: Path | None) -> Plan:
    """``plan`` with its dataset components reading ``datalist`` (None: ``plan`` itself).

    The result keeps the shared plan's ``sha256`` (see the module docstring)."""
    if datalist is None:
        return plan
    out = copy.deepcopy(plan.document)
    target = str(Path(datalist).resolve())
    for section in SECTIONS:
        _rebind(out.get(section), target)
    return Plan.model_validate(out)
