"""References: the corpus resolves; R001-R005 located exactly; expressions parse safely."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mmarc.compiler.expressions import (
    ExpressionError,
    ParsedExpression,
    expression_in,
    parse_expression,
    placeholder,
    references_in,
)
from mmarc.compiler.kinds import FileKind, detect_kind
from mmarc.compiler.references import build_symbol_table, check_references
from mmarc.compiler.source import Node, SourceFile, load_source, parse_text
from mmarc.compiler.substitute import collect_variables, substitute
from mmarc.diagnostics import Diagnostic, Severity

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"


def parse(text: str, name: str = "config_train.json") -> SourceFile:
    source, diagnostics = parse_text(text, Path(name))
    assert not diagnostics
    return source


def check(text: str, kind: FileKind = FileKind.TRAIN) -> list[Diagnostic]:
    source = parse(text)
    assert source.root is not None
    return check_references(source, kind, source.root)


def located(diagnostics: list[Diagnostic]) -> list[tuple[str, int | None, int | None]]:
    return [(d.code, d.line, d.column) for d in diagnostics]


def substituted_corpus(relative: str) -> tuple[SourceFile, FileKind, Node]:
    path = CORPUS / relative
    source, diagnostics = load_source(path, relative)
    assert not diagnostics
    kind = detect_kind(path, source.root)
    assert kind is not None
    env_path = path.parent / "environment.json"
    if not env_path.exists():  # the 4.0 and FL examples come without one; 4.1's fits them
        env_path = CORPUS / "mmar-4.1" / "environment.json"
    env = load_source(env_path)[0]
    variables = collect_variables([(source, kind)], env, {})
    tree, substitution = substitute(source, variables)
    assert substitution == []
    return source, kind, tree


# -- the corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    [
        "mmar-4.1/config_train_Unet.json",
        "mmar-4.1/config_validation.json",
        "mmar-4.0/config_train_Unet.json",
        "mmar-3x/trn_base.json",
        "fl/clara40_config_fed_server.json",
        "fl/clara40_config_fed_client.json",
    ],
)
def test_corpus_references_all_resolve(relative: str) -> None:
    source, kind, tree = substituted_corpus(relative)
    assert check_references(source, kind, tree) == []


def test_symbol_table_follows_clara_lookup_rules() -> None:
    _, kind, tree = substituted_corpus("mmar-4.1/config_train_Unet.json")
    table = build_symbol_table(kind, tree)
    assert table.resolve("model", "validate") == ("train", "model")  # other section
    assert table.resolve("evaluator", "train") == ("validate", "evaluator")
    assert table.resolve("pre_transforms", "validate") == ("validate", "pre_transforms")
    assert table.resolve("conf", "validate") == ()
    assert table.resolve("nothing", "train") is None
    assert table.resolve_ref("LoadImaged", "validate") == ("train", "pre_transforms", 0)
    assert table.resolve_ref("Activationsd", "validate") == ("train", "post_transforms", 0)


def test_aliases_resolve_for_ref_and_at() -> None:
    _, kind, tree = substituted_corpus("mmar-3x/trn_base.json")
    table = build_symbol_table(kind, tree)
    assert table.resolve_ref("ScaleLb", "validate") == ("train", "pre_transforms", 3)
    assert table.resolve("ScaleImg", "train") == ("train", "pre_transforms", 2)


def test_forward_references_are_fine() -> None:
    # Clara builds lazily: the trainer may name components written after it
    assert (
        check(
            '{"train": {"trainer": {"name": "T", "args": {"l": "@loss", "o": "@optimizer"}},'
            ' "optimizer": {"name": "Adam", "args": {"params": "#@model.parameters()"}},'
            ' "loss": {"name": "DiceLoss"}, "model": {"name": "UNet"}}}'
        )
        == []
    )


# -- R001 ------------------------------------------------------------------------------------


def test_undefined_at_reference_is_r001_with_did_you_mean() -> None:
    diagnostics = check(
        '{"train": {\n  "model": {"name": "UNet"},\n  "trainer": {"name": "T", "args": '
        '{"network": "@modle"}}\n}}'
    )
    [d] = diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("R001", 3, 48, 56)
    assert d.pointer == "/train/trainer/args/network"
    assert '"@modle"' in d.message
    assert d.hint == "did you mean @model?"


def test_undefined_reference_inside_an_expression_is_located_at_the_name() -> None:
    diagnostics = check(
        '{"train": {"model": {"name": "UNet"},\n'
        ' "optimizer": {"name": "Adam", "args": {"params": "#@modl.parameters()"}}}}'
    )
    [d] = diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("R001", 2, 53, 58)


def test_references_in_validation_configs_stay_in_the_file() -> None:
    diagnostics = check(
        '{"model": [{"ckpt_path": "m.pt"}], "evaluator": {"name": "E", "args": '
        '{"network": "@model", "h": "@handlers", "c": "@conf"}}}',
        FileKind.VALIDATION,
    )
    assert located(diagnostics) == [("R001", 1, 98)]


# -- R002 ------------------------------------------------------------------------------------


def test_two_component_cycle_is_r002_at_the_closing_reference() -> None:
    diagnostics = check(
        '{"train": {\n'
        '  "optimizer": {"name": "Adam", "args": {"s": "@lr_scheduler"}},\n'
        '  "lr_scheduler": {"name": "StepLR", "args": {"optimizer": "@optimizer"}}\n'
        "}}"
    )
    [d] = diagnostics
    assert (d.code, d.line, d.column) == ("R002", 3, 60)
    assert d.message == "circular reference: @optimizer -> @lr_scheduler -> @optimizer"


def test_self_reference_is_a_cycle() -> None:
    [d] = check('{"train": {"model": {"name": "UNet", "args": {"m": "#@model.x"}}}}')
    assert (d.code, d.line, d.column) == ("R002", 1, 54)
    assert d.message == "circular reference: @model -> @model"


def test_long_cycle_across_sections_through_a_list_slot() -> None:
    diagnostics = check(
        '{"train": {\n'
        '  "trainer": {"name": "T", "args": {"h": "@handlers"}},\n'
        '  "handlers": [{"name": "StatsHandler"}, {"name": "V", "args": {"v": "@evaluator"}}]\n'
        " },\n"
        ' "validate": {\n'
        '  "evaluator": {"name": "E", "args": {"t": "@trainer"}}\n'
        "}}"
    )
    [d] = diagnostics
    # found depth-first from the first slot, closed where @trainer is written
    assert d.message == "circular reference: @trainer -> @handlers -> @evaluator -> @trainer"
    assert (d.line, d.column) == (6, 44)


def test_cycle_through_ref() -> None:
    diagnostics = check(
        '{"train": {"a": {"name": "X#first", "args": {"b": "@b"}},\n'
        ' "b": {"name": "Y", "args": {"again": {"ref": "first"}}}}}'
    )
    [d] = diagnostics
    assert d.code == "R002"
    assert d.message == "circular reference: ref first -> @b -> ref first"
    assert (d.line, d.column) == (2, 47)


def test_conf_does_not_make_cycles() -> None:
    assert (
        check(
            '{"train": {"trainer": {"name": "T", "args": {"h": "@handlers"}},'
            ' "handlers": [{"name": "CheckpointSaver", "args": {"d": {"c": "@conf"}}}]}}'
        )
        == []
    )


# -- R003 ------------------------------------------------------------------------------------


def test_expression_syntax_error_is_r003_inside_the_string() -> None:
    [d] = check('{"train": {"h": {"name": "H", "args": {"f": "#@model.parameters("}}}}')
    assert (d.code, d.line, d.column) == ("R003", 1, 64)
    assert "never closed" in d.message


def test_lambda_string_syntax_error_is_r003() -> None:
    [d] = check('{"train": {"h": {"name": "H", "args": {"f": "lambda x: x[0][\'loss\'"}}}}')
    assert (d.code, d.line, d.column) == ("R003", 1, 60)


def test_lambda_strings_parse() -> None:
    assert check('{"train": {"h": {"name": "H", "args": {"f": "lambda x: x[0][\'loss\']"}}}}') == []


def test_expression_without_hash_is_r003_with_the_fix() -> None:
    [d] = check(
        '{"train": {"model": {"name": "U"}, "o": {"name": "A", "args": '
        '{"p": "@model.parameters()"}}}}'
    )
    assert (d.code, d.line, d.column) == ("R003", 1, 69)
    assert d.hint == 'write "#@model.parameters()"'


# -- R004, R005 ------------------------------------------------------------------------------


def test_duplicate_alias_is_r004_at_the_second_alias() -> None:
    diagnostics = check(
        '{"train": {"pre_transforms": [\n'
        '  {"name": "ScaleIntensityd#scale"},\n'
        '  {"name": "NormalizeIntensityd#scale"}\n'
        "]}}"
    )
    [d] = diagnostics
    assert (d.code, d.severity, d.line, d.column, d.end_column) == (
        "R004",
        Severity.ERROR,
        3,
        33,
        38,
    )
    assert "line 2" in d.message


def test_same_alias_in_both_sections_is_fine() -> None:
    assert check('{"train": {"t": [{"name": "A#x"}]}, "validate": {"t": [{"name": "B#x"}]}}') == []


def test_undefined_ref_target_is_r005_with_did_you_mean() -> None:
    diagnostics = check(
        '{"train": {"pre_transforms": [{"name": "LoadImaged"}]},\n'
        ' "validate": {"pre_transforms": [{"ref": "LoadImage"}]}}'
    )
    [d] = diagnostics
    assert (d.code, d.line, d.column) == ("R005", 2, 42)
    assert 'ref "LoadImage"' in d.message
    assert d.hint == 'did you mean "LoadImaged"?'


def test_ambiguous_ref_warns() -> None:
    diagnostics = check(
        '{"train": {"p": [{"name": "Spacingd"}, {"name": "Spacingd"}]},'
        ' "validate": {"p": [{"ref": "Spacingd"}]}}'
    )
    assert [(d.code, d.severity) for d in diagnostics] == [("R004", Severity.WARNING)]


# -- expressions -----------------------------------------------------------------------------


def test_expression_in_recognises_hash_and_lambda() -> None:
    site = expression_in("#@model.parameters()")
    assert site is not None and (site.text, site.offset, site.references) == (
        "@model.parameters()",
        1,
        True,
    )
    lam = expression_in("lambda x: x['loss']")
    assert lam is not None and (lam.offset, lam.references) == (0, False)
    assert expression_in("lambdas are nice") is None
    assert expression_in("@model") is None


def test_references_in_skips_string_literals() -> None:
    text = "f(@a, '@not', \"@no\", r'x\\'@still_no', @b.c)"
    assert references_in(text) == [("a", 2), ("b", 38)]


def test_parse_expression_replaces_references_with_placeholders() -> None:
    parsed = parse_expression("@model.parameters()")
    assert isinstance(parsed, ParsedExpression)
    assert parsed.placeholders == {placeholder("model"): "model"}
    names = {n.id for n in ast.walk(parsed.tree) if isinstance(n, ast.Name)}
    assert names == {placeholder("model")}
    assert parsed.references == (("model", 0),)


def test_parse_expression_error_offsets_refer_to_the_original_text() -> None:
    error = parse_expression("@a_long_name + )")
    assert isinstance(error, ExpressionError)
    assert error.offset == 15  # the ')' as written, not in the rewritten text
    assert isinstance(parse_expression("   "), ExpressionError)


def test_parse_expression_never_evaluates() -> None:
    parsed = parse_expression("__import__('os').system('false')")
    assert isinstance(parsed, ParsedExpression)
