"""The schema stage's fast path never accepts what the pydantic models refuse.

The generated validators (mmarc/compiler/schemas/compiled) answer "valid" for a file so
that pydantic need not be imported; a wrong "valid" would hide a schema error. So, for
every file the suite knows (the examples, the real Clara/NVFlare files of
``../shared/corpus`` and ``tests/fixtures/corpus``, the mutated file of every mutation
case), for a list of the models' known subtleties (comment keys, placeholders, lax
numbers and flags, empty names, unknown nested keys, variables), and for thousands of
seeded random mutations of them: fast accepts => the model accepts, and the schema
stage reports exactly what it reports without the fast path.
"""

from __future__ import annotations

import ast
import copy
import json
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO
from mutations.runner import CASES_DIR, apply_edits, load_cases
from pydantic import ValidationError

from mmarc import api
from mmarc.compiler.kinds import FileKind, detect_kind
from mmarc.compiler.schemas import check as check_module
from mmarc.compiler.schemas.check import check_schema
from mmarc.compiler.schemas.common import allowed_keys
from mmarc.compiler.schemas.fastpath import FAST_KINDS, fast_accepts, is_plain_json, settings_of
from mmarc.compiler.schemas.registry import VARIABLE_KINDS, model_for
from mmarc.compiler.source import SourceFile, load_source, parse_text

SHARED = REPO.parent / "shared" / "corpus"
COMPILED = REPO / "mmarc" / "compiler" / "schemas" / "compiled"
SUFFIXES = (".json", ".yml", ".yaml")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def known_files() -> list[Path]:
    """Every configuration file of the examples, the fixtures and the shared corpus."""
    files = _files(REPO / "examples") + _files(REPO / "tests" / "fixtures" / "corpus")
    if SHARED.is_dir():
        files += _files(SHARED / "clara") + _files(SHARED / "realworld")
    return files


def _name(path: Path) -> str:
    return str(path.relative_to(REPO if path.is_relative_to(REPO) else REPO.parent))


def _served(name: str, source: SourceFile) -> Iterator[tuple[str, FileKind, SourceFile]]:
    kind = detect_kind(source.path, source.root)
    if source.root is not None and kind in FAST_KINDS:
        assert kind is not None
        yield name, kind, source


def known_documents() -> Iterator[tuple[str, FileKind, SourceFile]]:
    """(name, kind, source) of every known file and mutated file the fast path serves."""
    for path in known_files():
        yield from _served(_name(path), load_source(path)[0])
    for case in load_cases(CASES_DIR):
        original = case.base_path / case.file
        text = apply_edits(original.read_text(encoding="utf-8"), case.mutate, str(original))
        yield from _served(f"mutation {case.id}", parse_text(text, original)[0])


def model_accepts(kind: FileKind, data: Any) -> bool:
    try:
        model_for(kind).model_validate(data)
    except ValidationError:
        return False
    return True


def assert_sound(kind: FileKind, data: Any, what: str) -> bool:
    """Fast accepts => the model accepts; returns whether fast accepted."""
    fast = fast_accepts(kind, data)
    if fast:
        assert model_accepts(kind, data), f"{what}: the fast path accepts what {kind} refuses"
    return fast


# ---------------------------------------------------------------------------------------
# every known file
# ---------------------------------------------------------------------------------------

DOCUMENTS = list(known_documents())


def test_the_documents_cover_every_fast_kind_and_the_mutations() -> None:
    kinds = {kind for _, kind, _ in DOCUMENTS}
    assert kinds == set(FAST_KINDS), set(FAST_KINDS) - kinds
    assert sum(name.startswith("mutation ") for name, _, _ in DOCUMENTS) >= 50
    assert len(DOCUMENTS) >= 150


def test_fast_accepts_only_what_the_models_accept_on_every_known_file() -> None:
    accepted = [assert_sound(kind, source.to_plain(), name) for name, kind, source in DOCUMENTS]
    # the fast path serves the common case: most real files are valid
    assert sum(accepted) >= len(accepted) // 2, f"{sum(accepted)} of {len(accepted)}"


def test_the_examples_take_the_fast_path() -> None:
    examples = [(n, k, s) for n, k, s in DOCUMENTS if n.startswith("examples/")]
    assert examples
    refused = [n for n, k, s in examples if not fast_accepts(k, s.to_plain())]
    assert refused == []


