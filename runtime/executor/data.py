"""Datalists: the Decathlon-form JSON a Clara dataset component points at.

Clara's dataset components carry ``data_list_file_path`` (the JSON file),
``data_list_key`` (``training``/``validation``/...) and ``data_file_base_dir``; the
runtime read the list and passed it to the dataset class as ``data``. Relative image and
label paths in the list are joined with the base directory, and both the file and the
base directory are MMAR-relative unless absolute. Labels that are not strings (class
indices, as in classification lists) are left as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmarc.runtime.executor.errors import ExecutorError
from mmarc.runtime.executor.plan import mmar_path

#: Keys of a datalist item whose string values are file paths to join with the base dir.
PATH_KEYS = ("image", "label")


def load_datalist(
    component: Mapping[str, Any], mmar_root: Path, pointer: str
) -> list[dict[str, Any]]:
    """The items of ``component``'s datalist, with image/label paths made absolute."""
    list_file = component.get("data_list_file_path")
    key = component.get("data_list_key")
    if not isinstance(list_file, str) or not list_file:
        raise ExecutorError("dataset component has no 'data_list_file_path'", pointer)
    if not isinstance(key, str) or not key:
        raise ExecutorError("dataset component has no 'data_list_key'", pointer)
    base = component.get("data_file_base_dir")
    path = mmar_path(mmar_root, list_file)
    base_dir = mmar_path(mmar_root, base) if isinstance(base, str) and base else path.parent
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExecutorError(
            f"datalist {path} does not exist (data_list_file_path {list_file!r}); "
            "did you run the example's prepare.py?",
            pointer,
        ) from None
    except (OSError, ValueError) as exc:
        raise ExecutorError(f"cannot read datalist {path}: {exc}", pointer) from None
    if not isinstance(doc, Mapping) or key not in doc:
        keys = sorted(doc) if isinstance(doc, Mapping) else []
        raise ExecutorError(
            f"datalist {path} has no key {key!r} (data_list_key); it has {keys}", pointer
        )
    items = doc[key]
    if not isinstance(items, list):
        raise ExecutorError(f"{key!r} in datalist {path} is not a list", pointer)
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if isinstance(item, str):  # Decathlon "test" lists hold bare image paths
            item = {"image": item}
        if not isinstance(item, Mapping):
            raise ExecutorError(f"item {i} of {key!r} in {path} is not an object", pointer)
        entry = dict(item)
        for k in PATH_KEYS:
            if k in entry:
                entry[k] = _join(base_dir, entry[k])
        out.append(entry)
    if not out:
        raise ExecutorError(f"{key!r} in datalist {path} is empty", pointer)
    return out


def _join(base: Path, value: Any) -> Any:
    if isinstance(value, str):
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else base / p)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [_join(base, v) for v in value]
    return value
