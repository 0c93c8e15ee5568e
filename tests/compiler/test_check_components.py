"""Stage 5: components against the catalog (C001-C009), custom classes read by ast.

The corpus tests pin the *complete* list of component diagnostics of every real Clara 4.x
file, so nothing spurious can creep in. Each check has a valid and a broken case; where
the error is a construction-time one, the test also builds the class with MONAI, so the
catalog can never claim something MONAI disagrees with.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mmarc.catalog import Catalog, load_catalog
from mmarc.compiler.check_components import CLARA_MONAI, check_components
from mmarc.compiler.component_sites import iter_components
from mmarc.compiler.components.annotations import value_fits
from mmarc.compiler.components.implicit import (
    IMPLICIT_ARGUMENTS,
    implicit_arguments,
    implicit_wiring,
    section_slots,
)
from mmarc.compiler.kinds import FileKind, detect_kind
from mmarc.compiler.source import SourceFile, load_source, parse_text
from mmarc.compiler.substitute import collect_variables, substitute
from mmarc.compiler.versions import ClaraVersion, detect_version
from mmarc.diagnostics import Diagnostic, Severity

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
EXAMPLE = Path(__file__).parents[2] / "examples" / "digits_cnn"

V40, V41 = ClaraVersion.V40, ClaraVersion.V41
E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def run_check(
    text: str,
    version: ClaraVersion = V41,
    kind: FileKind = FileKind.TRAIN,
    root: Path | None = None,
    name: str = "config_train.json",
) -> list[Diagnostic]:
    source, diagnostics = parse_text(text, Path(name))
    assert not diagnostics
    variables = collect_variables([(source, kind)], None, {})
    tree, _ = substitute(source, variables)
    return check_components(
        source, kind, tree, load_catalog(), version, root or Path("/nonexistent-mmar")
    )


def train(section: Mapping[str, Any], top: Mapping[str, Any] | None = None) -> str:
    """A config_train.json whose train section is ``section``, indented like Clara's."""
    return json.dumps({**(top or {}), "train": section}, indent=2)


def codes(diagnostics: list[Diagnostic], *, infos: bool = False) -> list[str]:
    return [d.code for d in diagnostics if infos or d.severity is not Severity.INFO]


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of ``needle`` in ``text``."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    source = SourceFile(Path("x.json"), "x.json", text)
    return source.line_col(offset)


def located(d: Diagnostic) -> tuple[str, Severity, int | None, int | None]:
    return (d.code, d.severity, d.line, d.column)


# -- the corpus: the complete list, per file ---------------------------------------------------


def corpus_check(relative: str) -> list[Diagnostic]:
    path = CORPUS / relative
    source, diagnostics = load_source(path, relative)
    assert not diagnostics
    kind = detect_kind(path, source.root)
    assert kind is not None
    env_path = path.parent / "environment.json"
    if not env_path.exists():  # the 4.0 and FL examples come without one; 4.1's fits them
        env_path = CORPUS / "mmar-4.1" / "environment.json"
    variables = collect_variables([(source, kind)], load_source(env_path)[0], {})
    tree, _ = substitute(source, variables)
    version = detect_version(source, kind).version
    return check_components(source, kind, tree, load_catalog(), version, path.parent)


CORPUS_EXPECTED: dict[str, list[tuple[str, Severity, int, int]]] = {
    "mmar-4.1/config_train_Unet.json": [
        ("C005", E, 40, 9),  # UNet "dimensions" -> spatial_dims
        ("C005", INFO, 50, 17),  # LoadImaged image_only default changed
        ("C005", W, 195, 11),  # AsDiscreted "n_classes": ignored by MONAI 1.x
        ("C009", INFO, 2, 3),
    ],
    "mmar-4.1/config_validation.json": [
        ("C005", E, 20, 15),  # image_only default, and the file reads image_meta_dict
        ("C005", W, 136, 10),
        ("C009", INFO, 2, 3),
    ],
    "mmar-4.0/config_train_Unet.json": [
        ("C005", E, 37, 9),  # dimensions
        ("C005", INFO, 47, 17),
        ("C005", E, 197, 24),  # to_onehot: true -> ValueError
        ("C005", W, 198, 11),  # n_classes
        ("C009", INFO, 1, 1),
    ],
    "fl/clara40_config_fed_server.json": [
        ("C005", E, 38, 11),  # model_persistor.args.model UNet dimensions
        ("C009", INFO, 2, 3),
    ],
    "fl/clara40_config_fed_client.json": [],
    "fl/clara40_config_fed_client_w_SVT.json": [],
    "fl/clara40ea_config_fed_client.json": [],
    "mmar-3x/trn_base.json": [],  # Clara 3.x: not checked against MONAI (V001 says why)
    "mmar-3x/environment.json": [],
    "mmar-4.1/environment.json": [],
}


