"""Every row of the constraints table, proven with the real libraries (C010-C012's ground truth).

Why: ``mmarc validate`` reports ``"lr": -0.001`` because the table says torch refuses it.
A row that the libraries do not back would be a false positive at every site that uses
the value, so each (row, class) pair is built here with the row's ``bad`` value and with
the same arguments minus the bad one: the latter must work, the former must raise (when
built, or at the first use), or be silently clamped, as the row's ``failure`` says. The
harvested enums and the reference kinds C012 relies on are proven the same way.
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mmarc.catalog import load_catalog
from mmarc.catalog.constraints import (
    CONSTRAINTS,
    RELATIONS,
    Constraint,
    Failure,
    Relation,
    constraints_for,
    domain,
    relations_for,
)

torch = pytest.importorskip("torch")
pytest.importorskip("monai")

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning)

Builder = Callable[[], dict[str, Any]]


def _params() -> list[Any]:
    return [torch.nn.Parameter(torch.zeros(2, 2))]  # Muon takes matrices only


def _opt() -> Any:
    return torch.optim.SGD(_params(), lr=0.1)


def _image() -> dict[str, Any]:
    return {"image": torch.rand(1, 8, 8, 8), "label": (torch.rand(1, 8, 8, 8) > 0.5).float()}


def _trainer_args() -> dict[str, Any]:
    from monai.data import DataLoader, Dataset

    net = torch.nn.Linear(2, 2)
    data = Dataset([{"image": torch.zeros(2), "label": torch.zeros(2)}] * 2)
    return {
        "device": "cpu",
        "max_epochs": 1,
        "train_data_loader": DataLoader(data, batch_size=2),
        "network": net,
        "optimizer": torch.optim.SGD(net.parameters(), lr=0.1),
        "loss_function": torch.nn.MSELoss(),
    }


def _engine() -> Any:
    from ignite.engine import Engine

    return Engine(lambda engine, batch: None)


def _step(scheduler: Any) -> None:
    for _ in range(3):
        scheduler.optimizer.step()
        scheduler.step()


def _loss_forward(loss: Any) -> None:
    if isinstance(loss, torch.nn.CrossEntropyLoss | torch.nn.NLLLoss):
        loss(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))
    else:
        loss(torch.zeros(2, 3), torch.zeros(2, 3))


#: (path, arg) or path -> the arguments the class needs besides the constrained one.
ARGS: dict[str | tuple[str, str], Builder] = {
    **{e.path: lambda: {"params": _params()} for e in load_catalog().in_category("optimizer")},
    "torch.optim.lr_scheduler.StepLR": lambda: {"optimizer": _opt(), "step_size": 1},
    "torch.optim.lr_scheduler.CosineAnnealingLR": lambda: {"optimizer": _opt(), "T_max": 3},
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts": lambda: {"optimizer": _opt(), "T_0": 2},
    "torch.optim.lr_scheduler.ReduceLROnPlateau": lambda: {"optimizer": _opt()},
    "torch.optim.lr_scheduler.OneCycleLR": lambda: {
        "optimizer": _opt(),
        "max_lr": 0.1,
        "epochs": 1,
        "steps_per_epoch": 3,
    },
    ("torch.optim.lr_scheduler.OneCycleLR", "total_steps"): lambda: {
        "optimizer": _opt(),
        "max_lr": 0.1,
        "total_steps": 3,
    },
    "torch.optim.lr_scheduler.LinearLR": lambda: {"optimizer": _opt()},
    "torch.optim.lr_scheduler.ConstantLR": lambda: {"optimizer": _opt()},
    "monai.data.DataLoader": lambda: {"dataset": [1, 2, 3]},
    "monai.data.CacheDataset": lambda: {"data": [{"a": i} for i in range(4)], "progress": False},
    "monai.data.SmartCacheDataset": lambda: {
        "data": [{"a": i} for i in range(4)],
        "progress": False,
    },
    "torch.utils.data.DataLoader": lambda: {"dataset": [1, 2, 3]},
    "monai.networks.nets.UNet": lambda: {
        "spatial_dims": 2,
        "in_channels": 1,
        "out_channels": 2,
        "channels": (4, 8),
        "strides": (2,),
    },
    "monai.networks.nets.DenseNet121": lambda: {
        "spatial_dims": 2,
        "in_channels": 1,
        "out_channels": 2,
    },
    "monai.networks.nets.SegResNet": lambda: {"spatial_dims": 2},
    "monai.inferers.SlidingWindowInferer": lambda: {"roi_size": 8},
    "monai.transforms.RandCropByPosNegLabeld": lambda: {
        "keys": "image",
        "label_key": "label",
        "spatial_size": 4,
    },
    "monai.transforms.RandCropByPosNegLabel": lambda: {"spatial_size": 4},
    "monai.transforms.RandCropByLabelClassesd": lambda: {
        "keys": "image",
        "label_key": "label",
        "spatial_size": 4,
        "num_classes": 2,
    },
    "monai.transforms.RandSpatialCropSamplesd": lambda: {
        "keys": "image",
        "roi_size": 4,
        "num_samples": 2,
    },
    "monai.transforms.RandSpatialCropSamples": lambda: {"roi_size": 4, "num_samples": 2},
    "monai.transforms.RandGaussianNoised": lambda: {"keys": "image", "prob": 1.0},
    "monai.transforms.RandGaussianNoise": lambda: {"prob": 1.0},
    "monai.transforms.RandRotate90d": lambda: {"keys": "image", "prob": 1.0},
    "monai.transforms.RandRotate90": lambda: {"prob": 1.0},
    "monai.transforms.CropForegroundd": lambda: {"keys": "image", "source_key": "image"},
    "monai.transforms.CropForeground": lambda: {},
    "monai.transforms.RandFlipd": lambda: {"keys": "image"},
    "monai.transforms.Resized": lambda: {"keys": "image", "spatial_size": (4, 4, 4)},
    "monai.transforms.Resize": lambda: {"spatial_size": (4, 4, 4)},
    "monai.transforms.SpatialPadd": lambda: {"keys": "image", "spatial_size": 10},
    "monai.transforms.SpatialPad": lambda: {"spatial_size": 10},
    "monai.transforms.DivisiblePadd": lambda: {"keys": "image", "k": 3},
    "monai.transforms.DivisiblePad": lambda: {"k": 3},
    "monai.engines.SupervisedTrainer": _trainer_args,
    "monai.handlers.ValidationHandler": lambda: {"validator": None, "interval": 1},
    "monai.handlers.EarlyStopHandler": lambda: {"patience": 1, "score_function": lambda e: 0},
}

#: path -> the first use that shows a value accepted at build time is wrong.
USE: dict[str, Callable[[Any], Any]] = {
    "torch.optim.lr_scheduler.StepLR": _step,
    "torch.optim.lr_scheduler.CosineAnnealingLR": _step,
    "monai.inferers.SlidingWindowInferer": lambda inf: inf(torch.zeros(1, 1, 16, 16), lambda x: x),
    "monai.transforms.RandGaussianNoised": lambda t: t(_image()),
    "monai.transforms.RandGaussianNoise": lambda t: t(_image()["image"]),
    "monai.transforms.RandRotate90d": lambda t: t(_image()),
    "monai.transforms.RandRotate90": lambda t: t(_image()["image"]),
    "monai.transforms.CropForegroundd": lambda t: t(_image()),
    "monai.transforms.CropForeground": lambda t: t(_image()["image"]),
    "monai.transforms.RandCropByPosNegLabeld": lambda t: t(_image()),
    "monai.transforms.Resized": lambda t: t(_image()),
    "monai.transforms.Resize": lambda t: t(_image()["image"]),
    "monai.transforms.SpatialPadd": lambda t: t(_image()),
    "monai.transforms.SpatialPad": lambda t: t(_image()["image"]),
    "monai.transforms.DivisiblePadd": lambda t: t(_image()),
    "monai.transforms.DivisiblePad": lambda t: t(_image()["image"]),
    "monai.transforms.RandCropByLabelClassesd": lambda t: t(_image()),
    "monai.engines.SupervisedTrainer": lambda t: t.run(),
    "monai.handlers.ValidationHandler": lambda h: h.attach(_engine()),
    "monai.handlers.EarlyStopHandler": lambda h: h.set_trainer(_engine()),
}

#: argument -> whether a built object shows the value was not taken as written.
CLAMPED: dict[str, Callable[[str, Any, Any], bool]] = {
    "prob": lambda path, obj, bad: obj.prob != bad,
    "num_samples": lambda path, obj, bad: len(_use(path, obj)) == 0,
    "cache_rate": lambda path, obj, bad: obj.cache_num != int(len(obj.data) * bad),
}

#: Classes the ``tag:random`` row is proven on (every random transform inherits the clamp).
TAG_PROOFS = {"tag:random": ("monai.transforms.RandFlipd", "monai.transforms.RandGaussianNoised")}


def _class(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _expand(target: str, arg: str) -> tuple[str, ...]:
    """The classes a row target is proven on: itself, its tag's examples, its whole category."""
    if target.startswith("category:"):
        category = target.split(":", 1)[1]
        return tuple(
            e.path
            for e in load_catalog().in_category(category)
            if e.accepted_param(arg) is not None and not e.has_tag("abstract")
        )
    return TAG_PROOFS.get(target, (target,))


