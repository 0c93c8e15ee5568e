"""Schema stage: typed models of every file kind, their diagnostics and their JSON Schemas.

The real Clara files in tests/fixtures/corpus must pass untouched; each class of mistake
must come back as the right code at the right line and column, with a usable fix.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from mmarc.compiler.kinds import FileKind, detect_kind
from mmarc.compiler.schemas import SCHEMA_MODELS, check_schema, json_schema
from mmarc.compiler.schemas.export import DRAFTS, Draft, render, to_draft07
from mmarc.compiler.source import SourceFile, load_source, parse_text
from mmarc.diagnostics import Diagnostic

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
CLARA_4X = sorted(
    [
        *(CORPUS / "mmar-4.0").glob("*.json"),
        *(CORPUS / "mmar-4.1").glob("*.json"),
        *(CORPUS / "fl").glob("clara40*.json"),
        *(CORPUS / "provision").glob("*"),
    ]
)
CLARA_3X = sorted([*(CORPUS / "mmar-3x").glob("*.json"), *(CORPUS / "fl").glob("clara3x*.json")])
VALIDATORS = {"2020-12": jsonschema.Draft202012Validator, "draft-07": jsonschema.Draft7Validator}


def check(text: str, name: str = "config_train.json") -> list[Diagnostic]:
    """Schema diagnostics of ``text`` loaded as a file called ``name``."""
    source, parse_problems = parse_text(textwrap.dedent(text).lstrip("\n"), Path(name))
    assert parse_problems == []
    kind = detect_kind(Path(name), source.root)
    assert kind is not None
    return check_schema(source, kind)


def only(diagnostics: list[Diagnostic]) -> Diagnostic:
    assert len(diagnostics) == 1, [d.as_contract() for d in diagnostics]
    return diagnostics[0]


def where(d: Diagnostic) -> tuple[str, int | None, int | None]:
    return d.code, d.line, d.column


def load(path: Path) -> tuple[SourceFile, FileKind]:
    source, problems = load_source(path)
    assert problems == []
    kind = detect_kind(path, source.root)
    assert kind is not None
    return source, kind


# ---------------------------------------------------------------------------------------
# the real files
# ---------------------------------------------------------------------------------------


def test_the_corpus_has_the_expected_files() -> None:
    assert len(CLARA_4X) == 12
    assert len(CLARA_3X) == 4


@pytest.mark.parametrize("path", CLARA_4X, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_clara_4x_files_have_no_schema_problems(path: Path) -> None:
    source, problems = load_source(path)
    assert problems == []
    kind = detect_kind(path, source.root)
    assert kind is not None
    assert check_schema(source, kind) == []


@pytest.mark.parametrize("path", CLARA_3X, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_clara_3x_files_are_left_to_the_version_stage(path: Path) -> None:
    """Their shape is accepted, so that V001 is not buried under schema errors."""
    source, _ = load_source(path)
    kind = detect_kind(path, source.root)
    assert kind is not None
    assert check_schema(source, kind) == []


def test_every_kind_has_a_model() -> None:
    assert set(SCHEMA_MODELS) == set(FileKind)


def test_a_file_that_did_not_parse_has_nothing_to_check() -> None:
    source, problems = parse_text('{"epochs": ', Path("config_train.json"))
    assert problems and source.root is None
    assert check_schema(source, FileKind.TRAIN) == []


# ---------------------------------------------------------------------------------------
# S001 unknown key
# ---------------------------------------------------------------------------------------


def test_unknown_key_in_a_component_is_located_at_the_key_with_a_did_you_mean() -> None:
    d = only(
        check(
            """
            {
              "train": {
                "loss": {
                  "name": "DiceLoss",
                  "arg": {"softmax": true}
                }
              }
            }
            """
        )
    )
    assert where(d) == ("S001", 5, 7)
    assert d.message == 'unknown key "arg"'
    assert d.hint == 'did you mean "args"?'
    assert d.pointer == "/train/loss/arg"
    assert (d.end_line, d.end_column) == (5, 12)


def test_unknown_key_without_a_near_match_lists_the_allowed_keys() -> None:
    d = only(check('{"train": {"handlers": [{"ref": "X", "shape": 1}]}}'))
    assert where(d) == ("S001", 1, 38)
    assert d.hint is not None and d.hint.startswith('allowed keys here: "ref"')


def test_unknown_slot_in_a_section() -> None:
    d = only(check('{"train": {"optimiser": {"name": "Adam"}}}'))
    assert where(d) == ("S001", 1, 12)
    assert d.hint == 'did you mean "optimizer"?'


def test_misspelt_top_level_setting_is_an_unknown_key() -> None:
    d = only(
        check(
            """
            {
              "epoch": 2,
              "train": {}
            }
            """
        )
    )
    assert where(d) == ("S001", 2, 3)
    assert d.message == 'unknown key "epoch"'
    assert d.hint == 'did you mean "epochs"?'


def test_misspelt_section_is_reported_once_not_once_per_component() -> None:
    d = only(check('{"train": {}, "valdate": {"pre_transforms": [{"name": "LoadImaged"}]}}'))
    assert where(d) == ("S001", 1, 15)
    assert d.hint == 'did you mean "validate"?'


def test_top_level_variables_are_allowed() -> None:
    text = """
    {
      "epoch_count": 3,
      "my_flag": false,
      "spacing": [1.0, 1.0, 1.0],
      "crop": {"size": [96, 96, 96], "mode": "center"},
      "nothing": null,
      "train": {"trainer": {"name": "SupervisedTrainer", "args": {"max_epochs": "{epoch_count}"}}}
    }
    """
    assert check(text) == []


def test_a_near_miss_that_is_used_as_a_variable_is_not_a_misspelling() -> None:
    text = '{"epoch": 2, "train": {"trainer": {"name": "T", "args": {"max_epochs": "{epoch}"}}}}'
    assert check(text) == []


def test_a_component_at_the_top_level_is_not_a_variable() -> None:
    d = only(check('{"train": {}, "model": {"name": "UNet", "args": {"channels": [16]}}}'))
    assert where(d) == ("S003", 1, 15)
    assert d.hint == 'components go inside the "train" or "validate" section'


def test_unknown_right_in_the_authorization_policy() -> None:
    d = only(
        check(
            '{"groups": {"g": {"role_rights": {"lead": {"train_al": true}}}}}',
            "authz_config.json",
        )
    )
    assert where(d) == ("S001", 1, 44)
    assert d.hint == 'did you mean "train_all"?'


def test_unknown_key_in_yaml() -> None:
    d = only(
        check(
            """
            api_version: 3
            name: demo
            participants:
              - name: server1
                type: server
                org: nvidia
                fed_learn_prot: 8002
            """,
            "project.yml",
        )
    )
    assert where(d) == ("S001", 7, 5)
    assert d.hint == 'did you mean "fed_learn_port"?'


# ---------------------------------------------------------------------------------------
# S002 missing required key
# ---------------------------------------------------------------------------------------


def test_missing_section_is_located_at_the_mapping_that_lacks_it() -> None:
    d = only(check('{"epochs": 2}'))
    assert where(d) == ("S002", 1, 1)
    assert d.message == 'missing required key "train"'
    assert d.pointer == "/train"


def test_component_without_a_class() -> None:
    d = only(
        check(
            """
            {
              "train": {
                "handlers": [
                  {"args": {"interval": 1}}
                ]
              }
            }
            """
        )
    )
    assert where(d) == ("S002", 4, 7)
    assert "name" in d.message and "path" in d.message


def test_missing_key_in_a_nested_yaml_mapping_points_at_its_key() -> None:
    d = only(
        check(
            """
            name: project1
            server:
              org: nvidia
            """,
            "project.yml",
        )
    )
    assert where(d) == ("S002", 2, 1)
    assert d.message == 'missing required key "cn"'


def test_model_loader_needs_a_path() -> None:
    d = only(check('{"model": [{"disabled": false}]}', "config_validation.json"))
    assert where(d) == ("S002", 1, 12)
    assert "ts_path" in d.message


# ---------------------------------------------------------------------------------------
# S003 wrong type
# ---------------------------------------------------------------------------------------


def test_wrong_type_names_the_expected_type() -> None:
    d = only(
        check(
            """
            {
              "epochs": "ten",
              "train": {}
            }
            """
        )
    )
    assert where(d) == ("S003", 2, 13)
    assert d.message == (
        '"epochs" must be an integer or a "{VAR}" placeholder, not a string ("ten")'
    )


def test_quoted_number_suggests_removing_the_quotes() -> None:
    d = only(check('{"train": {}, "epochs": "10"}'))
    assert where(d) == ("S003", 1, 25)
    assert d.hint == "remove the quotes: 10"


def test_quoted_boolean() -> None:
    d = only(check('{"train": {"handlers": [{"name": "H", "disabled": "true"}]}}'))
    assert where(d) == ("S003", 1, 51)
    assert "a boolean (true or false)" in d.message
    assert d.hint == "remove the quotes: true"


def test_slot_given_a_class_name_instead_of_a_component() -> None:
    d = only(check('{"train": {"loss": "DiceLoss"}}'))
    assert where(d) == ("S003", 1, 20)
    assert d.hint == 'write the component as an object: {"name": "DiceLoss"}'


def test_file_of_the_wrong_shape() -> None:
    d = only(check("[1, 2]", "environment.json"))
    assert where(d) == ("S003", 1, 1)
    assert d.message == "the file must be an object, not a list"


def test_environment_values_are_scalars() -> None:
    d = only(check('{"DATA_ROOT": ["/data"]}', "environment.json"))
    assert where(d) == ("S003", 1, 15)


def test_datalist_item_types() -> None:
    diagnostics = check(
        """
        {
          "training": [
            {"image": 3, "label": "l.nii.gz"},
            {"label": "l.nii.gz"}
          ],
          "test": ["a.nii.gz", 7]
        }
        """,
        "dataset.json",
    )
    assert [where(d) for d in diagnostics] == [("S003", 3, 15), ("S002", 4, 5), ("S003", 6, 24)]


def test_wrong_type_in_a_list_item_names_the_index() -> None:
    d = only(check('{"format_version": 1, "servers": ["s"]}', "config_fed_server.json"))
    assert where(d) == ("S003", 1, 35)
    assert d.message.startswith('"servers"[0] must be an object')


def test_quoted_format_version() -> None:
    d = only(check('{"format_version": "1", "servers": [{"name": "s"}]}', "config_fed_client.json"))
    assert where(d) == ("S003", 1, 20)
    assert d.message == '"format_version" must be 1, not a string ("1")'
    assert d.hint == "remove the quotes: 1"


# ---------------------------------------------------------------------------------------
# S004 invalid value
# ---------------------------------------------------------------------------------------


def test_value_out_of_range() -> None:
    d = only(check('{"train": {}, "epochs": -1}'))
    assert where(d) == ("S004", 1, 25)
    assert d.message == '"epochs" must be at least 1, not -1'


def test_choice_not_in_the_list_with_a_did_you_mean() -> None:
    d = only(
        check(
            """
            api_version: 2
            name: demo
            participants:
              - name: site-1
                type: cleint
                org: nvidia
            """,
            "project.yml",
        )
    )
    assert where(d) == ("S004", 5, 11)
    assert d.hint == 'did you mean "client"?'


def test_port_out_of_range() -> None:
    d = only(
        check(
            """
            name: p
            server:
              org: o
              cn: localhost
              fed_learn_port: 80020
            """,
            "project.yml",
        )
    )
    assert where(d) == ("S004", 5, 19)
    assert d.message == '"fed_learn_port" must be at most 65535, not 80020'


def test_empty_server_list() -> None:
    d = only(check('{"format_version": 1, "servers": []}', "config_fed_server.json"))
    assert where(d) == ("S004", 1, 34)
    assert d.message == '"servers" must have at least 1 item'


def test_unknown_format_version() -> None:
    d = only(check('{"format_version": 2, "servers": [{"name": "s"}]}', "config_fed_server.json"))
    assert where(d) == ("S004", 1, 20)


# ---------------------------------------------------------------------------------------
# comments and placeholders
# ---------------------------------------------------------------------------------------


def test_underscore_keys_are_comments_anywhere() -> None:
    assert (
        check(
            """
            {
              "_comment": {"anything": [{"goes": true}]},
              "train": {
                "_disabled_loss": {"name": "Nope", "bogus": 1},
                "loss": {"name": "DiceLoss", "_note": "see paper", "args": {}},
                "handlers": [{"ref": "X", "_why": 1}]
              },
              "validate": {"_todo": ["later"]}
            }
            """
        )
        == []
    )
    assert check('{"_c": [1, {"x": 2}], "DATA_ROOT": "/d"}', "environment.json") == []
    authz = '{"users": {"_note": "x", "a@b.c": {"org": "o", "roles": [], "_r": 1}}}'
    assert check(authz, "authz_config.json") == []
    assert check('{"training": [{"image": "i", "_old": 1}], "_c": 1}', "dataset.json") == []


def test_placeholders_stand_for_numbers_flags_and_lists() -> None:
    text = """
    {
      "epochs": "{EPOCHS}",
      "amp": "{USE_AMP}",
      "learning_rate": "{LR}",
      "determinism": {"random_seed": "{SEED}"},
      "train": {
        "handlers": [
          {"name": "CheckpointLoader", "disabled": "{dont_load_ckpt_model}", "rank": "{RANK}"}
        ]
      }
    }
    """
    assert check(text) == []
    client = '{"format_version": 1, "servers": [{"name": "s"}], "cross_validate": "{CV}"}'
    assert check(client, "config_fed_client.json") == []


def test_several_problems_in_one_component_are_all_reported() -> None:
    diagnostics = check(
        '{"train": {"handlers": [{"name": "H", "rank": "x", "bogus": 1, "disabled": "no"}]}}'
    )
    assert [where(d) for d in diagnostics] == [("S003", 1, 47), ("S001", 1, 52), ("S003", 1, 76)]
    assert diagnostics[0].message == (
        '"rank" must be an integer or a "{VAR}" placeholder, not a string ("x")'
    )


@pytest.mark.parametrize("path", CLARA_4X, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_kind_accepts_a_schema_key_at_the_top(path: Path) -> None:
    source, kind = load(path)
    data = source.to_plain()
    assert isinstance(data, dict)
    data = {"$schema": f"https://mmarc.dev/schemas/{kind.value}.schema.json", **data}
    edited, problems = parse_text(json.dumps(data, indent=2), path.with_suffix(".json"))
    assert problems == []
    assert check_schema(edited, kind) == []
    assert jsonschema.Draft202012Validator(json_schema(kind)).is_valid(data)


def test_schema_key_is_only_for_the_top_level() -> None:
    d = only(check('{"train": {"$schema": "x"}}'))
    assert where(d) == ("S001", 1, 12)


def test_a_malformed_placeholder_is_a_wrong_type_with_a_hint() -> None:
    d = only(check('{"train": {}, "epochs": "{ EPOCHS }"}'))
    assert where(d) == ("S003", 1, 25)
    assert d.hint is not None and d.hint.startswith("a placeholder is a variable name in braces")


def test_placeholders_are_not_accepted_where_a_component_is_expected() -> None:
    assert where(only(check('{"train": {"model": "{MODEL}"}}'))) == ("S003", 1, 21)


# ---------------------------------------------------------------------------------------
# forms and shapes that real files use
# ---------------------------------------------------------------------------------------


def test_component_may_name_both_a_class_and_its_path() -> None:
    text = '{"train": {"model": {"name": "X", "path": "pkg.mod.X", "args": {"a": 1}}}}'
    assert check(text) == []


def test_validation_model_may_be_a_network_component() -> None:
    text = '{"model": [{"ts_path": "m.ts"}, {"name": "UNet", "disabled": true}]}'
    assert check(text, "config_validation.json") == []
    assert check('{"model": {"name": "UNet"}}', "config_validation.json") == []


def test_clara_40_metric_flag_only_on_metrics() -> None:
    assert check('{"train": {"metrics": [{"name": "Accuracy", "is_key_metric": true}]}}') == []
    d = only(check('{"train": {"loss": {"name": "L", "is_key_metric": true}}}'))
    assert where(d) == ("S001", 1, 34)


def test_dataset_keys_only_on_datasets() -> None:
    assert check('{"train": {"dataset": {"name": "D", "data_list_key": "training"}}}') == []
    d = only(check('{"train": {"dataloader": {"name": "L", "data_list_key": "training"}}}'))
    assert where(d) == ("S001", 1, 40)


def test_msd_datalist() -> None:
    text = """
    {
      "name": "Spleen", "tensorImageSize": "3D",
      "modality": {"0": "CT"}, "labels": {"0": "background", "1": "spleen"},
      "numTraining": 2, "numTest": 1,
      "training": [
        {"image": "imagesTr/a.nii.gz", "label": "labelsTr/a.nii.gz"},
        {"image": ["t1.nii.gz", "t2.nii.gz"], "label": 1, "weight": 0.5}
      ],
      "fold1": [{"image": "x"}],
      "test": ["imagesTs/c.nii.gz", {"image": "imagesTs/d.nii.gz"}]
    }
    """
    assert check(text, "dataset.json") == []


def test_earlier_fl_client_may_leave_the_validator_empty() -> None:
    text = '{"servers": [{"name": "s"}], "client": {"model_validator": {}}}'
    assert check(text, "config_fed_client.json") == []


def test_the_fl_form_decides_which_keys_are_allowed() -> None:
    earlier_key_in_v1 = '{"format_version": 1, "servers": [{"name": "s"}], "model_saver": {}}'
    d = only(check(earlier_key_in_v1, "config_fed_server.json"))
    assert where(d) == ("S001", 1, 51)


def test_diagnostics_come_in_document_order() -> None:
    diagnostics = check(
        """
        {
          "train": {"loss": {"name": "L", "x": 1}},
          "epochs": 0
        }
        """
    )
    assert [where(d) for d in diagnostics] == [("S001", 2, 35), ("S004", 3, 13)]


# ---------------------------------------------------------------------------------------
# JSON Schema
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("draft", DRAFTS)
@pytest.mark.parametrize("kind", list(FileKind))
def test_json_schema_is_a_valid_schema_with_id_and_title(kind: FileKind, draft: Draft) -> None:
    schema = json_schema(kind, draft)
    VALIDATORS[draft].check_schema(schema)
    suffix = "" if draft == "2020-12" else ".draft-07"
    assert schema["$id"] == f"https://mmarc.dev/schemas/{kind.value}{suffix}.schema.json"
    assert schema["title"] == kind.label
    assert schema["description"]


@pytest.mark.parametrize("draft", DRAFTS)
@pytest.mark.parametrize("path", CLARA_4X + CLARA_3X, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_json_schema_accepts_the_corpus(path: Path, draft: Draft) -> None:
    source, kind = load(path)
    validator = VALIDATORS[draft](json_schema(kind, draft))
    data = source.to_plain()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


@pytest.mark.parametrize("draft", DRAFTS)
def test_json_schema_rejects_an_unknown_key_in_a_component(draft: Draft) -> None:
    train = json.loads((CORPUS / "mmar-4.1" / "config_train_Unet.json").read_text())
    train["train"]["optimizer"]["arg"] = {"lr": 0.1}
    validator = VALIDATORS[draft](json_schema(FileKind.TRAIN, draft))
    assert not validator.is_valid(train)
    del train["train"]["optimizer"]["arg"]
    train["train"]["optimizer"]["_arg"] = {"lr": 0.1}
    assert validator.is_valid(train)


@pytest.mark.parametrize("draft", DRAFTS)
def test_json_schema_knows_placeholders_and_component_classes(draft: Draft) -> None:
    validator = VALIDATORS[draft](json_schema(FileKind.TRAIN, draft))
    assert validator.is_valid({"epochs": "{EPOCHS}", "train": {}})
    assert not validator.is_valid({"epochs": "ten", "train": {}})
    assert not validator.is_valid({"train": {"loss": {"args": {}}}})
    assert not validator.is_valid({"epochs": 2})


def test_json_schema_describes_fields_for_editors() -> None:
    schema = json_schema(FileKind.TRAIN)
    assert schema["properties"]["epochs"]["description"] == "Number of training epochs."
    assert schema["properties"]["$schema"]["title"] == "$schema"
    assert "Placeholder" in schema["$defs"]
    component = schema["$defs"]["Component"]
    assert component["additionalProperties"] is False
    assert "^_" in component["patternProperties"]


def test_draft07_has_no_2020_12_keywords() -> None:
    for kind in FileKind:
        text = render(json_schema(kind, "draft-07"))
        assert "$defs" not in text
        assert "prefixItems" not in text
    assert "definitions" in json_schema(FileKind.TRAIN, "draft-07")


def test_draft07_translation_of_2020_12_only_keywords() -> None:
    schema = {
        "$defs": {"A": {"type": "string"}},
        "type": "object",
        "properties": {
            "pair": {"type": "array", "prefixItems": [{"type": "integer"}], "items": False},
            "a": {"$ref": "#/$defs/A", "description": "an A"},
            "b": {"unevaluatedProperties": False, "dependentRequired": {"x": ["y"]}},
        },
    }
    converted = to_draft07(schema)
    assert converted["definitions"] == {"A": {"type": "string"}}
    props = converted["properties"]
    pair = {"type": "array", "items": [{"type": "integer"}], "additionalItems": False}
    assert props["pair"] == pair
    assert props["a"] == {"allOf": [{"$ref": "#/definitions/A"}], "description": "an A"}
    assert props["b"] == {"dependencies": {"x": ["y"]}}
    jsonschema.Draft7Validator.check_schema(converted)


def test_checking_does_not_import_jsonschema() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mmarc.compiler.kinds import FileKind\n"
        "from mmarc.compiler.schemas import check_schema\n"
        "from mmarc.compiler.source import parse_text\n"
        "source, _ = parse_text('{\"train\": {}}', Path('config_train.json'))\n"
        "assert check_schema(source, FileKind.TRAIN) == []\n"
        "assert 'jsonschema' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