@pytest.mark.parametrize("relative", sorted(CORPUS_EXPECTED))
def test_corpus_gets_exactly_its_real_problems(relative: str) -> None:
    assert [located(d) for d in corpus_check(relative)] == CORPUS_EXPECTED[relative]


def test_corpus_dimensions_says_spatial_dims_at_the_key() -> None:
    found = corpus_check("mmar-4.1/config_train_Unet.json")[0]
    assert found.code == "C005" and found.pointer == "/train/model/args/dimensions"
    assert '"spatial_dims"' in found.message and "MONAI 1.0" in found.message
    assert found.hint is not None and "spatial_dims" in found.hint
    assert (found.line, found.column, found.end_column) == (40, 9, 21)  # the quoted key


def test_corpus_n_classes_and_to_onehot_messages() -> None:
    diags = corpus_check("mmar-4.0/config_train_Unet.json")
    onehot = next(d for d in diags if d.pointer and d.pointer.endswith("to_onehot"))
    assert "to_onehot: true no longer works" in onehot.message
    n_classes = next(d for d in diags if d.pointer and d.pointer.endswith("n_classes"))
    assert "removed" in n_classes.message and "ignores it" in n_classes.message


def test_corpus_findings_agree_with_monai() -> None:
    """What the corpus diagnostics claim is what the installed MONAI does."""
    import torch
    from monai.networks.nets import UNet
    from monai.transforms import AsDiscreted

    corpus = json.loads((CORPUS / "mmar-4.1/config_train_Unet.json").read_text())
    unet_args = dict(corpus["train"]["model"]["args"])
    with pytest.raises(TypeError, match="dimensions"):
        UNet(**unet_args)
    unet_args["spatial_dims"] = unet_args.pop("dimensions")
    UNet(**unet_args)  # the fix builds
    post = corpus["train"]["post_transforms"][1]["args"]
    AsDiscreted(**post)  # 4.1: n_classes is swallowed by **kwargs (a warning, not an error)
    old = json.loads((CORPUS / "mmar-4.0/config_train_Unet.json").read_text())
    with pytest.raises(ValueError, match="to_onehot"):
        AsDiscreted(**old["train"]["post_transforms"][1]["args"])
    fixed = AsDiscreted(keys=["pred", "label"], argmax=[True, False], to_onehot=2)
    out = fixed({"pred": torch.rand(2, 4, 4), "label": torch.zeros(1, 4, 4)})
    assert out["label"].shape[0] == 2


# -- C001 unknown component --------------------------------------------------------------------


def test_known_component_is_fine() -> None:
    assert codes(run_check(train({"loss": {"name": "DiceLoss"}}))) == []


def test_unknown_component_name_with_did_you_mean() -> None:
    text = train({"loss": {"name": "DiceLos"}})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C001" and d.severity is E
    assert (d.line, d.column) == at(text, '"DiceLos"')
    assert d.hint is not None and '"DiceLoss"' in d.hint
    import monai.losses

    assert not hasattr(monai.losses, "DiceLos")


def test_unknown_dotted_path_suggests_the_real_one() -> None:
    text = train({"model": {"path": "monai.networks.nets.UNett", "args": {}}})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C001" and "UNett" in d.message
    assert (d.line, d.column) == at(text, '"monai.networks.nets.UNett"')