def _pairs() -> list[tuple[Constraint, str]]:
    return [(row, path) for row in CONSTRAINTS for t in row.targets for path in _expand(t, row.arg)]


def _args(path: str, arg: str, tmp: Path) -> dict[str, Any]:
    if path == "monai.handlers.CheckpointSaver":
        interval = {"save_interval": 1} if arg == "n_saved" else {"save_key_metric": True}
        return {"save_dir": str(tmp), "save_dict": {"m": torch.nn.Linear(1, 1)}, **interval}
    builder = ARGS.get((path, arg)) or ARGS.get(path)
    args = builder() if builder is not None else {}
    if path in TAG_PROOFS["tag:random"] and arg == "prob":
        args.pop("prob", None)
    return args


def _use(path: str, obj: Any) -> Any:
    if path.startswith("torch.nn."):
        return _loss_forward(obj)
    return USE[path](obj)


PAIRS = _pairs()


@pytest.mark.parametrize(
    ("row", "path"), PAIRS, ids=[f"{p.rsplit('.', 1)[-1]}.{r.arg}" for r, p in PAIRS]
)
def test_row_is_what_the_library_does(row: Constraint, path: str, tmp_path: Path) -> None:
    cls = _class(path)
    good = _args(path, row.arg, tmp_path)
    built = cls(**good)  # the same arguments without the bad value build
    assert row.violation(row.bad) is not None, "the proof value must be outside the domain"
    bad = {**good, row.arg: row.bad}
    if row.failure is Failure.RAISES:
        with pytest.raises(Exception):  # noqa: B017 - torch and MONAI raise several types
            cls(**bad)
        return
    if row.failure is Failure.RAISES_ON_USE:
        _use(path, built)
        obj = cls(**bad)
        with pytest.raises(Exception):  # noqa: B017
            _use(path, obj)
        return
    obj = cls(**bad)
    assert CLAMPED[row.arg](path, obj, row.bad), "the class keeps what the config asked"


