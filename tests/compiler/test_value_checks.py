"""C010-C012 in detail: what is judged, what is left alone, and where it points.

The mutation cases (``tests/mutations/cases/values``, ``.../reference-kinds``) show that
each mistake is found at its line;
these tests pin the edges that keep the checks free of false positives: annotations that
admit other strings, defaults outside an enum, values only known at run time, custom
classes, and a clamped value being a warning rather than an error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES

from mmarc import api
from mmarc.catalog import Param, ParamKind, load_catalog
from mmarc.compiler.components.annotations import type_hint
from mmarc.compiler.components.reference_kinds import expected_kinds
from mmarc.compiler.components.values import enum_choices
from mmarc.compiler.source import ScalarNode
from mmarc.diagnostics import Diagnostic, Severity

ENUMS = load_catalog().enums


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("LossReduction | str", "LossReduction"),
        ("str | MetricReduction", "MetricReduction"),
        ("Sequence[InterpolateMode | str] | InterpolateMode | str", "InterpolateMode"),
        ("str | Events | CallableEventWithFilter", None),  # other values accepted
        ("LossReduction | int", None),  # not the choice form
        ("str", None),
        (None, None),
    ],
)
def test_enum_choice_form(annotation: str | None, expected: str | None) -> None:
    found = enum_choices(annotation, ENUMS)
    assert (found[0] if found else None) == expected


def test_a_misspelled_literal_choice_gets_did_you_mean() -> None:
    node = ScalarNode(0, 4, "mn")
    assert type_hint("Literal['min', 'max']", node) == 'did you mean "min"?'
    assert type_hint("Literal['min', 'max'] | None", ScalarNode(0, 3, "x")) == 'one of "min", "max"'


def test_expected_kinds_from_slot_and_annotation() -> None:
    optimizer = Param("optimizer", ParamKind.POSITIONAL_OR_KEYWORD, True, annotation="Optimizer")
    inferer = Param("inf", ParamKind.POSITIONAL_OR_KEYWORD, False, annotation="Inferer | None")
    anything = Param("x", ParamKind.POSITIONAL_OR_KEYWORD, False, annotation="Callable | None")
    assert expected_kinds("optimizer", optimizer) == ("optimizer",)
    assert expected_kinds("loss_function", None) == ("loss",)  # the slot name decides
    assert expected_kinds("inf", inferer) == ("inferer",)
    assert expected_kinds("x", anything) is None  # cannot be told: not judged


def _train(tmp_path: Path, edit: Any) -> list[Diagnostic]:
    """Lint a copy of spleen_synth whose config_train.json ``edit`` changed (a dict edit)."""
    root = tmp_path / "spleen"
    shutil.copytree(EXAMPLES / "spleen_synth", root, ignore=shutil.ignore_patterns("data"))
    path = root / "config" / "config_train.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    edit(config)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return [d for d in api.lint(root).diagnostics if d.code in ("C010", "C011", "C012")]


def test_values_known_only_at_run_time_are_not_judged(tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["train"]["optimizer"]["args"]["lr"] = "#1e-3 * 2"
        config["train"]["loss"]["args"]["reduction"] = "{REDUCTION}"
        config["REDUCTION"] = "mean"

    assert _train(tmp_path, edit) == []


def test_a_clamped_value_is_a_warning_and_a_refused_one_an_error(tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["train"]["pre_transforms"][4]["args"]["prob"] = 1.5  # RandFlipd: clamped
        config["train"]["optimizer"]["args"]["lr"] = -1.0  # Adam: refused

    found = {d.code + d.message.split(" argument")[0]: d.severity for d in _train(tmp_path, edit)}
    assert found == {"C010RandFlipd": Severity.WARNING, "C010Adam": Severity.ERROR}


def test_a_disabled_component_only_warns(tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["train"]["optimizer"]["disabled"] = True
        config["train"]["optimizer"]["args"]["lr"] = -1.0

    found = _train(tmp_path, edit)
    assert [(d.code, d.severity) for d in found] == [("C010", Severity.WARNING)]
    assert "(the component is disabled)" in found[0].message


def test_a_variable_s_value_names_the_variable(tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["learning_rate"] = 0.5
        config["train"]["loss"]["args"]["lambda_dice"] = "{learning_rate}"
        config["train"]["loss"]["name"] = "DiceCELoss"
        config["learning_rate_neg"] = -1.0
        config["train"]["loss"]["args"]["lambda_ce"] = "{learning_rate_neg}"

    (found,) = _train(tmp_path, edit)
    assert found.code == "C010" and "(the value of {learning_rate_neg})" in found.message
    assert found.pointer == "/train/loss/args/lambda_ce"


def test_a_per_key_list_points_at_the_item(tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["train"]["post_transforms"].append(
            {"name": "Resized", "args": {"keys": ["pred", "label"], "spatial_size": [8, 8, 8]}}
        )
        config["train"]["post_transforms"][-1]["args"]["mode"] = ["area", "nearst"]

    (found,) = _train(tmp_path, edit)
    assert found.code == "C011" and found.pointer.endswith("/args/mode/1")
    assert found.hint == 'did you mean "nearest"?'


def test_references_to_custom_classes_are_not_judged(tmp_path: Path) -> None:
    """digits_cnn's network is a custom/ class: "@model" anywhere is left alone."""
    root = tmp_path / "digits"
    shutil.copytree(EXAMPLES / "digits_cnn", root, ignore=shutil.ignore_patterns("data"))
    path = root / "config" / "config_train.json"
    text = path.read_text(encoding="utf-8").replace(
        '"optimizer": "@optimizer",\n        "inferer"', '"optimizer": "@model",\n        "inferer"'
    )
    assert text.count('"optimizer": "@model"') == 1
    path.write_text(text, encoding="utf-8")
    assert [d for d in api.lint(root).diagnostics if d.code == "C012"] == []