def test_alias_suffix_is_not_part_of_the_class_name() -> None:
    assert codes(run_check(train({"loss": {"name": "DiceLoss#myloss"}}))) == []
    text = train({"loss": {"name": "DiceLos#myloss"}})
    (d,) = [d for d in run_check(text) if d.code == "C001"]
    # the underline covers the class part only
    assert (d.line, d.column) == at(text, "DiceLos#")
    assert d.column is not None and d.end_column == d.column + len("DiceLos")


def test_wrong_kind_of_class_for_the_slot() -> None:
    text = train({"key_metric": {"name": "DiceMetric", "log_label": "d"}})
    (d,) = [d for d in run_check(text) if d.code == "C001"]
    assert d.severity is W and "metric" in d.message and "MeanDice" in (d.hint or "")


# -- C002 unknown argument ---------------------------------------------------------------------

UNET: dict[str, Any] = {
    "spatial_dims": 2,
    "in_channels": 1,
    "out_channels": 2,
    "channels": [4, 8],
    "strides": [2],
}


def test_known_arguments_are_fine_and_build() -> None:
    from monai.networks.nets import UNet

    assert codes(run_check(train({"model": {"name": "UNet", "args": UNET}}))) == []
    UNet(**UNET)


def test_unknown_argument_with_did_you_mean_at_the_key() -> None:
    from monai.networks.nets import UNet

    args = {**UNET, "num_res_unit": 2}
    text = train({"model": {"name": "UNet", "args": args}})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C002" and d.severity is E and '"num_res_unit"' in d.message
    assert (d.line, d.column) == at(text, '"num_res_unit"')
    assert d.hint == 'did you mean "num_res_units"?'
    with pytest.raises(TypeError, match="num_res_unit"):
        UNet(**args)


def test_forwarded_kwargs_are_checked_too() -> None:
    """monai.data.DataLoader passes **kwargs to torch's: batch_size is known, batch_sise not."""
    from monai.data import DataLoader

    ok = {"dataloader": {"name": "DataLoader", "args": {"dataset": "@dataset", "batch_size": 2}}}
    assert codes(run_check(train(ok))) == []
    bad = {"dataloader": {"name": "DataLoader", "args": {"dataset": "@dataset", "batch_sise": 2}}}
    (d,) = [d for d in run_check(train(bad)) if d.code != "C009"]
    assert d.code == "C002" and d.hint == 'did you mean "batch_size"?'
    with pytest.raises(TypeError, match="batch_sise"):
        DataLoader([1, 2], batch_sise=2)  # type: ignore[arg-type]


def test_clara_attribute_inside_args_is_explained() -> None:
    text = train({"loss": {"name": "DiceLoss", "args": {"disabled": True}}})
    (d,) = [d for d in run_check(text) if d.code == "C002"]
    assert "beside" in (d.hint or "")


# -- C003 missing required argument ------------------------------------------------------------


def test_missing_required_argument_at_the_args_key() -> None:
    from monai.networks.nets import UNet

    args = {k: v for k, v in UNET.items() if k != "strides"}
    text = train({"model": {"name": "UNet", "args": args}})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C003" and '"strides"' in d.message
    assert d.pointer == "/train/model/args"
    assert (d.line, d.column) == at(text, '"args"')
    with pytest.raises(TypeError, match="strides"):
        UNet(**args)


def test_missing_required_without_args_is_located_at_the_name() -> None:
    text = train({"inferer": {"name": "SlidingWindowInferer"}})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C003" and "roi_size" in d.message
    assert (d.line, d.column) == at(text, '"SlidingWindowInferer"')
    from monai.inferers import SlidingWindowInferer

    with pytest.raises(TypeError, match="roi_size"):
        SlidingWindowInferer()  # type: ignore[call-arg]


def test_runtime_injected_device_is_never_missing() -> None:
    from monai.engines import SupervisedEvaluator

    evaluator = {"name": "SupervisedEvaluator", "args": {"val_data_loader": "@x", "network": "@y"}}
    for version in (V40, V41):
        assert codes(run_check(train({"evaluator": evaluator}), version)) == []
    with pytest.raises(TypeError, match="device"):
        SupervisedEvaluator(val_data_loader=[], network=None)  # type: ignore[call-arg, arg-type]