def test_diagnostics_are_the_same_with_and_without_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_fast = [check_schema(source, kind) for _, kind, source in DOCUMENTS]
    monkeypatch.setattr(check_module, "fast_accepts", lambda kind, data: False)
    without = [check_schema(source, kind) for _, kind, source in DOCUMENTS]
    for (name, _, _), got, expected in zip(DOCUMENTS, with_fast, without, strict=True):
        assert got == expected, name


def test_settings_are_the_models_keys() -> None:
    for kind in VARIABLE_KINDS:
        assert settings_of(kind) == allowed_keys(model_for(kind))


# ---------------------------------------------------------------------------------------
# the models' subtleties, one by one
# ---------------------------------------------------------------------------------------

TRAIN = {"train": {"model": {"name": "Net", "args": {"n": 1}}}}
CASES: list[tuple[str, FileKind, Any, bool]] = [
    # (what, kind, data, whether the fast path must accept it)
    (
        "comment keys everywhere",
        FileKind.TRAIN,
        {"_c": 1, "train": {"_c": {}, "model": {"name": "N", "_args": 5}}},
        True,
    ),
    ("placeholder for a number", FileKind.TRAIN, {**TRAIN, "epochs": "{EPOCHS}"}, True),
    ("placeholder for a flag", FileKind.TRAIN, {**TRAIN, "amp": "{AMP}"}, True),
    ("placeholder with a newline", FileKind.TRAIN, {**TRAIN, "epochs": "{EPOCHS}\n"}, False),
    ("placeholder with spaces", FileKind.TRAIN, {**TRAIN, "epochs": "{ EPOCHS }"}, False),
    ("placeholder with text", FileKind.TRAIN, {**TRAIN, "epochs": "{EPOCHS}0"}, False),
    ("quoted integer", FileKind.TRAIN, {**TRAIN, "epochs": "5"}, False),
    ("float for an integer", FileKind.TRAIN, {**TRAIN, "epochs": 5.0}, False),
    ("flag for an integer", FileKind.TRAIN, {**TRAIN, "epochs": True}, False),
    ("zero epochs", FileKind.TRAIN, {**TRAIN, "epochs": 0}, False),
    ("integer learning rate", FileKind.TRAIN, {**TRAIN, "learning_rate": 1}, True),
    ("NaN learning rate", FileKind.TRAIN, {**TRAIN, "learning_rate": float("nan")}, False),
    ("infinite learning rate", FileKind.TRAIN, {**TRAIN, "learning_rate": float("inf")}, False),
    ("huge integer learning rate", FileKind.TRAIN, {**TRAIN, "learning_rate": 10**400}, False),
    ("integer for a flag", FileKind.TRAIN, {**TRAIN, "amp": 1}, False),
    ("quoted flag", FileKind.TRAIN, {**TRAIN, "amp": "true"}, False),
    ("empty class name", FileKind.TRAIN, {"train": {"model": {"name": ""}}}, False),
    ("empty ref", FileKind.TRAIN, {"train": {"model": {"ref": ""}}}, False),
    ("component without a class", FileKind.TRAIN, {"train": {"model": {"args": {}}}}, False),
    (
        "ref and name together",
        FileKind.TRAIN,
        {"train": {"model": {"ref": "A", "name": "B"}}},
        False,
    ),
    (
        "unknown key in a component",
        FileKind.TRAIN,
        {"train": {"model": {"name": "N", "arg": {}}}},
        False,
    ),
    (
        "unknown key in a list item",
        FileKind.TRAIN,
        {"train": {"handlers": [{"name": "N"}, {"name": "M", "disable": True}]}},
        False,
    ),
    ("unknown slot", FileKind.TRAIN, {"train": {"modell": {"name": "N"}}}, False),
    (
        "disabled by placeholder",
        FileKind.TRAIN,
        {"train": {"model": {"name": "N", "disabled": "{OFF}"}}},
        True,
    ),
    ("negative rank", FileKind.TRAIN, {"train": {"model": {"name": "N", "rank": -1}}}, False),
    (
        "scalar variables",
        FileKind.TRAIN,
        {**TRAIN, "lr": 0.1, "s": "x", "n": None, "b": True},
        True,
    ),
    ("list variable", FileKind.TRAIN, {**TRAIN, "sizes": [1, "a", None, 2.5]}, True),
    ("flat object variable", FileKind.TRAIN, {**TRAIN, "v": {"a": 1, "b": [1, 2], "_c": {}}}, True),
    ("nested object variable", FileKind.TRAIN, {**TRAIN, "v": {"a": {"b": 1}}}, False),
    ("nested list variable", FileKind.TRAIN, {**TRAIN, "v": [[1]]}, False),
    ("flat component as a variable", FileKind.TRAIN, {**TRAIN, "loss": {"name": "L"}}, True),
    (
        "component as a variable",
        FileKind.TRAIN,
        {**TRAIN, "loss": {"name": "L", "args": {"a": 1}}},
        False,
    ),
    ("train section missing", FileKind.TRAIN, {"epochs": 1}, False),
    ("non-string key", FileKind.TRAIN, {**TRAIN, 1: 2}, False),
    (
        "integer seed as float",
        FileKind.TRAIN,
        {**TRAIN, "determinism": {"random_seed": 1.0}},
        False,
    ),
    ("loader without a path", FileKind.VALIDATION, {"model": [{"disabled": False}]}, False),
    (
        "loader and component",
        FileKind.VALIDATION,
        {"model": [{"ts_path": "m.ts"}, {"name": "N"}]},
        True,
    ),
    (
        "loader with a class name",
        FileKind.VALIDATION,
        {"model": {"ts_path": "m", "name": "N"}},
        False,
    ),
    ("environment nested value", FileKind.ENVIRONMENT, {"A": {"b": 1}}, False),
    ("environment null", FileKind.ENVIRONMENT, {"A": None}, False),
    ("environment comment object", FileKind.ENVIRONMENT, {"_A": {"b": 1}, "B": 1.5}, True),
    (
        "datalist label flag",
        FileKind.DATALIST,
        {"training": [{"image": "a", "label": True}]},
        False,
    ),
    (
        "datalist label list",
        FileKind.DATALIST,
        {"training": [{"image": "a", "label": [1, "b"]}]},
        True,
    ),
    ("datalist comment labels", FileKind.DATALIST, {"labels": {"0": "bg", "_1": 5}}, True),
    ("datalist empty image list", FileKind.DATALIST, {"training": [{"image": []}]}, True),
    (
        "format_version as float",
        FileKind.FED_SERVER,
        {"format_version": 1.0, "servers": [{"name": "s"}]},
        False,
    ),
    (
        "format_version as flag",
        FileKind.FED_SERVER,
        {"format_version": True, "servers": [{"name": "s"}]},
        False,
    ),
    ("format_version 2", FileKind.FED_SERVER, {"format_version": 2, "servers": [{}]}, False),
    ("no servers", FileKind.FED_SERVER, {"format_version": 1, "servers": []}, False),
    (
        "earlier form with a v1 key",
        FileKind.FED_SERVER,
        {"servers": [{"name": "s"}], "outbound_filters": []},
        True,
    ),
    (
        "infinite timeout",
        FileKind.FED_SERVER,
        {"format_version": 1, "servers": [{"heart_beat_timeout": float("inf")}]},
        False,
    ),
    (
        "zero timeout",
        FileKind.FED_SERVER,
        {"format_version": 1, "servers": [{"heart_beat_timeout": 0}]},
        False,
    ),
    (
        "empty earlier validator",
        FileKind.FED_CLIENT,
        {"servers": [{"name": "s"}], "client": {"model_validator": {"_c": 1}}},
        True,
    ),
    (
        "api_version as float",
        FileKind.PROJECT,
        {"api_version": 3.0, "name": "p", "participants": []},
        False,
    ),
    (
        "port out of range",
        FileKind.PROJECT,
        {
            "api_version": 3,
            "name": "p",
            "participants": [{"name": "s", "type": "server", "org": "o", "fed_learn_port": 65536}],
        },
        False,
    ),
    (
        "unknown role",
        FileKind.PROJECT,
        {
            "api_version": 3,
            "name": "p",
            "participants": [{"name": "a", "type": "admin", "org": "o", "role": "boss"}],
        },
        False,
    ),
    (
        "clara 4.0 project with participants",
        FileKind.PROJECT,
        {"name": "p", "server": {"org": "o", "cn": "s"}, "participants": []},
        False,
    ),
    (
        "misspelt right",
        FileKind.AUTHZ,
        {"groups": {"g": {"role_rights": {"admin": {"upload_mmar": True, "train_al": True}}}}},
        False,
    ),
    ("comment role", FileKind.AUTHZ, {"roles": {"_x": {"y": 1}, "admin": "a"}}, True),
]