def _inside(row: Constraint) -> Any:
    """A value at the edge of the row's domain, in it (the closed bound where there is one)."""
    low = row.low if row.low is not None and math.isfinite(row.low) else None
    high = row.high if row.high is not None and math.isfinite(row.high) else None
    if low is not None and not row.low_open:
        value = low
    elif high is not None and not row.high_open:
        value = high
    elif low is not None and high is not None:
        value = (low + high) / 2
    elif low is not None:
        value = low + 1
    else:
        value = high - 0.5 if high is not None else 0.0
    bad = row.bad[0] if isinstance(row.bad, list) else row.bad
    if isinstance(bad, int):
        value = int(value)
    return [value] * len(row.bad) if isinstance(row.bad, list) else value


RANGE_PAIRS = [(r, p) for r, p in PAIRS if not r.choices and r.failure is not Failure.CLAMPED]


@pytest.mark.parametrize(
    ("row", "path"), RANGE_PAIRS, ids=[f"{p.rsplit('.', 1)[-1]}.{r.arg}" for r, p in RANGE_PAIRS]
)
def test_the_edge_of_every_range_is_accepted(row: Constraint, path: str, tmp_path: Path) -> None:
    """No false positive from a range row: its closed bound builds and runs."""
    value = _inside(row)
    assert row.violation(value) is None
    entry = load_catalog().by_path(path)
    if entry is not None and any(
        other.violation(value) is not None
        for other in constraints_for(entry.paths, entry.tags, row.arg, entry.category)
    ):
        return  # a stricter row for this class (SparseAdam's lr > 0) proves its own edge
    obj = _class(path)(**{**_args(path, row.arg, tmp_path), row.arg: value})
    if row.failure is Failure.RAISES_ON_USE:
        _use(path, obj)


CHOICE_PAIRS = [(row, path) for row, path in PAIRS if row.choices]


@pytest.mark.parametrize(
    ("row", "path"), CHOICE_PAIRS, ids=[f"{p.rsplit('.', 1)[-1]}.{r.arg}" for r, p in CHOICE_PAIRS]
)
def test_every_listed_choice_is_accepted(row: Constraint, path: str, tmp_path: Path) -> None:
    """No false positive from a choices row: each value it allows builds and runs."""
    if row.arg == "mode" and path.startswith("monai.transforms.Resize"):
        from monai.utils import InterpolateMode  # modes are per dimension: MONAI's own table

        assert set(row.choices) == {m.value for m in InterpolateMode}
        return
    cls = _class(path)
    for choice in row.choices:
        obj = cls(**{**_args(path, row.arg, tmp_path), row.arg: choice})
        if row.failure is Failure.RAISES_ON_USE:
            _use(path, obj)