def test_clara40_implicit_wiring_is_not_missing_but_41_must_write_it() -> None:
    section = {"optimizer": {"name": "Adam", "args": {"lr": 0.1}}}
    assert codes(run_check(train(section), V40)) == []
    (d,) = [d for d in run_check(train(section), V41) if d.code != "C009"]
    assert d.code == "C003" and '"params"' in d.message
    assert d.hint is not None and "#@model.parameters()" in d.hint


def test_datalist_supplies_dataset_data() -> None:
    with_list = {"dataset": {"name": "CacheDataset", "data_list_file_path": "x.json", "args": {}}}
    assert codes(run_check(train(with_list))) == []
    without = {"dataset": {"name": "CacheDataset", "args": {}}}
    assert codes(run_check(train(without))) == ["C003"]


def test_implicit_arguments_name_real_parameters(catalog: Catalog) -> None:
    """Every implicit argument is a parameter of the class it is injected into."""
    by_slot = {
        "dataset": "CacheDataset",
        "dataloader": "DataLoader",
        "optimizer": "Adam",
        "lr_scheduler": "StepLR",
    }
    for implicit in IMPLICIT_ARGUMENTS:
        classes = implicit.classes or {by_slot[s] for s in implicit.slots if s in by_slot}
        assert classes, implicit
        for cls in classes:
            entry = catalog.lookup(cls).entry
            assert entry is not None and entry.accepted_param(implicit.argument), (cls, implicit)
    # and together with max_epochs they cover what the engines require
    for cls, slot in (("SupervisedTrainer", "trainer"), ("SupervisedEvaluator", "evaluator")):
        entry = catalog.lookup(cls).entry
        assert entry is not None
        covered = {a.argument for a in implicit_arguments(slot, cls, V40)} | {"max_epochs"}
        assert {p.name for p in entry.required_params} <= covered


def test_implicit_wiring_of_the_clara40_corpus() -> None:
    """What a 4.0 config leaves out, as the plan/executor and migrate read it."""
    source, _ = load_source(CORPUS / "mmar-4.0/config_train_Unet.json")
    slots = section_slots(FileKind.TRAIN, source.root)
    assert {"key_metric", "additional_metrics"} <= slots["validate"]
    assert "additional_metrics" not in slots["train"]  # one metric: key only
    variables = {"amp", "epochs"}
    wiring = {
        site.parts: implicit_wiring(FileKind.TRAIN, site, slots, variables)
        for site in iter_components(FileKind.TRAIN, source.root)
    }
    assert wiring[("train", "trainer")] == {
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
    assert wiring[("validate", "evaluator")]["network"] == "@model"  # train's, shared
    assert wiring[("validate", "evaluator")]["additional_metrics"] == "@additional_metrics"
    assert wiring[("train", "handlers", 2)] == {"validator": "@evaluator"}
    assert wiring[("train", "optimizer")] == {"params": "#@model.parameters()"}
    assert wiring[("train", "model")] == {}
    # without an amp variable nothing refers to one
    trainer = next(s for s in iter_components(FileKind.TRAIN, source.root) if s.slot == "trainer")
    assert "amp" not in implicit_wiring(FileKind.TRAIN, trainer, slots, set())


# -- C004 wrong type -----------------------------------------------------------------------------


def test_literal_values_checked_against_annotations() -> None:
    args = {**UNET, "in_channels": "1"}
    text = train({"model": {"name": "UNet", "args": args}})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C004" and "int" in d.message and 'string "1"' in d.message
    assert (d.line, d.column) == at(text, '"1"')  # the value, not the key
    assert d.hint == "write 1 without quotes"
    from monai.networks.nets import UNet

    with pytest.raises(TypeError):
        UNet(**args)


def test_int_fits_float_but_bool_fits_neither() -> None:
    ok = {"name": "ScaleIntensityRanged", "args": {"keys": "image", "a_min": -57, "a_max": 164}}
    assert codes(run_check(train({"pre_transforms": [ok]}))) == []
    bad = {"name": "ScaleIntensityRanged", "args": {"keys": "image", "a_min": True, "a_max": 1}}
    assert codes(run_check(train({"pre_transforms": [bad]}))) == ["C004"]


def test_literal_choices() -> None:
    import torch

    def scheduler(mode: str) -> str:
        return train(
            {
                "lr_scheduler": {
                    "name": "CyclicLR",
                    "args": {"optimizer": "@o", "base_lr": 0.1, "max_lr": 1.0, "mode": mode},
                }
            }
        )

    assert codes(run_check(scheduler("triangular"))) == []
    assert codes(run_check(scheduler("triangle"))) == ["C004"]
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="mode"):
        torch.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, mode="triangle")  # type: ignore[arg-type]


