"""The rules behind L011-L014 and F002-F007, one behaviour at a time.

The mutation cases (tests/mutations) prove each check finds a real mistake at its
line; these tests pin the edges: what is left alone (allow_missing_keys, custom
transforms, keys a transform writes, names that are fine), the header readers on each
NIfTI/NumPy variant, the Clara 4.0 direction of L014, and ``migrate`` rewriting a 4.0
lambda left in a 4.1 file.
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import REPO, tiny_digits

from mmarc import api
from mmarc.compiler.channels import CHANNEL_PRESERVING, CHANNEL_SETTERS
from mmarc.compiler.engine_conventions import EngineOutputUse, engine_output_use
from mmarc.compiler.image_headers import read_image_header
from mmarc.policy.participants import is_email, is_host_name, is_participant_name


def codes(target: Path, *wanted: str) -> list[tuple[str, int | None]]:
    return [(d.code, d.line) for d in api.lint(target).diagnostics if d.code in wanted]


def edit_train(root: Path, change: Any) -> None:
    path = root / "config" / "config_train.json"
    config = json.loads(path.read_text())
    change(config)
    path.write_text(json.dumps(config, indent=2))


# -- participants ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "host", "email"),
    [
        ("localhost", True, False),
        ("fl-server.example.org", True, False),
        ("10.0.0.7", True, False),
        ("::1", True, False),
        ("fl_server", False, False),
        ("-server", False, False),
        ("https://fl.example.org", False, False),
        ("a" * 64 + ".org", False, False),
        ("admin@nvidia.com", False, True),
        ("first.last+fl@site-1.hospital.org", False, True),
        ("admin@", False, False),
        ("a@b@c.org", False, False),
        ("site researcher@org2.com", False, False),
        (".lead@org.com", False, False),
        ("lead@10.0.0.1", False, False),
    ],
)
def test_host_and_email_rules(name: str, host: bool, email: bool) -> None:
    assert is_host_name(name) is host
    assert is_email(name) is email


def test_participant_names_are_kit_folders() -> None:
    assert is_participant_name("site-1") and is_participant_name("admin@nvidia.com")
    for bad in ("../evil", ".", "..", "", "a b", "x" * 129, "site/1"):
        assert not is_participant_name(bad)


def test_provision_refuses_what_validate_reports(tmp_path: Path) -> None:
    project = tmp_path / "project.yml"
    project.write_text(
        "api_version: 3\nname: P\nparticipants:\n"
        "  - {name: server1, type: server, org: o, fed_learn_port: 8003}\n"
        "  - {name: site-1, type: client, org: o}\n"
        "  - {name: Site-1, type: client, org: o}\n"
        "  - {name: lead, type: admin, org: o}\n"
    )
    found = {(d.code, d.line) for d in api.validate(project).diagnostics}
    assert found == {("F003", 4), ("F002", 6), ("F004", 7)}
    inputs = api.provision_inputs(project)
    assert not inputs.ok and inputs.spec is None


# -- engine conventions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "use"),
    [
        ("lambda x: x['loss']", EngineOutputUse.BATCH_DICT),
        ("#lambda x: (x['pred'], x['label'])", EngineOutputUse.BATCH_DICT),
        ("lambda x: x[0]['loss']", EngineOutputUse.ITEMS),
        ("lambda x: x[0]['loss'].item()", EngineOutputUse.ITEMS),
        ("lambda x: None", None),
        ("#monai.handlers.from_engine(['loss'], first=True)", None),
        ("lambda x, y: x['a']", None),
    ],
)
def test_engine_output_use(text: str, use: EngineOutputUse | None) -> None:
    assert engine_output_use(text) is use


def test_clara40_file_indexing_items_is_flagged(tmp_path: Path) -> None:
    source = REPO / "tests/fixtures/corpus/mmar-4.0/config_train_Unet.json"
    text = source.read_text().replace("lambda x: x['loss']", "lambda x: x[0]['loss']", 1)
    assert "x[0]['loss']" in text
    path = tmp_path / "config_train.json"
    path.write_text(text)
    found = [d for d in api.validate(path).diagnostics if d.code == "L014"]
    assert len(found) == 1 and "x[0]['loss']" in text.splitlines()[found[0].line - 1]  # type: ignore[operator]


def test_migrate_rewrites_clara40_lambdas_left_in_a_41_file(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "config").mkdir()
    train = json.loads((REPO / "examples/digits_cnn/config/config_train.json").read_text())
    handlers = train["train"]["handlers"]
    handlers[-1]["args"]["output_transform"] = "lambda x: x['loss']"
    handlers.append(
        {"name": "StatsHandler", "args": {"output_transform": "lambda x: x[0]['loss']"}}
    )
    (root / "config" / "config_train.json").write_text(json.dumps(train, indent=2))
    for name in ("environment.json", "config_validation.json"):
        (root / "config" / name).write_text(
            (REPO / "examples/digits_cnn/config" / name).read_text()
        )
    assert [d.code for d in api.validate(root).diagnostics if d.code == "L014"] == ["L014"]
    report = api.migrate(root, tmp_path / "out")
    assert report.complete, report.lines()
    migrated = json.loads((tmp_path / "out/config/config_train.json").read_text())
    transforms = [h["args"].get("output_transform") for h in migrated["train"]["handlers"][-2:]]
    assert transforms == [
        "#monai.handlers.from_engine(['loss'], first=True)",
        "lambda x: x[0]['loss']",
    ]
    assert not [d for d in api.validate(tmp_path / "out").diagnostics if d.code == "L014"]


# -- datalist keys and channels --------------------------------------------------------------


def test_keys_a_transform_writes_and_allow_missing_keys_are_not_flagged(tmp_path: Path) -> None:
    root = tiny_digits(tmp_path, 4, 2)

    def change(config: dict[str, Any]) -> None:
        pre = config["train"]["pre_transforms"]
        pre.insert(1, {"name": "CopyItemsd", "args": {"keys": "image", "names": "copy"}})
        pre.insert(
            2,
            {
                "name": "ScaleIntensityd",
                "args": {"keys": ["copy", "extra"], "allow_missing_keys": True},
            },
        )
        pre.insert(3, {"name": "DeleteItemsd", "args": {"keys": "image_meta_dict"}})

    edit_train(root, change)
    assert codes(root, "L012") == []


def test_keys_after_a_custom_transform_are_not_followed(tmp_path: Path) -> None:
    root = tiny_digits(tmp_path, 4, 2)

    def change(config: dict[str, Any]) -> None:
        pre = config["train"]["pre_transforms"]
        pre.insert(1, {"path": "digits_net.AddSomething", "args": {"keys": "image"}})
        pre.insert(2, {"name": "NormalizeIntensityd", "args": {"keys": "something"}})

    edit_train(root, change)
    assert codes(root, "L012") == []


def test_channels_follow_repeat_and_ensure_channel_first(tmp_path: Path) -> None:
    root = tiny_digits(tmp_path, 4, 2)

    def change(config: dict[str, Any]) -> None:
        pre = config["train"]["pre_transforms"]
        pre.insert(2, {"name": "RepeatChanneld", "args": {"keys": "image", "repeats": 3}})
        config["validate"]["pre_transforms"].insert(2, {"ref": "RepeatChanneld"})

    edit_train(root, change)
    (line,) = [line for code, line in codes(root, "L013")]
    text = (root / "config/config_train.json").read_text().splitlines()
    assert '"in_channels": 1' in text[line - 1]  # type: ignore[operator]

    def fix(config: dict[str, Any]) -> None:
        config["train"]["model"]["args"]["in_channels"] = 3

    edit_train(root, fix)
    assert codes(root, "L013") == []

    def unknown(config: dict[str, Any]) -> None:
        config["train"]["pre_transforms"].insert(
            3, {"name": "Lambdad", "args": {"keys": "image", "func": "#lambda x: x"}}
        )
        config["validate"]["pre_transforms"].insert(3, {"ref": "Lambdad"})
        config["train"]["model"]["args"]["in_channels"] = 5

    edit_train(root, unknown)  # Lambdad may change anything: no verdict
    assert codes(root, "L013") == []


def _nifti1(dims: list[int], order: str = "<") -> bytes:
    header = bytearray(348)
    struct.pack_into(order + "i", header, 0, 348)
    struct.pack_into(order + "8h", header, 40, len(dims), *dims, *[1] * (7 - len(dims)))
    return bytes(header) + b"\0" * 4


def test_nifti_and_npy_headers(tmp_path: Path) -> None:
    import nibabel as nib

    image = nib.Nifti1Image(np.zeros((5, 6, 7, 2), np.float32), np.eye(4))
    image.to_filename(tmp_path / "real.nii.gz")
    assert read_image_header(tmp_path / "real.nii.gz").shape == (5, 6, 7, 2)  # type: ignore[union-attr]
    nib.Nifti2Image(np.zeros((3, 4), np.int16), np.eye(4)).to_filename(tmp_path / "two.nii")
    assert read_image_header(tmp_path / "two.nii").shape == (3, 4)  # type: ignore[union-attr]
    (tmp_path / "big.nii").write_bytes(_nifti1([9, 8, 7], ">"))
    assert read_image_header(tmp_path / "big.nii").shape == (9, 8, 7)  # type: ignore[union-attr]
    with gzip.open(tmp_path / "short.nii.gz", "wb") as fh:
        fh.write(b"not a header")
    assert read_image_header(tmp_path / "short.nii.gz") is None
    np.save(tmp_path / "a.npy", np.zeros((2, 3, 4), np.float32))
    assert read_image_header(tmp_path / "a.npy").shape == (2, 3, 4)  # type: ignore[union-attr]
    (tmp_path / "b.png").write_bytes(b"\x89PNG")
    assert read_image_header(tmp_path / "b.png") is None


def test_channel_tables_name_monai_dictionary_transforms() -> None:
    import torch
    from monai import transforms

    removed = {"AddChanneld", "AsChannelFirstd"}  # MONAI 1.3 removed them; old MMARs use them
    for name in sorted(CHANNEL_PRESERVING | CHANNEL_SETTERS - removed):
        cls = getattr(transforms, name, None)
        assert cls is not None and issubclass(cls, transforms.MapTransform), name
    # the cheap ones, applied to a 2-channel image, keep 2 channels
    image = {"image": torch.rand(2, 8, 8, 8)}
    for name, args in {
        "ScaleIntensityd": {},
        "NormalizeIntensityd": {},
        "RandFlipd": {"prob": 1.0},
        "Resized": {"spatial_size": [4, 4, 4]},
        "SpatialPadd": {"spatial_size": [10, 10, 10]},
        "CenterSpatialCropd": {"roi_size": [4, 4, 4]},
        "RandGaussianNoised": {"prob": 1.0},
        "Spacingd": {"pixdim": [2.0, 2.0, 2.0]},
        "EnsureTyped": {},
    }.items():
        out = getattr(transforms, name)(keys="image", **args)(dict(image))
        assert out["image"].shape[0] == 2, name
