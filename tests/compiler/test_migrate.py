"""``migrate``: 4.0 -> 4.1 wiring and MONAI renames, text-preserving, located in the original.

The decisive checks run the component stage (and the whole validate pipeline) on the
migrated output of the real corpus MMARs: no component or argument errors may be left,
and the migrated components build with the installed MONAI.
"""

from __future__ import annotations

import difflib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mmarc.catalog import load_catalog
from mmarc.compiler.check_components import check_components
from mmarc.compiler.check_fl_components import check_fl_components
from mmarc.compiler.migrate import MigrationError, MigrationReport, migrate
from mmarc.compiler.migration.clara41 import convert_lambda
from mmarc.compiler.pipeline import validate_target
from mmarc.compiler.versions import VersionReport
from mmarc.diagnostics import Diagnostic, Severity

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
COMPONENT_CODES = {"C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008"}


def make_mmar(root: Path, configs: Mapping[str, str | Path], env: bool = True) -> Path:
    """An MMAR at ``root`` with ``config/<name>`` from text or a corpus file."""
    (root / "config").mkdir(parents=True)
    for name, content in configs.items():
        text = content.read_text() if isinstance(content, Path) else content
        (root / "config" / name).write_text(text)
    if env:
        shutil.copy(CORPUS / "mmar-4.1" / "environment.json", root / "config" / "environment.json")
    return root


def problems_after(out: Path) -> list[Diagnostic]:
    """Every diagnostic of validate plus the component stage, on a migrated MMAR."""
    validation = validate_target(out)
    found = [d for d in validation.diagnostics if d.severity is not Severity.INFO]
    catalog = load_catalog()
    for f in validation.target.files:
        if f.substituted is None or f.kind is None or not isinstance(f.version, VersionReport):
            continue
        found += check_components(
            f.source, f.kind, f.substituted, catalog, f.version.version, validation.target.root
        )
        found += check_fl_components(f.source, f.kind, f.substituted)
    return [d for d in found if d.severity is not Severity.INFO]


def change_at(report: MigrationReport, line: int, column: int) -> str:
    hits = [c.message for c in report.changes if (c.line, c.column) == (line, column)]
    assert len(hits) == 1, (line, column, report.lines())
    return hits[0]