def test_sequences_and_optional() -> None:
    ok = {"name": "Spacingd", "args": {"keys": ["image"], "pixdim": [1.0, 1, 2.5]}}
    assert codes(run_check(train({"pre_transforms": [ok]}))) == []
    bad = {"name": "Spacingd", "args": {"keys": ["image"], "pixdim": [1.0, "x"]}}
    assert codes(run_check(train({"pre_transforms": [bad]}))) == ["C004"]
    nulls = {
        "name": "ScaleIntensityRanged",
        "args": {"keys": "i", "a_min": 0, "a_max": 1, "b_min": None},
    }
    assert codes(run_check(train({"pre_transforms": [nulls]}))) == []


def test_dynamic_values_and_unknown_annotations_are_skipped() -> None:
    section = {
        "model": {"name": "UNet", "args": {**UNET, "in_channels": "@channels"}},
        "handlers": [
            {
                "name": "StatsHandler",
                "args": {"output_transform": "lambda x: None", "tag_name": "#1"},
            },
        ],
        "pre_transforms": [{"name": "LoadImaged", "args": {"keys": "image", "dtype": 12}}],
    }
    assert codes(run_check(train(section))) == []
    # an undefined {VAR} stays a placeholder: X001 reports it, C004 does not guess
    text = train({"model": {"name": "UNet", "args": {**UNET, "in_channels": "{NOPE}"}}})
    assert codes(run_check(text)) == []


def test_type_error_from_a_variable_names_the_variable(tmp_path: Path) -> None:
    text = train(
        {"trainer": {"name": "SupervisedTrainer", "args": {"max_epochs": "{epochs}"}}},
        {"epochs": "two"},
    )
    (d,) = [d for d in run_check(text, V40) if d.code == "C004"]
    assert "(the value of {epochs})" in d.message
    assert (d.line, d.column) == at(text, '"{epochs}"')


def test_value_fits_never_guesses() -> None:
    source, _ = parse_text('{"a": "x", "b": 3, "c": [1, 2]}', Path("x.json"))
    node = source.node_at(("a",))
    assert node is not None
    assert value_fits("DtypeLike", node) is None
    assert value_fits("Callable[..., Any] | None", node) is None
    assert value_fits("str | torch.device", node) is True
    three = source.node_at(("b",))
    pair = source.node_at(("c",))
    assert three is not None and pair is not None
    assert value_fits("Sequence[int] | int", three) is True
    assert value_fits("tuple[int, int, int]", pair) is None  # length: not ours to guess
    assert value_fits("tuple[int, ...]", pair) is True
    assert value_fits("dict[str, int]", pair) is False


def test_clara40_name_lists_are_fine_in_40_only() -> None:
    saver = {"name": "CheckpointSaver", "args": {"save_dir": "m", "save_dict": ["model"]}}
    assert codes(run_check(train({"handlers": [saver]}), V40)) == []
    (d,) = [d for d in run_check(train({"handlers": [saver]}), V41) if d.code != "C009"]
    assert d.code == "C004" and "Clara 4.0" in d.message


# -- C005 / C006 renamed or removed ------------------------------------------------------------


def test_removed_component_is_c006_with_the_replacement() -> None:
    import monai.transforms

    text = train({"pre_transforms": [{"name": "AddChanneld", "args": {"keys": "image"}}]})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C006" and d.severity is E and "EnsureChannelFirstd" in d.message
    assert (d.line, d.column) == at(text, '"AddChanneld"')
    assert 'channel_dim: "no_channel"' in (d.hint or "")
    assert not hasattr(monai.transforms, "AddChanneld")
    text = train({"pre_transforms": [{"name": "LoadNiftid", "args": {"keys": "image"}}]})
    assert [d.code for d in run_check(text) if d.code != "C009"] == ["C006"]
    assert not hasattr(monai.transforms, "LoadNiftid")


