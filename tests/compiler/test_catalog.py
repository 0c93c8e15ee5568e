"""The component catalog: shipped file current, loader cheap, lookups right, renames true.

Most tests read the shipped catalog without torch; the ones that prove the catalog
against reality import MONAI and torch (fine in tests, never in the loader).
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mmarc.catalog import (
    CATEGORIES,
    DEFAULT_CATALOG_PATH,
    MODULE_PRECEDENCE,
    SLOT_CATEGORIES,
    Catalog,
    ComponentEntry,
    ParamKind,
    load_catalog,
    write_catalog,
)
from mmarc.catalog.model import _load
from mmarc.catalog.renames import (
    RENAMES,
    ChangeKind,
    Rename,
    argument_change,
    argument_changes,
    component_change,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def rebuilt() -> Catalog:
    from mmarc.catalog.build import build_catalog

    return build_catalog()


def _live_class(entry: ComponentEntry) -> type:
    module, _, name = entry.path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type)
    return cls


# -- the shipped file --------------------------------------------------------------


@pytest.mark.slow
def test_shipped_catalog_matches_installed_packages(rebuilt: Catalog) -> None:
    shipped = DEFAULT_CATALOG_PATH.read_text(encoding="utf-8")
    fresh = rebuilt.dumps()
    if fresh != shipped:
        old, new = shipped.splitlines(), fresh.splitlines()
        first = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        pytest.fail(
            "mmarc/catalog/data/catalog.json is stale for the installed MONAI "
            f"{rebuilt.monai_version} / torch {rebuilt.torch_version} / ignite "
            f"{rebuilt.ignite_version}: run `mmarc catalog build` and commit the result. "
            f"First difference at line {first + 1}:\n"
            f"  shipped: {old[first][:200] if first < len(old) else '<end>'}\n"
            f"  rebuilt: {new[first][:200] if first < len(new) else '<end>'}"
        )


def test_shipped_catalog_records_versions(catalog: Catalog) -> None:
    import ignite
    import monai
    import torch

    assert catalog.monai_version == monai.__version__.split("+")[0]
    assert catalog.torch_version == torch.__version__.split("+")[0]
    assert catalog.ignite_version == ignite.__version__
    assert "+" not in catalog.torch_version  # a CUDA and a CPU build write the same file
    assert catalog.skipped == ()


def test_shipped_file_is_compact_and_one_component_per_line() -> None:
    text = DEFAULT_CATALOG_PATH.read_text(encoding="utf-8")
    assert len(text.encode()) < 1_000_000
    data = json.loads(text)
    assert len(text.splitlines()) == len(data["components"]) + 2
    assert " at 0x" not in text  # no memory addresses: builds are reproducible


def test_loading_imports_neither_torch_nor_monai() -> None:
    code = (
        "import sys\n"
        "from mmarc.catalog import load_catalog\n"
        "from mmarc.catalog.renames import RENAMES\n"
        "c = load_catalog()\n"
        "c.lookup('UNet'); c.lookup('DataLoader', 'dataloader'); c.suggest('Unet')\n"
        "assert len(list(c)) == len(c)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'monai', 'ignite', 'numpy'))\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_load_is_cached() -> None:
    # how fast it loads is measured by benchmarks/validate_cold.py, not asserted here
    _load.cache_clear()
    first = load_catalog()
    assert load_catalog() is first
    assert load_catalog(DEFAULT_CATALOG_PATH) is first


def test_write_and_load_round_trip(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "sub" / "catalog.json"
    write_catalog(catalog, path)
    assert path.read_text(encoding="utf-8") == DEFAULT_CATALOG_PATH.read_text(encoding="utf-8")
    again = load_catalog(path)
    assert again is not catalog
    assert again.entries == catalog.entries
    assert again.dumps() == catalog.dumps()


def test_writing_forgets_cached_loads(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    small = Catalog.from_entries("1.0", "2.0", None, "3.11", [catalog.entries[0]])
    write_catalog(small, path)
    assert len(load_catalog(path)) == 1
    write_catalog(catalog, path)
    assert len(load_catalog(path)) == len(catalog)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text('{"meta": {"format": 0}, "components": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="mmarc catalog build"):
        load_catalog(path)


def test_every_entry_is_well_formed(catalog: Catalog) -> None:
    paths: set[str] = set()
    for e in catalog:
        assert e.category in CATEGORIES, e.path
        assert e.name == e.names[0], e.path  # the class's own name comes first
        assert not paths & set(e.paths), e.path
        paths |= set(e.paths)
        seen = [p.name for p in e.params]
        assert len(seen) == len(set(seen)), e.path
        for p in e.params:
            if p.required:
                assert p.default is None and p.default_repr is None
            if p.is_variadic:
                assert not p.required
    assert len(catalog) > 700
    assert {e.category for e in catalog} == set(CATEGORIES)


# -- lookups -------------------------------------------------------------------------

#: name -> (public path, category, required parameters in signature order)
EXPECTED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "UNet": (
        "monai.networks.nets.UNet",
        "network",
        ("spatial_dims", "in_channels", "out_channels", "channels", "strides"),
    ),
    "DiceLoss": ("monai.losses.DiceLoss", "loss", ()),
    "Adam": ("torch.optim.Adam", "optimizer", ("params",)),
    "StepLR": ("torch.optim.lr_scheduler.StepLR", "lr_scheduler", ("optimizer", "step_size")),
    "LoadImaged": ("monai.transforms.LoadImaged", "transform", ("keys",)),
    "CacheDataset": ("monai.data.CacheDataset", "dataset", ("data",)),
    "DataLoader": ("monai.data.DataLoader", "dataloader", ("dataset",)),
    "MeanDice": ("monai.handlers.MeanDice", "handler", ()),
    "SupervisedTrainer": (
        "monai.engines.SupervisedTrainer",
        "engine",
        ("device", "max_epochs", "train_data_loader", "network", "optimizer", "loss_function"),
    ),
    "SlidingWindowInferer": ("monai.inferers.SlidingWindowInferer", "inferer", ("roi_size",)),
    "CheckpointSaver": ("monai.handlers.CheckpointSaver", "handler", ("save_dir", "save_dict")),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lookup_of_clara_components(catalog: Catalog, name: str) -> None:
    path, category, required = EXPECTED[name]
    r = catalog.lookup(name)
    assert r.found and r.matched == "name"
    assert r.entry is not None
    assert (r.entry.path, r.entry.category) == (path, category)
    assert tuple(p.name for p in r.entry.required_params) == required
    assert catalog.lookup(path).entry == r.entry  # the public path finds the same class


def test_unet_parameters_in_detail(catalog: Catalog) -> None:
    unet = catalog.lookup("UNet").entry
    assert unet is not None
    assert unet.param("dimensions") is None  # removed in MONAI 1.0 ...
    assert unet.deprecated_arg("dimensions") is None  # ... without a deprecated alias
    change = argument_change("UNet", "dimensions")  # so the renames table supplies it
    assert change is not None and change.new_argument == "spatial_dims"
    spatial = unet.param("spatial_dims")
    assert spatial is not None
    assert spatial.kind is ParamKind.POSITIONAL_OR_KEYWORD and spatial.annotation == "int"
    act = unet.param("act")
    assert act is not None and not act.required and act.default == "PRELU"
    assert not unet.accepts_kwargs
    assert "monai.networks.nets.unet.UNet" in unet.aliases
    assert "Unet" in unet.names


def test_defaults_without_json_form_are_described(catalog: Catalog) -> None:
    load = catalog.lookup("LoadImaged").entry
    assert load is not None
    dtype = load.param("dtype")
    assert dtype is not None and dtype.default is None and dtype.default_repr == "numpy.float32"
    image_only = load.param("image_only")
    assert image_only is not None and image_only.default is True
    assert load.accepts_kwargs  # reader options pass through **kwargs
    assert load.has_tag("dictionary")


def test_kwargs_forwarded_to_super_are_checkable(catalog: Catalog) -> None:
    from monai.data import DataLoader

    dl = catalog.lookup("DataLoader").entry
    assert dl is not None and dl.accepts_kwargs and not dl.accepts_any_keyword
    assert dl.kwargs_target == "torch.utils.data.dataloader.DataLoader"
    batch = dl.accepted_param("batch_size")
    assert batch is not None and batch.default == 1
    assert dl.accepted_param("num_workers") is dl.param("num_workers")  # own, not forwarded
    assert dl.accepted_param("batchsize") is None
    data: Any = [1, 2]
    DataLoader(dataset=data, batch_size=2, shuffle=True)  # what the catalog says works...
    with pytest.raises(TypeError, match="batchsize"):
        DataLoader(dataset=data, batchsize=2)  # ...and what it says does not
    load = catalog.lookup("LoadImaged").entry
    assert load is not None and load.kwargs_target is None and load.accepts_any_keyword


def test_dataloader_is_ambiguous_and_monai_wins(catalog: Catalog) -> None:
    r = catalog.lookup("DataLoader")
    assert r.ambiguous
    assert r.entry is not None and r.entry.path == "monai.data.DataLoader"
    assert [a.path for a in r.alternatives] == ["torch.utils.data.DataLoader"]
    assert "monai.data" in r.why and "precedence" in r.why
    # a hint does not change the winner when both candidates are in the category
    assert catalog.lookup("DataLoader", "dataloader").entry == r.entry
    # a dotted path is never ambiguous
    torch_dl = catalog.lookup("torch.utils.data.DataLoader")
    assert torch_dl.entry is not None and not torch_dl.ambiguous and torch_dl.matched == "path"


@pytest.mark.parametrize(
    ("name", "hint", "expected"),
    [
        ("Dataset", "dataset", "monai.data.Dataset"),
        ("DistributedSampler", None, "monai.data.DistributedSampler"),
        ("LinearLR", "lr_scheduler", "torch.optim.lr_scheduler.LinearLR"),
        ("ExponentialLR", None, "torch.optim.lr_scheduler.ExponentialLR"),
        ("ConfusionMatrix", "key_metric", "monai.handlers.ConfusionMatrix"),
        ("MeanSquaredError", "additional_metrics", "monai.handlers.MeanSquaredError"),
        ("Accuracy", "key_metric", "ignite.metrics.Accuracy"),
        ("Interaction", "iteration_update", "monai.apps.deepgrow.interaction.Interaction"),
        ("Metric", "key_metric", "ignite.metrics.Metric"),  # the slot hint beats precedence
        ("Metric", None, "monai.metrics.Metric"),
    ],
)
def test_precedence(catalog: Catalog, name: str, hint: str | None, expected: str) -> None:
    r = catalog.lookup(name, hint)
    assert r.entry is not None and r.entry.path == expected, r.why


def test_metric_handlers_are_tagged(catalog: Catalog) -> None:
    for name in ("MeanDice", "Accuracy", "ConfusionMatrix"):
        e = catalog.lookup(name, "key_metric").entry
        assert e is not None and e.has_tag("metric_handler"), name
    stats = catalog.lookup("StatsHandler").entry
    assert stats is not None and not stats.has_tag("metric_handler")


def test_hint_outside_every_candidate_still_resolves(catalog: Catalog) -> None:
    r = catalog.lookup("DiceMetric", "key_metric")
    assert r.entry is not None and r.entry.category == "metric"
    assert "none of the candidates is a handler" in r.why


def test_unknown_hint_is_ignored_and_said(catalog: Catalog) -> None:
    r = catalog.lookup("UNet", "no_such_slot")
    assert r.entry is not None and r.entry.path == "monai.networks.nets.UNet"
    assert "no_such_slot" in r.why


def test_paths(catalog: Catalog) -> None:
    # Clara configs write defining-module paths too (corpus: monai.networks.nets.unet.UNet)
    r = catalog.lookup("monai.networks.nets.unet.UNet")
    assert r.entry is not None and r.entry.path == "monai.networks.nets.UNet"
    missing = catalog.lookup("medl.apps.fed_learn.trainers.client_trainer.ClientTrainer")
    assert not missing.found and missing.matched == "none"
    wrong_module = catalog.lookup("monai.transforms.UNet")
    assert not wrong_module.found
    assert "monai.networks.nets.UNet" in wrong_module.why
    assert [a.path for a in wrong_module.alternatives] == ["monai.networks.nets.UNet"]


def test_unknown_names_and_suggestions(catalog: Catalog) -> None:
    assert not catalog.lookup("NoSuchThing").found
    assert catalog.suggest("unet")[0] == "UNet"
    assert catalog.suggest("UNET")[0] == "UNet"
    assert "LoadImaged" in catalog.suggest("LoadImagd")
    assert "SlidingWindowInferer" in catalog.suggest("SlidingWindowInfer")
    assert catalog.suggest("zzzzzzzz") == []
    assert "UNet" in catalog and "monai.networks.nets.UNet" in catalog and "X" not in catalog


def test_slot_categories_name_real_categories() -> None:
    for slot, categories in SLOT_CATEGORIES.items():
        assert categories and set(categories) <= set(CATEGORIES), slot
    assert len(MODULE_PRECEDENCE) == len(set(MODULE_PRECEDENCE))


# -- deprecations MONAI declares ---------------------------------------------------


def test_monai_deprecated_arguments_are_recorded(catalog: Catalog) -> None:
    vnet = catalog.by_path("monai.networks.nets.VNet")
    assert vnet is not None
    olds = {(d.name, d.new_name) for d in vnet.deprecated_args}
    assert olds == {("dropout_prob", "dropout_prob_down"), ("dropout_prob", "dropout_prob_up")}
    d = vnet.deprecated_arg("dropout_prob")
    assert d is not None and d.deprecation.since == "1.2" and not d.deprecation.raises
    merger = catalog.by_path("monai.inferers.ZarrAvgMerger")
    assert merger is not None
    comp = merger.deprecated_arg("compressor")
    assert comp is not None and comp.new_name == "codecs"
    assert (comp.deprecation.since, comp.deprecation.removed) == ("1.5.0", "1.7.0")


def test_monai_deprecated_class_is_recorded(catalog: Catalog) -> None:
    e = catalog.lookup("NormalizeLabelsInDatasetd").entry
    assert e is not None and e.deprecation is not None
    assert e.deprecation.since == "1.6" and e.deprecation.removed == "1.8"
    assert "RemapLabelsToSequentiald" in e.deprecation.message


def test_deprecation_reader_on_synthetic_classes() -> None:
    from monai.utils import deprecated, deprecated_arg

    from mmarc.catalog.build import _deprecations

    class Widget:
        @deprecated_arg("old", since="0.1", new_name="new", msg_suffix="use new")
        @deprecated_arg("gone", since="0.1", removed="0.2")
        def __init__(self, new: int = 0, **kwargs: Any) -> None:
            self.new = new

    args, cls_dep = _deprecations(Widget)
    assert cls_dep is None
    by_name = {a.name: a for a in args}
    assert by_name["old"].new_name == "new" and by_name["old"].deprecation.since == "0.1"
    assert not by_name["old"].deprecation.raises
    assert by_name["gone"].new_name is None and by_name["gone"].deprecation.raises
    assert by_name["gone"].deprecation.removed == "0.2"

    @deprecated(since="0.1", removed="0.2", msg_suffix="use Widget")
    class Old:
        def __init__(self, x: int) -> None:
            self.x = x

    _, cls_dep = _deprecations(Old)
    assert cls_dep is not None and cls_dep.raises and "use Widget" in cls_dep.message


# -- builder robustness ----------------------------------------------------------------


def test_signature_failure_is_recorded_not_raised() -> None:
    from mmarc.catalog.build import _params

    class Opaque:
        __signature__ = 42  # inspect.signature refuses this

    params, error = _params(Opaque)
    assert params == () and error is not None and "TypeError" in error
    entry = ComponentEntry(("Opaque",), "x.Opaque", "helper", signature_error=error)
    assert entry.accepts_kwargs and not entry.signature_known


def test_missing_optional_source_is_skipped_and_required_one_raises() -> None:
    from mmarc.catalog.build import Source, build_catalog

    small = build_catalog(
        (
            Source("monai.inferers", "inferer", base="monai.inferers.Inferer"),
            Source("mmarc_no_such_module", "handler", optional=True),
        )
    )
    assert [s.module for s in small.skipped] == ["mmarc_no_such_module"]
    assert "ModuleNotFoundError" in small.skipped[0].reason
    assert {e.category for e in small} == {"inferer"}
    with pytest.raises(ModuleNotFoundError):
        build_catalog((Source("mmarc_no_such_module", "handler"),))


def test_json_defaults() -> None:
    import enum

    from mmarc.catalog.build import _describe, _json_value

    class Mode(enum.Enum):
        A = "bilinear"

    assert _json_value((1, 2.5, None, True)) == (True, [1, 2.5, None, True])
    assert _json_value(Mode.A) == (True, "bilinear")
    assert _json_value({"b": 1, "a": (2,)}) == (True, {"a": [2], "b": 1})
    assert _json_value(float("inf")) == (False, None)
    assert _json_value(object())[0] is False
    assert _describe(float("nan")) == "nan"
    assert _describe(len) == "builtins.len"
    assert " at 0x" not in _describe(lambda: 0)


# -- renames, verified against the installed MONAI ------------------------------------------


def _signature_params(catalog: Catalog, component: str) -> dict[str, inspect.Parameter]:
    entry = catalog.lookup(component).entry
    assert entry is not None, f"{component} is not in the catalog"
    return dict(inspect.signature(_live_class(entry)).parameters)


def _monai_has(name: str) -> bool:
    for module in ("monai.transforms", "monai.networks.nets", "monai.handlers", "monai.data"):
        if hasattr(importlib.import_module(module), name):
            return True
    return False


@pytest.mark.parametrize(
    "rename", RENAMES, ids=lambda r: f"{r.component}.{r.argument or ''}->{r.kind}"
)
def test_rename_holds_in_installed_monai(catalog: Catalog, rename: Rename) -> None:
    assert rename.fix.strip() and rename.changed_in
    if rename.is_component_change:
        assert rename.component not in catalog
        assert not _monai_has(rename.component)
        if rename.new_component is not None:
            new = catalog.lookup(rename.new_component).entry
            assert new is not None, rename.new_component
            needed = set(rename.set_args) | {v for v in rename.arg_map.values() if v}
            assert needed <= {p.name for p in new.params}, needed
        return
    live = _signature_params(catalog, rename.component)
    assert rename.argument is not None
    if rename.kind in (ChangeKind.ARGUMENT_RENAMED, ChangeKind.ARGUMENT_REMOVED):
        assert rename.argument not in live, f"{rename.component}.{rename.argument} still exists"
        if rename.new_argument is not None:
            assert rename.new_argument in live
    elif rename.kind is ChangeKind.VALUE_CHANGED:
        assert rename.argument in live
    else:
        assert rename.kind is ChangeKind.DEFAULT_CHANGED
        assert live[rename.argument].default == rename.new_value
        assert rename.old_value != rename.new_value


def test_rename_table_queries() -> None:
    add = component_change("AddChanneld")
    assert add is not None and add.new_component == "EnsureChannelFirstd"
    assert add.semantics_differ and dict(add.set_args) == {"channel_dim": "no_channel"}
    assert add.changed_in == "1.3" and add.version_certain
    assert component_change("ToTensord") is None  # still exists, unchanged
    assert component_change("UNet") is None
    n_classes = argument_change("AsDiscreted", "n_classes")
    assert n_classes is not None and n_classes.new_argument is None
    assert n_classes.kind is ChangeKind.ARGUMENT_REMOVED and "to_onehot" in n_classes.fix
    onehot = argument_change("AsDiscreted", "to_onehot")
    assert onehot is not None and onehot.kind is ChangeKind.VALUE_CHANGED
    assert onehot.old_value is True
    assert {r.argument for r in argument_changes("AsDiscreted")} >= {
        "n_classes",
        "num_classes",
        "threshold_values",
        "logit_thresh",
        "to_onehot",
    }
    assert argument_changes("DiceLoss") == ()


def test_to_onehot_true_really_fails_now() -> None:
    """The VALUE_CHANGED entry is not folklore: a boolean to_onehot raises in MONAI 1.6."""
    import torch
    from monai.transforms import AsDiscrete, AsDiscreted

    with pytest.raises(ValueError, match="to_onehot"):
        AsDiscreted(keys="pred", argmax=True, to_onehot=True)
    with pytest.raises(ValueError, match="to_onehot"):
        AsDiscrete(argmax=True, to_onehot=True)(torch.rand(2, 4, 4))


# -- the 'required' flags match reality ---------------------------------------------------


def _required_values(tmp_path: Path) -> dict[str, Callable[[], dict[str, Any]]]:
    """For each class, a value for exactly its required arguments, made fresh per call."""
    import torch

    def net() -> torch.nn.Module:
        return torch.nn.Linear(1, 1)

    def opt() -> torch.optim.Optimizer:
        return torch.optim.SGD(net().parameters(), lr=0.1)

    return {
        "UNet": lambda: {
            "spatial_dims": 2,
            "in_channels": 1,
            "out_channels": 2,
            "channels": (4, 8),
            "strides": (2,),
        },
        "DiceLoss": dict,
        "Adam": lambda: {"params": net().parameters()},
        "StepLR": lambda: {"optimizer": opt(), "step_size": 1},
        "LoadImaged": lambda: {"keys": "image"},
        "CacheDataset": lambda: {"data": []},
        "DataLoader": lambda: {"dataset": [1, 2]},
        "MeanDice": dict,
        "SlidingWindowInferer": lambda: {"roi_size": (8, 8)},
        "CheckpointSaver": lambda: {"save_dir": str(tmp_path), "save_dict": {"net": net()}},
        "SupervisedTrainer": lambda: {
            "device": "cpu",
            "max_epochs": 1,
            "train_data_loader": [],
            "network": net(),
            "optimizer": opt(),
            "loss_function": torch.nn.MSELoss(),
        },
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_required_flags_match_construction(catalog: Catalog, tmp_path: Path, name: str) -> None:
    entry = catalog.lookup(name).entry
    assert entry is not None
    make = _required_values(tmp_path)[name]
    assert set(make()) == {p.name for p in entry.required_params}, "test values drifted"
    cls = _live_class(entry)
    cls(**make())  # the required arguments alone are enough: the rest really is optional
    for missing in [p.name for p in entry.required_params]:
        kwargs = make()
        del kwargs[missing]
        with pytest.raises(TypeError, match=missing):
            cls(**kwargs)


def test_unet_without_strides_raises() -> None:
    from monai.networks.nets import UNet

    with pytest.raises(TypeError, match="strides"):
        UNet(spatial_dims=2, in_channels=1, out_channels=2, channels=(4, 8))  # type: ignore[call-arg]