RELATION_PAIRS = [(r, p) for r in RELATIONS for p in r.targets]


@pytest.mark.parametrize(
    ("relation", "path"),
    RELATION_PAIRS,
    ids=[f"{p.rsplit('.', 1)[-1]}.{'-'.join(r.args)}" for r, p in RELATION_PAIRS],
)
def test_relation_is_what_the_library_does(relation: Relation, path: str, tmp_path: Path) -> None:
    cls = _class(path)
    good = _args(path, relation.args[0], tmp_path)
    cls(**good)
    assert relation.violation({**relation.bad}) is not None
    assert relation.failure is Failure.RAISES
    with pytest.raises(Exception):  # noqa: B017 - MONAI raises ValueError or its own types
        cls(**{**good, **relation.bad})


def test_every_target_is_a_catalogued_argument() -> None:
    catalog = load_catalog()
    for relation in RELATIONS:
        for target in relation.targets:
            entry = catalog.by_path(target)
            assert entry is not None, target
            assert all(entry.accepted_param(a) is not None for a in relation.args), target
            assert relation in relations_for(entry.paths)
    for row in CONSTRAINTS:
        for target in row.targets:
            if target.startswith("category:"):
                assert _expand(target, row.arg), target
                continue
            if target.startswith(("tag:", "mmarc.runtime.")):
                continue
            entry = catalog.by_path(target)
            assert entry is not None, target
            assert entry.accepted_param(row.arg) is not None, f"{target}.{row.arg}"
            assert list(constraints_for(entry.paths, entry.tags, row.arg))


def test_privacy_rows_are_what_the_runtime_filters_read() -> None:
    from mmarc.runtime.filters import SVTPrivacy

    assert domain("mmarc.runtime.filters.SVTPrivacy", "fraction").low_open
    with pytest.raises(KeyError):
        domain("mmarc.runtime.filters.SVTPrivacy", "no_such_argument")
    assert SVTPrivacy(fraction=1.0).fraction == 1.0


def test_harvested_enums_are_monai_s() -> None:
    from monai.utils import BlendMode, InterpolateMode, LossReduction, MetricReduction

    enums = load_catalog().enums
    for enum in (BlendMode, InterpolateMode, LossReduction, MetricReduction):
        assert enums[enum.__name__] == tuple(m.value for m in enum)
    assert "Events" not in enums  # ignite's Events take other strings too


def test_enum_annotated_arguments_refuse_other_strings() -> None:
    from monai.inferers import SlidingWindowInferer
    from monai.losses import DiceLoss, GeneralizedDiceLoss
    from monai.metrics import DiceMetric

    with pytest.raises(ValueError, match="meen"):
        DiceLoss(reduction="meen")
    with pytest.raises(ValueError, match="squared"):
        GeneralizedDiceLoss(w_type="squared")
    with pytest.raises(ValueError, match="gausian"):
        SlidingWindowInferer(roi_size=8, mode="gausian")
    metric = DiceMetric(reduction="mean_batches")
    metric(torch.ones(1, 2, 4, 4), torch.ones(1, 2, 4, 4))
    with pytest.raises(ValueError, match="mean_batches"):
        metric.aggregate()


def test_references_of_the_wrong_kind_fail() -> None:
    """What C012 reports: each wrong kind fails when built or at the first iteration."""
    from monai.engines import SupervisedTrainer
    from monai.handlers import ValidationHandler
    from monai.transforms import Activationsd

    net = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError):
        torch.optim.lr_scheduler.StepLR(net, step_size=1)  # an optimizer slot given a network
    with pytest.raises(TypeError):
        ValidationHandler(interval=1, validator=net)  # an evaluator slot given a network
    with pytest.raises(AttributeError):  # handlers given transforms: attached when built
        SupervisedTrainer(**_trainer_args(), train_handlers=[Activationsd(keys="pred")])
    with pytest.raises(AttributeError):  # a key metric given a loss: attached when built
        SupervisedTrainer(**_trainer_args(), key_train_metric={"m": torch.nn.MSELoss()})
    from monai.losses import DiceLoss
    from monai.transforms import Compose

    with pytest.raises(Exception):  # noqa: B017 - a loss re-used as a transform: MONAI wraps it
        Compose([DiceLoss()])({"pred": torch.zeros(1, 2, 4, 4)})
    args = _trainer_args()
    trainer = SupervisedTrainer(**{**args, "optimizer": args["network"]})
    with pytest.raises(AttributeError):  # the network has no step()
        trainer.run()