def test_removed_component_by_path() -> None:
    text = train({"pre_transforms": [{"path": "monai.transforms.AddChanneld", "args": {}}]})
    assert codes(run_check(text)) == ["C006"]


def test_catalog_deprecated_argument_is_c005() -> None:
    """VNet's dropout_prob is deprecated onto two new arguments: MONAI fails on any value."""
    from monai.networks.nets import VNet

    args: dict[str, Any] = {"spatial_dims": 3, "dropout_prob": 0.5}
    text = train({"model": {"name": "VNet", "args": args}})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert d.code == "C005" and d.severity is E and "dropout_prob_up" in d.message
    assert (d.line, d.column) == at(text, '"dropout_prob"')
    with pytest.raises(TypeError):
        VNet(**args)
    fixed: dict[str, Any] = {"spatial_dims": 3, "dropout_prob_down": 0.5}
    assert codes(run_check(train({"model": {"name": "VNet", "args": fixed}}))) == []
    VNet(**fixed)


def test_argument_removed_and_accepted_by_kwargs_is_a_warning() -> None:
    from monai.transforms import AsDiscreted

    args: dict[str, Any] = {"keys": "pred", "to_onehot": 2, "n_classes": 2}
    text = train({"post_transforms": [{"name": "AsDiscreted", "args": args}]})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert (d.code, d.severity) == ("C005", W)
    AsDiscreted(**args)


def test_old_value_form_is_c005_at_the_value() -> None:
    args = {"keys": "pred", "argmax": True, "to_onehot": True}
    text = train({"post_transforms": [{"name": "AsDiscreted", "args": args}]})
    (d,) = [d for d in run_check(text) if d.code != "C009"]
    assert (d.code, d.severity) == ("C005", E)
    assert (d.line, d.column) == at(text, "true", 1)


# -- C007 custom code ------------------------------------------------------------------------------


def test_example_custom_network_is_checked_from_its_source() -> None:
    config = EXAMPLE / "config" / "config_train.json"
    source, _ = load_source(config)
    variables = collect_variables([(source, FileKind.TRAIN)], None, {})
    tree, _ = substitute(source, variables)
    found = check_components(source, FileKind.TRAIN, tree, load_catalog(), V41, EXAMPLE)
    assert codes(found) == []
    assert "digits_net" not in sys.modules  # read, never imported


