"""What values the libraries accept for an argument: the constraints table (C010/C011).

Why a table: an annotation says ``lr: float``, but torch refuses ``lr=-0.001`` when the
optimizer is built, MONAI refuses ``overlap=1.0`` at the first sliding window, and a
random transform silently clamps ``prob=1.5`` to 1. None of that is in a signature, so it
is written down here, once, for the classes Clara Train configs use, and every row
carries a value outside its domain that ``tests/compiler/test_constraints.py`` builds
the class with, proving that the library really refuses (or misuses) it. String
arguments whose annotation names a MONAI enum (``reduction: LossReduction | str``) need
no row: their values are harvested into the catalog (``Catalog.enums``) when it is built.

The privacy filters of mmarc's own runtime are rows too: the runtime reads their
domains from :func:`domain` when it builds a filter, so ``validate`` and the runtime
cannot disagree about them. Like the rest of the catalog's reading side this module
imports neither torch nor MONAI.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from functools import lru_cache

from mmarc.catalog.constraint_types import Constraint, Failure, Relation, Rule

__all__ = [
    "CONSTRAINTS",
    "RELATIONS",
    "Constraint",
    "Failure",
    "Relation",
    "Rule",
    "constraints_for",
    "domain",
    "relations_for",
]


_OPT = "torch.optim."
_SCHED = "torch.optim.lr_scheduler."
#: Every catalogued optimizer (torch.optim's and MONAI's Novograd) checks these itself.
_ANY_OPTIMIZER = ("category:optimizer",)
#: The optimizers whose ``eps`` is one non-negative number (Adafactor's is a pair; Muon's
#: is not checked).
_EPS = (
    *(_OPT + n for n in ("Adam", "AdamW", "Adamax", "NAdam", "RAdam")),
    *(_OPT + n for n in ("Adadelta", "Adagrad", "RMSprop")),
    "monai.optimizers.Novograd",
)
_TORCH_LOSSES = tuple(
    "torch.nn." + n
    for n in (
        "CrossEntropyLoss",
        "BCELoss",
        "BCEWithLogitsLoss",
        "MSELoss",
        "L1Loss",
        "NLLLoss",
        "SmoothL1Loss",
        "HuberLoss",
    )
)
_LOADERS = ("monai.data.DataLoader", "torch.utils.data.DataLoader")
_REFUSED = "{lib} refuses it when {cls} is built"
_REFUSED_ON_USE = "{lib} builds {cls} with it, then fails at the first use"
_PRIVACY = "mmarc.runtime.filters."
_T = "monai.transforms."
#: The interpolation modes Resize looks its string ``mode`` up in (MONAI's InterpolateMode).
_INTERPOLATE = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
#: The padding modes MONAI's Pad transforms accept (numpy's and torch's, by backend).
_PAD_MODES = (
    "constant",
    "edge",
    "linear_ramp",
    "maximum",
    "mean",
    "median",
    "minimum",
    "reflect",
    "symmetric",
    "wrap",
    "empty",
    "replicate",
    "circular",
)

#: THE constraints table. Each row is proven by building the class with ``bad``.
CONSTRAINTS: tuple[Constraint, ...] = (
    # -- optimizers (each checks these in its __init__) ------------------------------------
    Constraint(_ANY_OPTIMIZER, "lr", Failure.RAISES, -0.001, _REFUSED, low=0.0),
    Constraint(_ANY_OPTIMIZER, "weight_decay", Failure.RAISES, -1e-5, _REFUSED, low=0.0),
    Constraint(_EPS, "eps", Failure.RAISES, -1e-8, _REFUSED, low=0.0),
    *(
        Constraint(
            (_OPT + "SparseAdam",), arg, Failure.RAISES, 0.0, _REFUSED, low=0.0, low_open=True
        )
        for arg in ("lr", "eps")
    ),
    Constraint(
        _ANY_OPTIMIZER,
        "betas",
        Failure.RAISES,
        [0.9, 1.0],
        _REFUSED,
        low=0.0,
        high=1.0,
        high_open=True,
        each=True,
    ),
    Constraint(_ANY_OPTIMIZER, "momentum", Failure.RAISES, -0.9, _REFUSED, low=0),
    Constraint((_OPT + "RMSprop",), "alpha", Failure.RAISES, -0.99, _REFUSED, low=0.0),
    Constraint((_OPT + "Adagrad",), "lr_decay", Failure.RAISES, -0.1, _REFUSED, low=0.0),
    Constraint((_OPT + "Adadelta",), "rho", Failure.RAISES, 1.5, _REFUSED, low=0.0, high=1.0),
    # -- learning-rate schedulers -----------------------------------------------------------
    Constraint(
        (_SCHED + "StepLR",),
        "step_size",
        Failure.RAISES_ON_USE,
        0,
        "the first scheduler step divides by it",
        low=1,
    ),
    Constraint(
        (_SCHED + "CosineAnnealingLR",),
        "T_max",
        Failure.RAISES_ON_USE,
        0,
        "the scheduler's steps divide by it",
        low=1,
    ),
    Constraint(
        (_SCHED + "CosineAnnealingWarmRestarts",),
        "T_0",
        Failure.RAISES,
        0,
        _REFUSED,
        low=1,
    ),
    Constraint(
        (_SCHED + "CosineAnnealingWarmRestarts",),
        "T_mult",
        Failure.RAISES,
        0,
        _REFUSED,
        low=1,
    ),
    Constraint(
        (_SCHED + "ReduceLROnPlateau",),
        "factor",
        Failure.RAISES,
        1.5,
        _REFUSED,
        high=1.0,
        high_open=True,
    ),
    Constraint((_SCHED + "OneCycleLR",), "total_steps", Failure.RAISES, 0, _REFUSED, low=1),
    Constraint((_SCHED + "OneCycleLR",), "epochs", Failure.RAISES, 0, _REFUSED, low=1),
    Constraint((_SCHED + "OneCycleLR",), "steps_per_epoch", Failure.RAISES, 0, _REFUSED, low=1),
    Constraint(
        (_SCHED + "OneCycleLR",), "pct_start", Failure.RAISES, 1.5, _REFUSED, low=0.0, high=1.0
    ),
    Constraint(
        (_SCHED + "LinearLR",),
        "start_factor",
        Failure.RAISES,
        0.0,
        _REFUSED,
        low=0.0,
        high=1.0,
        low_open=True,
    ),
    Constraint(
        (_SCHED + "LinearLR",), "end_factor", Failure.RAISES, 2.0, _REFUSED, low=0.0, high=1.0
    ),
    Constraint(
        (_SCHED + "ConstantLR",), "factor", Failure.RAISES, 2.0, _REFUSED, low=0.0, high=1.0
    ),
    # -- data loading -----------------------------------------------------------------------
    Constraint(_LOADERS, "batch_size", Failure.RAISES, 0, _REFUSED, low=1),
    Constraint(_LOADERS, "num_workers", Failure.RAISES, -1, _REFUSED, low=0),
    Constraint(_LOADERS, "timeout", Failure.RAISES, -1, _REFUSED, low=0.0),
    Constraint(
        ("monai.data.CacheDataset", "monai.data.SmartCacheDataset"),
        "cache_rate",
        Failure.CLAMPED,
        2.0,
        "{cls} caches min(cache_rate, 1) of the data, and nothing below 0",
        low=0.0,
        high=1.0,
    ),
    # -- losses -----------------------------------------------------------------------------
    Constraint(
        _TORCH_LOSSES,
        "reduction",
        Failure.RAISES_ON_USE,
        "meen",
        _REFUSED_ON_USE,
        choices=("none", "mean", "sum"),
    ),
    Constraint(
        ("torch.nn.CrossEntropyLoss",),
        "label_smoothing",
        Failure.RAISES_ON_USE,
        1.5,
        _REFUSED_ON_USE,
        low=0.0,
        high=1.0,
    ),
    Constraint(
        ("monai.losses.DiceCELoss", "monai.losses.DiceFocalLoss"),
        "lambda_dice",
        Failure.RAISES,
        -1.0,
        _REFUSED,
        low=0.0,
    ),
    Constraint(("monai.losses.DiceCELoss",), "lambda_ce", Failure.RAISES, -1.0, _REFUSED, low=0.0),
    Constraint(
        ("monai.losses.DiceFocalLoss",), "lambda_focal", Failure.RAISES, -1.0, _REFUSED, low=0.0
    ),
    # -- networks ---------------------------------------------------------------------------
    Constraint(
        ("monai.networks.nets.UNet",),
        "dropout",
        Failure.RAISES,
        1.5,
        _REFUSED,
        low=0.0,
        high=1.0,
    ),
    Constraint(
        ("monai.networks.nets.DenseNet121", "monai.networks.nets.SegResNet"),
        "dropout_prob",
        Failure.RAISES,
        1.5,
        _REFUSED,
        low=0.0,
        high=1.0,
    ),
    # -- inferers ---------------------------------------------------------------------------
    Constraint(
        ("monai.inferers.SlidingWindowInferer",),
        "overlap",
        Failure.RAISES_ON_USE,
        1.0,
        _REFUSED_ON_USE,
        low=0.0,
        high=1.0,
        high_open=True,
        each=True,
    ),
    Constraint(
        ("monai.inferers.SlidingWindowInferer",),
        "sw_batch_size",
        Failure.RAISES_ON_USE,
        0,
        _REFUSED_ON_USE,
        low=1,
    ),
    # -- transforms -------------------------------------------------------------------------
    Constraint(
        ("tag:random",),
        "prob",
        Failure.CLAMPED,
        1.5,
        "MONAI's random transforms clamp it into [0, 1]",
        low=0.0,
        high=1.0,
    ),
    Constraint(
        ("monai.transforms.RandCropByPosNegLabeld", "monai.transforms.RandCropByPosNegLabel"),
        "pos",
        Failure.RAISES,
        -1,
        _REFUSED,
        low=0.0,
    ),
    Constraint(
        ("monai.transforms.RandCropByPosNegLabeld", "monai.transforms.RandCropByPosNegLabel"),
        "neg",
        Failure.RAISES,
        -1,
        _REFUSED,
        low=0.0,
    ),
    Constraint(
        ("monai.transforms.RandSpatialCropSamplesd", "monai.transforms.RandSpatialCropSamples"),
        "num_samples",
        Failure.RAISES,
        0,
        _REFUSED,
        low=1,
    ),
    Constraint(
        ("monai.transforms.RandCropByPosNegLabeld",),
        "num_samples",
        Failure.CLAMPED,
        0,
        "{cls} returns no samples at all",
        low=1,
    ),
    Constraint(
        ("monai.transforms.RandCropByLabelClassesd",),
        "num_samples",
        Failure.RAISES_ON_USE,
        0,
        _REFUSED_ON_USE,
        low=1,
    ),
    Constraint(
        ("monai.transforms.RandGaussianNoised", "monai.transforms.RandGaussianNoise"),
        "std",
        Failure.RAISES_ON_USE,
        -0.1,
        _REFUSED_ON_USE,
        low=0.0,
    ),
    Constraint(
        ("monai.transforms.RandRotate90d", "monai.transforms.RandRotate90"),
        "max_k",
        Failure.RAISES_ON_USE,
        0,
        _REFUSED_ON_USE,
        low=1,
    ),
    Constraint(
        ("monai.transforms.CropForegroundd", "monai.transforms.CropForeground"),
        "margin",
        Failure.RAISES_ON_USE,
        -1,
        _REFUSED_ON_USE,
        low=0,
        each=True,
    ),
    Constraint(
        (_T + "Resized", _T + "Resize"),
        "mode",
        Failure.RAISES_ON_USE,
        "bilinar",
        _REFUSED_ON_USE,
        choices=_INTERPOLATE,
    ),
    Constraint(
        (_T + "Resized", _T + "Resize"),
        "size_mode",
        Failure.RAISES,
        "short",
        _REFUSED,
        choices=("all", "longest"),
    ),
    Constraint(
        tuple(_T + n for n in ("SpatialPadd", "SpatialPad", "DivisiblePadd", "DivisiblePad")),
        "mode",
        Failure.RAISES_ON_USE,
        "zero",
        _REFUSED_ON_USE,
        choices=_PAD_MODES,
    ),
    # -- handlers and engines ---------------------------------------------------------------
    Constraint(
        ("monai.handlers.CheckpointSaver",),
        "key_metric_n_saved",
        Failure.RAISES,
        0,
        _REFUSED,
        low=1,
    ),
    Constraint(
        ("monai.handlers.ValidationHandler",),
        "interval",
        Failure.RAISES_ON_USE,
        0,
        "ignite refuses it when the handler attaches to the trainer",
        low=1,
    ),
    *(
        Constraint(
            ("monai.handlers.EarlyStopHandler",),
            arg,
            Failure.RAISES_ON_USE,
            bad,
            "ignite refuses it when the handler gets its trainer",
            low=low,
        )
        for arg, bad, low in (("patience", 0, 1), ("min_delta", -0.1, 0.0))
    ),
    Constraint(("monai.handlers.CheckpointSaver",), "n_saved", Failure.RAISES, 0, _REFUSED, low=1),
    Constraint(
        ("monai.engines.SupervisedTrainer",),
        "max_epochs",
        Failure.RAISES_ON_USE,
        0,
        "the trainer refuses to run",
        low=1,
    ),
    # -- mmarc's privacy filters (Clara's outbound filters; the runtime reads these) --------
    # (filter, argument, proof value, low, high, low excluded)
    *(
        Constraint(
            (_PRIVACY + name,),
            arg,
            Failure.RAISES,
            bad,
            "{cls} refuses it",
            low=low,
            high=high,
            low_open=low_open,
        )
        for name, arg, bad, low, high, low_open in (
            ("PercentilePrivacy", "percentile", 101.0, 0.0, 100.0, False),
            ("PercentilePrivacy", "gamma", 0.0, 0.0, math.inf, True),
            ("SVTPrivacy", "gamma", 0.0, 0.0, math.inf, True),
            ("SVTPrivacy", "fraction", 0.0, 0.0, 1.0, True),
            ("SVTPrivacy", "epsilon", 0.0, 0.0, math.inf, True),
            ("SVTPrivacy", "noise_var", -0.1, 0.0, math.inf, False),
            ("SVTPrivacy", "tau", math.nan, -math.inf, math.inf, False),
        )
    ),
)


_ACTIVATED_LOSSES = tuple(
    "monai.losses." + n
    for n in ("DiceLoss", "DiceCELoss", "DiceFocalLoss", "GeneralizedDiceLoss", "TverskyLoss")
)

#: Rules between arguments, each proven like a constraints row (``bad`` is one per argument).
RELATIONS: tuple[Relation, ...] = (
    Relation(
        ("monai.networks.nets.UNet",),
        ("channels", "strides"),
        Rule.ONE_FEWER,
        Failure.RAISES,
        {"channels": [4, 8, 16], "strides": [2]},
        _REFUSED,
    ),
    Relation(
        _ACTIVATED_LOSSES,
        ("sigmoid", "softmax"),
        Rule.AT_MOST_ONE,
        Failure.RAISES,
        {"sigmoid": True, "softmax": True},
        _REFUSED,
    ),
    Relation(
        (_T + "RandCropByPosNegLabeld", _T + "RandCropByPosNegLabel"),
        ("pos", "neg"),
        Rule.NOT_ALL_ZERO,
        Failure.RAISES,
        {"pos": 0, "neg": 0},
        _REFUSED,
    ),
)


def relations_for(paths: Iterable[str]) -> list[Relation]:
    """The relations that hold for a class known by ``paths``."""
    wanted = set(paths)
    return [r for r in RELATIONS if wanted.intersection(r.targets)]


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], tuple[Constraint, ...]]:
    out: dict[tuple[str, str], list[Constraint]] = {}
    for row in CONSTRAINTS:
        for target in row.targets:
            out.setdefault((target, row.arg), []).append(row)
    return {k: tuple(v) for k, v in out.items()}


def constraints_for(
    paths: Iterable[str], tags: Iterable[str], arg: str, category: str | None = None
) -> Iterator[Constraint]:
    """The rows that constrain ``arg`` of a class known by ``paths``, carrying ``tags``, of
    the catalog ``category``."""
    index = _index()
    seen: set[int] = set()
    keys = [*paths, *(f"tag:{t}" for t in tags), f"category:{category}"]
    for key in keys:
        for row in index.get((key, arg), ()):
            if id(row) not in seen:
                seen.add(id(row))
                yield row


def domain(path: str, arg: str) -> Constraint:
    """The one row for ``arg`` of ``path`` (the runtime's filters read theirs here)."""
    rows = _index().get((path, arg), ())
    if len(rows) != 1:
        raise KeyError(f"no single constraint for {path}.{arg}")
    return rows[0]