def changed_lines(before: str, after: str) -> int:
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines())
    return sum(i2 - i1 for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal")


# -- the corpus ----------------------------------------------------------------------------------


def test_clara40_corpus_config_migrates_to_a_clean_41(tmp_path: Path) -> None:
    mmar = make_mmar(
        tmp_path / "in", {"config_train.json": CORPUS / "mmar-4.0/config_train_Unet.json"}
    )
    original = (mmar / "config" / "config_train.json").read_bytes()
    report = migrate(mmar, tmp_path / "out")
    assert report.unmigrated == [] and report.files == ["config/config_train.json"]
    assert (mmar / "config" / "config_train.json").read_bytes() == original  # never in place
    assert problems_after(tmp_path / "out") == []

    migrated = json.loads((tmp_path / "out" / "config" / "config_train.json").read_text())
    assert next(iter(migrated)) == "CLARA_TRAIN_VERSION"
    train, validate = migrated["train"], migrated["validate"]
    assert train["trainer"]["args"] == {
        "max_epochs": "{epochs}",
        "train_data_loader": "@dataloader",
        "network": "@model",
        "loss_function": "@loss",
        "optimizer": "@optimizer",
        "inferer": "@inferer",
        "postprocessing": "@post_transforms",
        "key_train_metric": "@key_metric",
        "train_handlers": "@handlers",
        "amp": "{amp}",
    }
    assert validate["evaluator"]["args"]["key_val_metric"] == "@key_metric"
    assert validate["evaluator"]["args"]["additional_metrics"] == "@additional_metrics"
    assert train["optimizer"]["args"]["params"] == "#@model.parameters()"
    assert train["lr_scheduler"]["args"]["optimizer"] == "@optimizer"
    assert train["dataset"]["args"]["transform"] == "@pre_transforms"
    assert train["dataloader"]["args"]["dataset"] == "@dataset"
    assert "metrics" not in train and train["key_metric"]["name"] == "Accuracy"
    assert "is_key_metric" not in train["key_metric"]
    assert validate["key_metric"]["name"] == "MeanDice"
    assert [m["name"] for m in validate["additional_metrics"]] == ["Accuracy"]
    assert validate["key_metric"]["args"]["output_transform"] == (
        "#monai.handlers.from_engine(['pred', 'label'])"
    )
    handlers = {h["name"]: h["args"] for h in train["handlers"]}
    assert handlers["CheckpointLoader"]["load_dict"] == {"model": "@model"}
    assert handlers["StatsHandler"]["output_transform"] == (
        "#monai.handlers.from_engine(['loss'], first=True)"
    )
    assert train["model"]["args"]["spatial_dims"] == 3
    assert "dimensions" not in train["model"]["args"]
    as_discrete = train["post_transforms"][1]["args"]
    assert as_discrete["to_onehot"] == 2 and "n_classes" not in as_discrete

    # changes are located in the ORIGINAL file
    assert change_at(report, 37, 9) == "UNet: dimensions -> spatial_dims"
    assert "to_onehot: true -> 2" in change_at(report, 197, 24)
    assert "key_metric" in change_at(report, 203, 7)
    assert change_at(report, 1, 1) == 'added "CLARA_TRAIN_VERSION": "4.1.0"'


def test_migrating_twice_changes_nothing_more(tmp_path: Path) -> None:
    mmar = make_mmar(
        tmp_path / "in",
        {
            "config_train.json": CORPUS / "mmar-4.0/config_train_Unet.json",
            "config_fed_server.json": CORPUS / "fl/clara40_config_fed_server.json",
        },
    )
    first = migrate(mmar, tmp_path / "once")
    assert len(first.changes) > 20
    second = migrate(tmp_path / "once", tmp_path / "twice")
    assert (second.changes, second.unmigrated, second.files) == ([], [], [])


def test_clara41_getting_started_migrates_with_minimal_edits(tmp_path: Path) -> None:
    mmar = make_mmar(
        tmp_path / "in",
        {
            "config_train.json": CORPUS / "mmar-4.1/config_train_Unet.json",
            "config_validation.json": CORPUS / "mmar-4.1/config_validation.json",
        },
    )
    report = migrate(mmar, tmp_path / "out")
    assert report.unmigrated == []
    assert problems_after(tmp_path / "out") == []
    assert change_at(report, 40, 9) == "UNet: dimensions -> spatial_dims"
    assert "deleted n_classes" in change_at(report, 195, 11)
    before = (mmar / "config" / "config_train.json").read_text()
    after = (tmp_path / "out" / "config" / "config_train.json").read_text()
    # dimensions renamed, image_only added (one line + a comma), n_classes deleted
    assert changed_lines(before, after) <= 6
    assert '        "spatial_dims": 3,\n' in after
    assert '"args":{\n        "to_onehot_y": true,' in after  # odd spacing kept as written
    assert after.endswith("}") == before.endswith("}")


def test_fl_server_persistor_model_is_migrated(tmp_path: Path) -> None:
    mmar = make_mmar(
        tmp_path / "in", {"config_fed_server.json": CORPUS / "fl/clara40_config_fed_server.json"}
    )
    report = migrate(mmar, tmp_path / "out")
    assert [c.message for c in report.changes] == ["UNet: dimensions -> spatial_dims"]
    assert (report.changes[0].line, report.changes[0].column) == (38, 11)
    assert problems_after(tmp_path / "out") == []


def test_migrated_components_build_with_monai(tmp_path: Path) -> None:
    import torch
    from monai.networks.nets import UNet
    from monai.transforms import AsDiscreted

    mmar = make_mmar(
        tmp_path / "in", {"config_train.json": CORPUS / "mmar-4.0/config_train_Unet.json"}
    )
    migrate(mmar, tmp_path / "out")
    migrated = json.loads((tmp_path / "out" / "config" / "config_train.json").read_text())
    UNet(**migrated["train"]["model"]["args"])
    post = AsDiscreted(**migrated["train"]["post_transforms"][1]["args"])
    out = post({"pred": torch.rand(2, 4, 4), "label": torch.zeros(1, 4, 4)})
    assert out["pred"].shape[0] == 2 and out["label"].shape[0] == 2


# -- renames -------------------------------------------------------------------------------------


def config(train: Mapping[str, Any], indent: int = 2) -> str:
    return json.dumps({"CLARA_TRAIN_VERSION": "4.1.0", "train": train}, indent=indent) + "\n"


def run(tmp_path: Path, train: Mapping[str, Any], indent: int = 2) -> tuple[MigrationReport, str]:
    mmar = make_mmar(tmp_path / "in", {"config_train.json": config(train, indent)}, env=False)
    report = migrate(mmar, tmp_path / "out")
    text = (tmp_path / "out" / "config" / "config_train.json").read_text()
    return report, text


def test_removed_transforms_become_their_replacements(tmp_path: Path) -> None:
    from monai.transforms import EnsureChannelFirstd, LoadImaged, SplitDimd

    train = {
        "pre_transforms": [
            {"name": "LoadNiftid", "args": {"keys": "image"}},
            {"name": "AddChanneld#chan", "args": {"keys": "image"}},
            {"path": "monai.transforms.SplitChanneld", "args": {"keys": "image", "channel_dim": 1}},
        ]
    }
    report, text = run(tmp_path, train)
    pre = json.loads(text)["train"]["pre_transforms"]
    assert pre[0] == {
        "name": "LoadImaged",
        "args": {"keys": "image", "reader": "NibabelReader", "image_only": False},
    }
    assert pre[1] == {
        "name": "EnsureChannelFirstd#chan",
        "args": {"keys": "image", "channel_dim": "no_channel"},
    }
    assert pre[2] == {"path": "monai.transforms.SplitDimd", "args": {"keys": "image", "dim": 1}}
    assert report.unmigrated == []
    LoadImaged(**pre[0]["args"])
    EnsureChannelFirstd(**pre[1]["args"])
    SplitDimd(**pre[2]["args"])


def test_handler_turned_transform_is_left_to_a_person(tmp_path: Path) -> None:
    train = {"handlers": [{"name": "TransformInverter", "args": {"output_keys": "pred"}}]}
    report, _ = run(tmp_path, train)
    (u,) = report.unmigrated
    assert "TransformInverter" in u.message and u.hint is not None and "Invertd" in u.hint
    assert u.pointer == "/train/handlers/0/name"


def test_to_onehot_flag_takes_the_models_out_channels(tmp_path: Path) -> None:
    train = {
        "model": {"name": "UNet", "args": {"spatial_dims": 2, "out_channels": 3}},
        "post_transforms": [
            {"name": "AsDiscreted", "args": {"keys": ["pred", "label"], "to_onehot": [True, True]}},
            {"name": "AsDiscreted", "args": {"keys": "pred", "threshold_values": True}},
            {
                "name": "AsDiscrete",
                "args": {"threshold_values": True, "logit_thresh": 0.3, "to_onehot": False},
            },
        ],
    }
    report, text = run(tmp_path, train)
    post = json.loads(text)["train"]["post_transforms"]
    assert post[0]["args"]["to_onehot"] == [3, 3]
    assert post[1]["args"] == {"keys": "pred", "threshold": 0.5}
    assert post[2]["args"] == {"threshold": 0.3}
    assert "out_channels" in " ".join(report.lines())


def test_to_onehot_without_a_count_is_unmigrated(tmp_path: Path) -> None:
    train = {"post_transforms": [{"name": "AsDiscreted", "args": {"keys": "p", "to_onehot": True}}]}
    report, _ = run(tmp_path, train)
    (u,) = report.unmigrated
    assert u.pointer == "/train/post_transforms/0/args/to_onehot"


def test_file_indent_is_kept(tmp_path: Path) -> None:
    train = {"model": {"name": "UNet", "args": {"dimensions": 3}}, "evaluator": {"name": "X"}}
    _, text = run(tmp_path, {"pre_transforms": [{"name": "LoadImaged", "args": {"keys": "i"}}]}, 4)
    assert '\n                    "image_only": false\n' in text  # 5 levels of 4 spaces
    _, text = run(tmp_path / "b", train, 4)
    assert '\n                "spatial_dims": 3\n' in text  # 4 levels of 4 spaces


# -- 4.0 specifics -------------------------------------------------------------------------------


def test_lambda_conversion() -> None:
    assert convert_lambda("lambda x: x['loss']") == (
        "#monai.handlers.from_engine(['loss'], first=True)"
    )
    assert convert_lambda("lambda x: (x['pred'], x['label'])") == (
        "#monai.handlers.from_engine(['pred', 'label'])"
    )
    assert convert_lambda("lambda x: [x['image']]") == "#monai.handlers.from_engine(['image'])"
    assert convert_lambda("lambda x: None") is None
    assert convert_lambda("#monai.handlers.from_engine(['loss'])") is None
    assert convert_lambda("lambda x: x['pred'][0] + 1") is False


def clara40(train: Mapping[str, Any]) -> str:
    return json.dumps({"epochs": 1, "train": train}, indent=2)


def test_unconvertible_40_parts_are_located(tmp_path: Path) -> None:
    train = {
        "handlers": [
            {"name": "StatsHandler", "args": {"output_transform": "lambda x: x['loss'].item()"}},
            {"name": "CheckpointSaver", "args": {"save_dir": "m", "save_dict": ["model", "ema"]}},
        ],
        "model": {"name": "UNet", "args": {}},
    }
    text = clara40(train)
    mmar = make_mmar(tmp_path / "in", {"config_train.json": text}, env=False)
    report = migrate(mmar, tmp_path / "out")
    pointers = [u.pointer for u in report.unmigrated]
    assert pointers == [
        "/train/handlers/0/args/output_transform",
        "/train/handlers/1/args/save_dict",
        "/train/model/args",  # UNet without its required arguments: validate's C003, listed
    ]
    lines = text.splitlines()
    u = report.unmigrated[0]
    assert lines[u.line - 1][u.column - 1 :].startswith('"lambda x:')
    assert "ema" in report.unmigrated[1].message


def test_metrics_without_a_flag_take_the_first_as_key(tmp_path: Path) -> None:
    train = {
        "metrics": [{"name": "Accuracy", "log_label": "a"}, {"name": "MeanDice", "log_label": "d"}],
        "trainer": {"name": "SupervisedTrainer", "args": {"max_epochs": 1}},
    }
    mmar = make_mmar(tmp_path / "in", {"config_train.json": clara40(train)}, env=False)
    report = migrate(mmar, tmp_path / "out")
    out = json.loads((tmp_path / "out" / "config" / "config_train.json").read_text())["train"]
    assert out["key_metric"]["name"] == "Accuracy"
    assert [m["name"] for m in out["additional_metrics"]] == ["MeanDice"]
    assert out["trainer"]["args"]["key_train_metric"] == "@key_metric"
    assert out["trainer"]["args"]["additional_metrics"] == "@additional_metrics"
    assert any("none had is_key_metric" in c.message for c in report.changes)


# -- safety --------------------------------------------------------------------------------------


def test_never_in_place_and_never_over_a_full_folder(tmp_path: Path) -> None:
    mmar = make_mmar(tmp_path / "in", {"config_train.json": config({})})
    with pytest.raises(MigrationError):
        migrate(mmar, mmar)
    with pytest.raises(MigrationError):
        migrate(mmar, mmar / "migrated")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(MigrationError):
        migrate(mmar, tmp_path / "full")


def test_output_is_a_full_copy(tmp_path: Path) -> None:
    mmar = make_mmar(tmp_path / "in", {"config_train.json": config({})})
    (mmar / "custom").mkdir()
    (mmar / "custom" / "net.py").write_text("class Net: ...\n")
    (mmar / "models").mkdir()
    (mmar / "models" / "model.pt").write_bytes(b"\x00\x01")
    report = migrate(mmar, tmp_path / "out")
    assert report.files == []  # nothing to change
    for rel in ("custom/net.py", "models/model.pt", "config/environment.json"):
        assert (tmp_path / "out" / rel).read_bytes() == (mmar / rel).read_bytes()


def test_clara_3x_config_is_reported_not_rewritten(tmp_path: Path) -> None:
    mmar = make_mmar(tmp_path / "in", {"config_train.json": CORPUS / "mmar-3x/trn_base.json"})
    report = migrate(mmar, tmp_path / "out")
    (u,) = report.unmigrated
    assert "3.x" in u.message and (u.line, u.column) == (1, 1)
    copied = (tmp_path / "out" / "config" / "config_train.json").read_text()
    assert copied == (CORPUS / "mmar-3x/trn_base.json").read_text()