def custom_mmar(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        path = tmp_path / "custom" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return tmp_path


def test_custom_class_arguments(tmp_path: Path) -> None:
    root = custom_mmar(
        tmp_path,
        {
            "nets.py": """
                raise SystemExit("never run")
                from torch import nn

                class Net(nn.Module):
                    def __init__(self, in_channels: int, num_classes: int = 10):
                        super().__init__()
            """
        },
    )

    def model(args: dict[str, Any], path: str = "nets.Net") -> str:
        return train({"model": {"path": path, "args": args}})

    assert codes(run_check(model({"in_channels": 1}), root=root)) == []
    found = run_check(model({"in_channels": 1, "num_class": 3}), root=root)
    assert [(d.code, d.hint) for d in found if d.code != "C009"] == [
        ("C002", 'did you mean "num_classes"?')
    ]
    assert codes(run_check(model({"num_classes": 3}), root=root)) == ["C003"]
    assert codes(run_check(model({"in_channels": "1"}), root=root)) == ["C004"]
    (d,) = [d for d in run_check(model({}, "nets.Nett"), root=root) if d.code != "C009"]
    assert d.code == "C001" and d.hint == 'did you mean "nets.Net"?'
    assert (d.line, d.column) == at(model({}, "nets.Nett"), '"nets.Nett"')
    # "name" cannot reach a custom class: say to use "path"
    text = train({"model": {"name": "Net", "args": {}}})
    (d,) = [d for d in run_check(text, root=root) if d.code != "C009"]
    assert d.code == "C001" and '"path": "nets.Net"' in (d.hint or "")


def test_custom_inheritance_dataclasses_and_kwargs(tmp_path: Path) -> None:
    root = custom_mmar(
        tmp_path,
        {
            "base.py": """
                import torch

                class Base(torch.nn.Module):
                    def __init__(self, width: int = 8, depth: int = 2):
                        super().__init__()
            """,
            "pkg/__init__.py": "",
            "pkg/heads.py": """
                from dataclasses import dataclass, field
                from base import Base
                from monai.networks.nets import UNet
                import somewhere_else

                class Child(Base):
                    pass

                class Wide(Base):
                    def __init__(self, scale: float, **kwargs):
                        super().__init__(**kwargs)

                class Opaque(somewhere_else.Thing):
                    pass

                class Loose:
                    def __init__(self, **kwargs):
                        self.kwargs = kwargs

                class MyUNet(UNet):
                    pass

                @dataclass
                class Settings:
                    size: int
                    names: list = field(default_factory=list)
            """,
        },
    )

    def model(path: str, args: dict[str, Any]) -> list[Diagnostic]:
        return run_check(train({"model": {"path": path, "args": args}}), root=root)

    assert codes(model("pkg.heads.Child", {"width": 4})) == []
    assert codes(model("pkg.heads.Child", {"widht": 4})) == ["C002"]
    assert codes(model("pkg.heads.Wide", {"scale": 2.0, "depth": 3})) == []
    assert codes(model("pkg.heads.Wide", {"scale": 2.0, "dpth": 3})) == ["C002"]
    assert codes(model("pkg.heads.MyUNet", UNET)) == []  # inherited from the catalog
    assert codes(model("pkg.heads.MyUNet", {**UNET, "num_res_unit": 2})) == ["C002"]
    assert codes(model("pkg.heads.Settings", {"size": 3})) == []
    assert codes(model("pkg.heads.Settings", {"names": []})) == ["C003"]
    opaque = [d for d in model("pkg.heads.Opaque", {"anything": 1}) if d.code != "C009"]
    assert [(d.code, d.severity) for d in opaque] == [("C007", W)]
    assert "somewhere_else.Thing" in opaque[0].message
    assert codes(model("pkg.heads.Loose", {"anything": 1}), infos=False) == ["C007"]


def test_uncheckable_path_is_c007_warning(tmp_path: Path) -> None:
    text = train({"model": {"path": "some_package.models.Net", "args": {"a": 1}}})
    (d,) = [d for d in run_check(text, root=tmp_path) if d.code != "C009"]
    assert (d.code, d.severity) == ("C007", W)
    broken = custom_mmar(tmp_path, {"bad.py": "class X(:\n"})
    (d,) = [
        d for d in run_check(train({"model": {"path": "bad.X"}}), root=broken) if d.code != "C009"
    ]
    assert (d.code, d.severity) == ("C007", W) and "syntax error" in d.message


def test_path_in_a_module_the_catalog_skipped_is_c007(catalog: Catalog) -> None:
    from mmarc.catalog import SkippedSource

    rows = [catalog.lookup("DiceLoss").entry.to_json()]  # type: ignore[union-attr]
    fake = Catalog(
        "1.6.1", "2", None, "3.11", rows, (SkippedSource("monai.apps.pathology", "no cucim"),)
    )
    text = train({"model": {"path": "monai.apps.pathology.Net"}})
    source, _ = parse_text(text, Path("config_train.json"))
    assert source.root is not None
    found = check_components(source, FileKind.TRAIN, source.root, fake, V41, Path("."))
    (d,) = [d for d in found if d.code != "C009"]
    assert (d.code, d.severity) == ("C007", W) and "no cucim" in d.message


# -- C008 ambiguity ------------------------------------------------------------------------------


def test_ambiguity_reported_only_when_it_matters() -> None:
    from ignite.metrics import ConfusionMatrix as IgniteCM
    from monai.handlers import ConfusionMatrix as MonaiCM

    monai_args = {"name": "ConfusionMatrix", "log_label": "cm", "args": {"metric_name": "f1 score"}}
    assert codes(run_check(train({"key_metric": monai_args}))) == []
    ignite_args = {"name": "ConfusionMatrix", "log_label": "cm", "args": {"num_classes": 2}}
    found = run_check(train({"key_metric": ignite_args}))
    c008 = [d for d in found if d.code == "C008"]
    assert len(c008) == 1 and c008[0].severity is W
    assert "monai.handlers.ConfusionMatrix" in c008[0].message
    assert c008[0].hint == 'write "path": "ignite.metrics.ConfusionMatrix" to build that one'
    with pytest.raises(TypeError):
        MonaiCM(num_classes=2)  # type: ignore[call-arg]
    IgniteCM(num_classes=2)


# -- C009 and the rest -----------------------------------------------------------------------------


def test_c009_depends_on_the_catalogs_monai(catalog: Catalog) -> None:
    text = train({"loss": {"name": "DiceLoss"}}, {"CLARA_TRAIN_VERSION": "4.1.0"})
    source, _ = parse_text(text, Path("config_train.json"))
    assert source.root is not None
    rows = [json.loads(json.dumps(catalog.lookup("DiceLoss").entry.to_json()))]  # type: ignore[union-attr]

    def with_monai(version: str) -> list[Diagnostic]:
        fake = Catalog(version, "2", None, "3.11", rows)
        return check_components(source, FileKind.TRAIN, source.root, fake, V41, Path("."))  # type: ignore[arg-type]

    assert [located(d) for d in with_monai("0.8.1")] == []
    (d,) = with_monai("1.6.1")
    assert (d.code, d.severity, d.pointer) == ("C009", INFO, "/CLARA_TRAIN_VERSION")
    assert "Clara 4.1 MMAR (MONAI 0.8 era) checked against MONAI 1.6.1" in d.message
    (d,) = with_monai("0.4.0")
    assert d.severity is W
    assert CLARA_MONAI[V41] == "0.8"


def test_literally_disabled_component_errors_become_warnings() -> None:
    text = train({"loss": {"name": "DiceLos", "disabled": True}})
    (d,) = [d for d in run_check(text) if d.code == "C001"]
    assert d.severity is W and "disabled" in d.message


def test_refs_and_clara_3x_are_not_checked() -> None:
    assert run_check(train({"loss": {"ref": "Nope"}})) == []
    assert run_check(train({"loss": {"name": "Nope"}}), ClaraVersion.V3X) == []


# -- cost ------------------------------------------------------------------------------------------


def test_validate_path_is_fast_and_imports_nothing_heavy() -> None:
    """Catalog load + checks of a whole MMAR well under 50 ms, without torch/MONAI/jsonschema."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from mmarc.catalog.model import _load, load_catalog
        from mmarc.compiler.check_components import check_components
        from mmarc.compiler.kinds import detect_kind
        from mmarc.compiler.source import load_source
        from mmarc.compiler.substitute import collect_variables, substitute
        from mmarc.compiler.versions import detect_version
        root = Path({str(CORPUS / "mmar-4.1")!r})
        names = ("config_train_Unet.json", "config_validation.json")
        files = [load_source(root / n)[0] for n in names]
        env = load_source(root / "environment.json")[0]
        kinds = [detect_kind(s.path, s.root) for s in files]
        variables = collect_variables(list(zip(files, kinds)), env, {{}})
        trees = [substitute(s, variables)[0] for s in files]
        versions = [detect_version(s, k).version for s, k in zip(files, kinds)]
        best = 1e9
        for _ in range(3):
            _load.cache_clear()
            t = time.perf_counter()
            catalog = load_catalog()
            for s, k, tree, v in zip(files, kinds, trees, versions):
                check_components(s, k, tree, catalog, v, root)
            best = min(best, time.perf_counter() - t)
        heavy = sorted(m for m in ("torch", "monai", "ignite", "jsonschema") if m in sys.modules)
        print(best * 1000, ",".join(heavy))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    _ms, heavy = out.stdout.split()[0], out.stdout.split()[1:]
    assert heavy == [], f"imported {heavy}"
