"""Property: whatever a user writes, validate answers with located diagnostics, never a crash.

Thousands of configs are mutated from the real corpus, at the text level (syntax) and at
the tree level (valid JSON with wrong keys, types, references and variables), written into
an MMAR folder and validated through the library API the CLI uses.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmarc import api

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
TRAIN = (CORPUS / "mmar-4.1" / "config_train_Unet.json").read_text()
VALIDATION = (CORPUS / "mmar-4.1" / "config_validation.json").read_text()
ENVIRONMENT = (CORPUS / "mmar-4.1" / "environment.json").read_text()
FED_SERVER = (CORPUS / "fl" / "clara40_config_fed_server.json").read_text()
PROJECT = (CORPUS / "provision" / "clara40_project1.yml").read_text()

FRAGMENTS = [
    '"',
    ",",
    "{",
    "}",
    "[",
    "]",
    ":",
    "ture",
    "@",
    "#",
    "{VAR}",
    "@model",
    "\\",
    "\n",
    " ",
    "null",
    "1e",
    "-",
    "'",
    "//",
    "\t",
    "\ufeff",
    "é",
    "\x00",
]


def _folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mmarc-fuzz-"))
    try:
        (folder / "config").mkdir()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check(folder: Path) -> None:
    result = api.validate(folder, cwd=folder)
    for d in result.diagnostics:
        assert d.file, d
        if d.file != "<command line>":
            assert d.line is not None and d.line >= 1, d
            assert d.column is not None and d.column >= 1, d
    json.dumps([d.as_contract() for d in result.diagnostics])


@st.composite
def text_mutations(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(FRAGMENTS) | st.text(max_size=3))
        if op == "insert":
            text = text[:at] + piece + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10**6)
    | st.floats(allow_nan=False)
    | st.sampled_from(
        [
            "@model",
            "@nope",
            "#@model.parameters(",
            "{learning_rate}",
            "{UNDEF}",
            "lambda x: x[0]['loss']",
            "lambda x:",
            "x",
            "",
            "{",
            "#",
            "@conf",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "path", "args", "ref", "disabled", "keys", "x", "_c"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


@st.composite
def tree_mutations(draw: st.DrawFn, text: str) -> str:
    data = json.loads(text)
    for _ in range(draw(st.integers(1, 5))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        op = draw(st.sampled_from(["set", "delete", "rename"]))
        if op == "set":
            parent[path[-1]] = draw(JSON_VALUES)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            new = draw(st.sampled_from(["epoch", "nme", "arg", "_note", "ref", "name", "$schema"]))
            parent[new] = parent.pop(path[-1])
    return json.dumps(data, indent=draw(st.sampled_from([None, 2])))


FUZZ = settings(
    max_examples=700, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ
@given(train=text_mutations(TRAIN), env=st.sampled_from([ENVIRONMENT, "{", ""]))
def test_text_mutations_never_crash(train: str, env: str) -> None:
    for folder in _folder():
        (folder / "config" / "config_train.json").write_text(train, encoding="utf-8")
        (folder / "config" / "environment.json").write_text(env, encoding="utf-8")
        _check(folder)


@pytest.mark.slow
@FUZZ
@given(train=tree_mutations(TRAIN), validation=tree_mutations(VALIDATION))
def test_tree_mutations_never_crash(train: str, validation: str) -> None:
    for folder in _folder():
        (folder / "config" / "config_train.json").write_text(train, encoding="utf-8")
        (folder / "config" / "config_validation.json").write_text(validation, encoding="utf-8")
        (folder / "config" / "environment.json").write_text(ENVIRONMENT, encoding="utf-8")
        _check(folder)


@FUZZ
@given(server=tree_mutations(FED_SERVER), project=text_mutations(PROJECT))
def test_federation_and_provisioning_mutations_never_crash(server: str, project: str) -> None:
    for folder in _folder():
        (folder / "config" / "config_fed_server.json").write_text(server, encoding="utf-8")
        (folder / "project.yml").write_text(project, encoding="utf-8")
        _check(folder)
