"""Substitution: typed and text ``{VAR}``, precedence, located X001/X002/X003, usage."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import MappingNode, Node, SourceFile, load_source, parse_text
from mmarc.compiler.substitute import (
    COMMAND_LINE,
    Origin,
    Variables,
    collect_variables,
    is_path_variable,
    mmar_path,
    parse_set_overrides,
    substitute,
)
from mmarc.diagnostics import Diagnostic, Severity

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"


def parse(text: str, name: str = "config_train.json") -> SourceFile:
    source, diagnostics = parse_text(text, Path(name))
    assert not diagnostics
    return source


def run(
    text: str,
    env: str | None = None,
    sets: dict[str, object] | None = None,
) -> tuple[object, list[Diagnostic], Variables]:
    source = parse(text)
    environment = parse(env, "environment.json") if env is not None else None
    variables = collect_variables([(source, FileKind.TRAIN)], environment, sets or {})
    tree, diagnostics = substitute(source, variables)
    return tree.to_plain(), variables.diagnostics + diagnostics, variables


def located(diagnostics: list[Diagnostic]) -> list[tuple[str, int | None, int | None]]:
    return [(d.code, d.line, d.column) for d in diagnostics]


# -- the corpus ------------------------------------------------------------------------------


def load41() -> tuple[SourceFile, SourceFile, SourceFile]:
    loaded = []
    for name in ("config_train_Unet.json", "config_validation.json", "environment.json"):
        source, diagnostics = load_source(CORPUS / "mmar-4.1" / name)
        assert not diagnostics
        loaded.append(source)
    return loaded[0], loaded[1], loaded[2]


def test_corpus_41_substitutes_without_errors() -> None:
    train, validation, env = load41()
    variables = collect_variables(
        [(train, FileKind.TRAIN), (validation, FileKind.VALIDATION)], env, {}
    )
    assert variables.diagnostics == []
    train_tree, train_diags = substitute(train, variables)
    validation_tree, validation_diags = substitute(validation, variables)
    assert train_diags == [] and validation_diags == []

    plain = train_tree.to_plain()
    loader = plain["train"]["handlers"][0]
    assert loader["disabled"] is True  # "{dont_load_ckpt_model}" is typed
    assert loader["args"]["load_path"] == "models/model.pt"
    assert plain["train"]["optimizer"]["args"]["lr"] == 2e-4
    assert plain["train"]["trainer"]["args"]["max_epochs"] == 2
    assert plain["train"]["trainer"]["args"]["amp"] is True
    assert plain["train"]["dataset"]["data_list_file_path"].endswith("dataset.json")
    assert plain["train"]["optimizer"]["args"]["params"] == "#@model.parameters()"

    models = validation_tree.to_plain()["model"]
    assert models[0] == {"ts_path": "models/model.ts", "disabled": False}

    for name in ("dont_load_ckpt_model", "learning_rate", "MMAR_CKPT", "dont_load_ts_model"):
        assert name in variables.used
    assert "PROCESSING_TASK" not in variables.used  # defined, never referenced
    assert "dont_load_ts_model" in variables.used_by_file[validation.display]
    assert "dont_load_ts_model" not in variables.used_by_file[train.display]


def test_substituted_tree_keeps_offsets_and_the_original_is_untouched() -> None:
    train, _, env = load41()
    variables = collect_variables([train], env, {})
    tree, _ = substitute(train, variables)
    original = train.root
    assert isinstance(tree, MappingNode) and isinstance(original, MappingNode)
    assert tree is not original

    def pairs(a: Node, b: Node) -> list[tuple[int, int, int, int]]:
        out = [(a.start, a.end, b.start, b.end)]
        if isinstance(a, MappingNode) and isinstance(b, MappingNode):
            for key, entry in a.entries.items():
                other = b.entries[key]
                assert (entry.key_start, entry.key_end) == (other.key_start, other.key_end)
                out.extend(pairs(entry.value, other.value))
        return out

    assert all(s1 == s2 and e1 == e2 for s1, e1, s2, e2 in pairs(tree, original))
    handler = train.node_at(("train", "handlers", 0, "disabled"))
    assert handler is not None and handler.to_plain() == "{dont_load_ckpt_model}"


# -- typed and text substitution ---------------------------------------------------------------


def test_whole_string_takes_the_typed_value() -> None:
    plain, diagnostics, _ = run(
        '{"flag": true, "n": 3, "x": 0.5, "sizes": [96, 96], '
        '"train": {"a": "{flag}", "b": "{n}", "c": "{x}", "d": "{sizes}"}}'
    )
    assert diagnostics == []
    assert plain["train"] == {"a": True, "b": 3, "c": 0.5, "d": [96, 96]}  # type: ignore[index]


def test_variable_inside_a_longer_string_is_text() -> None:
    plain, diagnostics, _ = run(
        '{"train": {"p": "{MMAR_CKPT_DIR}/best_{n}.pt"}, "n": 3}',
        env='{"MMAR_CKPT_DIR": "models"}',
    )
    assert diagnostics == []
    assert plain["train"]["p"] == "models/best_3.pt"  # type: ignore[index]


def test_keys_are_not_substituted() -> None:
    plain, diagnostics, _ = run('{"n": 1, "train": {"{n}": "{n}"}}')
    assert diagnostics == []
    assert plain["train"] == {"{n}": 1}  # type: ignore[index]


@pytest.mark.parametrize(
    "value",
    ["{}", '{\\"a\\": 1}', "{ not a variable }", "a{1}b", "{-x}", "#lambda x: {'k': x}"],
)
def test_other_braces_are_left_alone(value: str) -> None:
    plain, diagnostics, _ = run('{"train": {"s": "' + value + '"}}')
    assert diagnostics == []
    assert plain["train"]["s"] == value.replace('\\"', '"')  # type: ignore[index]


# -- precedence --------------------------------------------------------------------------------


def test_precedence_config_then_environment_then_set() -> None:
    text = (
        '{"epochs": 2, "amp": true, "lr": 0.1, '
        '"train": {"e": "{epochs}", "a": "{amp}", "l": "{lr}"}}'
    )
    env = '{"epochs": 3, "amp": true}'
    sets, set_diags = parse_set_overrides(["epochs=5"])
    assert set_diags == []
    plain, diagnostics, variables = run(text, env, sets)
    assert diagnostics == []
    assert plain["train"] == {"e": 5, "a": True, "l": 0.1}  # type: ignore[index]
    assert variables.lookup("epochs") is not None
    assert variables.lookup("epochs").origin is Origin.COMMAND_LINE  # type: ignore[union-attr]
    plain, _, _ = run(text, env, {})
    assert plain["train"]["e"] == 3  # type: ignore[index]


def test_definitions_remember_where_they_are_written() -> None:
    _, _, variables = run('{\n  "epochs": 2\n}', env='{\n\n  "DATA_ROOT": "/data"\n}')
    [epochs] = [d for d in variables.definitions() if d.name == "epochs"]
    assert (epochs.origin, epochs.parts, epochs.describe()) == (
        Origin.CONFIG,
        ("epochs",),
        "config_train.json line 2",
    )
    assert variables.environment["DATA_ROOT"].describe() == "environment.json line 3"


def test_config_settings_are_scoped_to_their_own_file() -> None:
    train = parse('{"train": {"x": "{dont_load_ts_model}"}}')
    validation = parse('{"dont_load_ts_model": false}', "config_validation.json")
    variables = collect_variables(
        [(train, FileKind.TRAIN), (validation, FileKind.VALIDATION)], None, {}
    )
    _, diagnostics = substitute(train, variables)
    assert located(diagnostics) == [("X001", 1, 18)]


def test_set_overrides_parse_json_values() -> None:
    values, diagnostics = parse_set_overrides(
        ["epochs=5", "amp=false", "lr=1e-4", "sizes=[1,2]", "name=unet", "path=/a=b", 'q="5"']
    )
    assert diagnostics == []
    assert values == {
        "epochs": 5,
        "amp": False,
        "lr": 1e-4,
        "sizes": [1, 2],
        "name": "unet",
        "path": "/a=b",
        "q": "5",
    }


@pytest.mark.parametrize("item", ["epochs", "=5", "not-a-name=1", "a b=1"])
def test_malformed_set_is_x003_on_the_command_line(item: str) -> None:
    values, diagnostics = parse_set_overrides([item])
    assert values == {}
    [d] = diagnostics
    assert (d.code, d.severity, d.file, d.line, d.column) == (
        "X003",
        Severity.ERROR,
        COMMAND_LINE,
        None,
        None,
    )
    assert d.hint


def test_repeated_set_warns_and_the_last_wins() -> None:
    values, diagnostics = parse_set_overrides(["epochs=5", "epochs=6"])
    assert values == {"epochs": 6}
    assert [(d.code, d.severity) for d in diagnostics] == [("X003", Severity.WARNING)]


# -- undefined and malformed -------------------------------------------------------------------


def test_undefined_whole_variable_is_x001_at_the_braces_with_did_you_mean() -> None:
    _, diagnostics, _ = run(
        '{\n  "learning_rate": 0.1,\n  "train": {\n    "lr": "{learnig_rate}"\n  }\n}'
    )
    [d] = diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("X001", 4, 12, 26)
    assert d.pointer == "/train/lr"
    assert d.hint is not None and "did you mean {learning_rate}" in d.hint


def test_undefined_variable_inside_a_string_is_located_exactly() -> None:
    _, diagnostics, _ = run(
        '{"train": {\n  "p": "{MMAR_CKPT_DIR}/{MODEL_FILE}"\n}}',
        env='{"MMAR_CKPT_DIR": "models"}',
    )
    [d] = diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("X001", 2, 25, 37)


def test_location_accounts_for_escapes_before_the_variable() -> None:
    _, diagnostics, _ = run('{"train": {"p": "a\\tb\\u00e9{NOPE}"}}')
    [d] = diagnostics
    # "p": "a\tb\u00e9{NOPE}" -> the brace is after 2 + 1 + 6 raw characters
    assert (d.code, d.line, d.column) == ("X001", 1, 28)


def test_case_mistake_suggests_the_defined_name() -> None:
    _, diagnostics, _ = run('{"train": {"d": "{data_root}"}}', env='{"DATA_ROOT": "/d"}')
    [d] = diagnostics
    assert d.hint is not None and "{DATA_ROOT}" in d.hint


def test_undefined_variable_inside_code_is_only_a_warning() -> None:
    _, diagnostics, _ = run('{"train": {"f": "#lambda x: {x}"}}')
    [d] = diagnostics
    assert (d.code, d.severity) == ("X001", Severity.WARNING)


@pytest.mark.parametrize(
    ("value", "column", "severity"),
    [
        ("{ epochs }", 31, Severity.ERROR),
        ("{epochs/x", 31, Severity.ERROR),
        ("x/epochs}", 33, Severity.ERROR),
        ("${epochs}", 31, Severity.WARNING),
        ("{{epochs}}", 31, Severity.WARNING),
    ],
)
def test_near_misses_are_x002(value: str, column: int, severity: Severity) -> None:
    _, diagnostics, _ = run('{"epochs": 1, "train": {"s": "' + value + '"}}')
    [d] = diagnostics
    assert (d.code, d.line, d.column, d.severity) == ("X002", 1, column, severity)
    assert d.hint == "write {epochs}"


# -- environment -------------------------------------------------------------------------------


def test_environment_values_may_use_other_environment_variables() -> None:
    plain, diagnostics, variables = run(
        '{"train": {"j": "{DATASET_JSON}"}}',
        env='{"DATA_ROOT": "/data", "DATASET_JSON": "{DATA_ROOT}/dataset.json"}',
    )
    assert diagnostics == []
    assert plain["train"]["j"] == "/data/dataset.json"  # type: ignore[index]
    assert "DATA_ROOT" in variables.used


def test_set_overrides_reach_environment_values() -> None:
    plain, _, _ = run(
        '{"train": {"j": "{DATASET_JSON}"}}',
        env='{"DATA_ROOT": "/data", "DATASET_JSON": "{DATA_ROOT}/dataset.json"}',
        sets={"DATA_ROOT": "/other"},
    )
    assert plain["train"]["j"] == "/other/dataset.json"  # type: ignore[index]


def test_environment_cycle_is_x002_in_environment_json() -> None:
    _, diagnostics, _ = run(
        '{"train": {}}',
        env='{\n  "A": "{B}/x",\n  "B": "{A}/y"\n}',
    )
    [d] = diagnostics
    assert (d.code, d.file, d.line, d.column) == ("X002", "environment.json", 3, 9)
    assert "{A} -> {B} -> {A}" in d.message


def test_undefined_variable_in_environment_is_x001_there() -> None:
    _, diagnostics, _ = run('{"train": {}}', env='{\n  "A": "{NOPE}/x"\n}')
    assert [(d.code, d.file, d.line, d.column) for d in diagnostics] == [
        ("X001", "environment.json", 2, 9)
    ]


# -- paths -------------------------------------------------------------------------------------


def test_mmar_paths_resolve_against_the_mmar_root() -> None:
    root = Path("/mmars/spleen")
    assert mmar_path("models/model.pt", root) == root / "models" / "model.pt"
    assert mmar_path("/data/dataset.json", root) == Path("/data/dataset.json")


@pytest.mark.parametrize(
    ("name", "is_path"),
    [
        ("MMAR_CKPT", True),
        ("MMAR_TORCHSCRIPT", True),
        ("DATASET_JSON", True),
        ("PRETRAIN_WEIGHTS_FILE", True),
        ("LOG_DIR", True),
        ("PROCESSING_TASK", False),
        ("epochs", False),
    ],
)
def test_path_variables(name: str, is_path: bool) -> None:
    assert is_path_variable(name) is is_path