@pytest.mark.parametrize(("what", "kind", "data", "fast"), CASES, ids=[c[0] for c in CASES])
def test_a_subtlety_of_the_models(what: str, kind: FileKind, data: Any, fast: bool) -> None:
    assert assert_sound(kind, data, what) is fast
    if fast:
        assert model_accepts(kind, data)


def test_only_plain_json_reaches_the_validators() -> None:
    assert is_plain_json({"a": [1, 2.5, "x", None, True, {"b": -(2**63) + 1}]})
    for bad in (float("nan"), float("-inf"), 2**64, (1,), {1: 2}, b"x", {"a": {2.0}}):
        assert not is_plain_json({"a": [bad]})


# ---------------------------------------------------------------------------------------
# seeded random mutations of the known files
# ---------------------------------------------------------------------------------------

#: Values a mutation puts somewhere (JSON, so Python's NaN and Infinity parse too).
TRICKY: list[Any] = json.loads(
    '[0, 1, -1, 2, 3, 1.0, 2.5, -0.5, true, false, null, "", "x", "1", "true", "{VAR}", '
    '"{VAR}\\n", "{ VAR }", "{1X}", [], [1], ["a"], [null], [[1]], {}, {"name": "X"}, '
    '{"ref": "X"}, {"path": "a.B", "args": {}}, {"a": 1}, {"a": {"b": 1}}, {"_c": {"d": []}}, '
    '65535, 65536, 1e30, 1000000000000000000000000000000, NaN, Infinity, {"ts_path": "m"}, '
    '[{"name": "X"}], "CKKS", "server", "admin"]'
)
#: Keys a mutation adds to an object.
NEW_KEYS: list[str] = json.loads(
    '["name", "path", "ref", "args", "_c", "disabled", "format_version", "api_version", '
    '"participants", "epochs", "x", "$schema", "train", "validate", "image", "label", '
    '"servers", "rank", "is_key_metric", "data_list_key", "ts_path", "role"]'
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def _mutant(data: Any, rng: random.Random) -> Any:
    out = copy.deepcopy(data)
    path = rng.choice(list(_paths(out)))
    if not path:
        return out
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    action = rng.randrange(4)
    if action == 0:
        parent[last] = copy.deepcopy(rng.choice(TRICKY))
    elif action == 1 and isinstance(parent, dict):
        del parent[last]
    elif action == 2 and isinstance(parent[last], dict):
        parent[last][rng.choice(NEW_KEYS)] = copy.deepcopy(rng.choice(TRICKY))
    elif isinstance(parent[last], list) and parent[last]:
        parent[last] = parent[last][0]
    else:
        parent[last] = [parent[last]]
    return out


def test_random_mutations_of_the_known_files() -> None:
    rng = random.Random(20261202)
    accepted = total = 0
    for name, kind, source in DOCUMENTS:
        data = source.to_plain()
        for i in range(12):
            mutant = _mutant(data, rng)
            total += 1
            accepted += assert_sound(kind, mutant, f"{name} mutant {i}: {json.dumps(mutant)[:300]}")
    # not vacuous: many mutants stay valid (a changed argument, a dropped optional key)
    assert accepted >= total // 5, f"{accepted} of {total}"


# ---------------------------------------------------------------------------------------
# no pydantic when nothing is wrong
# ---------------------------------------------------------------------------------------


def test_validating_a_valid_mmar_imports_no_pydantic() -> None:
    code = textwrap.dedent(
        """
        import sys
        from mmarc import api
        for mmar in ("examples/digits_cnn", "examples/digits_fl"):
            result = api.validate(mmar)
            assert not result.diagnostics.has_errors(), mmar
            loaded = sorted(m for m in ("pydantic", "pydantic_core") if m in sys.modules)
            print(mmar, loaded)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert "examples/digits_cnn []" in out, out


def test_the_validators_import_nothing_but_re() -> None:
    modules = sorted(COMPILED.glob("[!_]*.py"))
    assert {p.stem for p in modules} == {kind.value for kind in FAST_KINDS}
    for path in modules:
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        assert imported == {"re"}, (path.name, imported)


def test_the_schema_command_writes_the_validators_too(tmp_path: Path) -> None:
    written = api.write_schemas(tmp_path / "schemas", validators=tmp_path / "compiled")
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert "schemas/config_train.schema.json" in names
    assert {f"compiled/{kind.value}.py" for kind in FAST_KINDS} <= names
