"""What MONAI renamed or removed since the releases Clara Train 4.x was built on.

Clara Train 4.0 shipped MONAI 0.5 and 4.1 shipped MONAI 0.8; their MMARs name classes
and arguments that later MONAI releases renamed, re-typed or removed. The catalog only
knows the installed MONAI, where the old names are simply absent; this table is what
lets ``mmarc validate`` say "``dimensions`` was renamed ``spatial_dims`` in MONAI 1.0"
instead of "unknown argument", and what ``mmarc migrate`` rewrites from. It is data, not
code, so that the checker and the migrator read the same facts.

Each :class:`Rename` is checked by ``tests/compiler/test_catalog.py`` against the installed MONAI:
the old name is absent and the new one present (for default changes: the new default is
in force). ``changed_in`` is the MONAI release that removed or changed the old form.
Where the release notes or the MONAI pull request were found, ``version_certain`` is
True; otherwise ``changed_in`` is the best estimate, written as "before 1.0" or
"after 1.3", and ``version_certain`` is False.

Checked against MONAI 1.6.1 and unchanged for Clara 4.x use (so deliberately absent):
``ToTensord``, ``CastToTyped``, ``CacheDataset`` (``cache_num``, ``cache_rate``,
``num_workers``), ``DiceLoss`` (``to_onehot_y``, ``softmax``...), ``keys`` of every
dictionary transform, ``SlidingWindowInferer``, ``CheckpointSaver``, ``CheckpointLoader``,
``LrScheduleHandler``, ``StatsHandler``, ``MeanDice``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class ChangeKind(StrEnum):
    """What happened to the old form; decides whether ``migrate`` may rewrite it silently."""

    COMPONENT_RENAMED = "component_renamed"  # the class is gone; ``new_component`` replaces it
    COMPONENT_REMOVED = "component_removed"  # the class is gone with no one-to-one replacement
    ARGUMENT_RENAMED = "argument_renamed"  # same meaning under ``new_argument``
    ARGUMENT_REMOVED = "argument_removed"  # gone; ``fix`` says what to do instead
    VALUE_CHANGED = "value_changed"  # same argument, the old kind of value no longer works
    DEFAULT_CHANGED = "default_changed"  # same argument, new default: silent behaviour change


_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Rename:
    """One change between Clara-era MONAI and the installed one.

    ``component`` is the class as Clara configs name it (the old name, for component
    changes). ``argument`` is the old argument (``None`` for a component change) and
    ``new_argument`` its replacement (``None`` when removed). ``set_args`` are arguments
    the replacement needs to behave like the old form (``AddChanneld`` becomes
    ``EnsureChannelFirstd`` *with* ``channel_dim="no_channel"``); ``arg_map`` renames the
    old class's arguments for the new class (``None`` drops one). ``semantics_differ``
    marks changes that a tool must not apply without telling the user.
    For ``DEFAULT_CHANGED``, ``old_value``/``new_value`` are the old and new defaults; for
    ``VALUE_CHANGED``, ``old_value`` is the value that no longer works and ``new_value``
    says in words what is expected now.
    """

    kind: ChangeKind
    component: str
    argument: str | None
    new_component: str | None
    new_argument: str | None
    changed_in: str
    version_certain: bool
    fix: str
    set_args: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, hash=False)
    arg_map: Mapping[str, str | None] = field(default_factory=lambda: _EMPTY, hash=False)
    semantics_differ: bool = False
    old_value: Any = None
    new_value: Any = None
    #: where the installed class passes an unknown keyword on (its ``**kwargs`` go to the
    #: WSI reader...), so the old argument fails there instead of being ignored
    forwarded_to: str | None = None

    @property
    def is_component_change(self) -> bool:
        return self.kind in (ChangeKind.COMPONENT_RENAMED, ChangeKind.COMPONENT_REMOVED)


def _component(
    old: str,
    new: str | None,
    changed_in: str,
    certain: bool,
    fix: str,
    *,
    set_args: Mapping[str, Any] | None = None,
    arg_map: Mapping[str, str | None] | None = None,
    semantics_differ: bool = False,
) -> Rename:
    return Rename(
        kind=ChangeKind.COMPONENT_RENAMED if new else ChangeKind.COMPONENT_REMOVED,
        component=old,
        argument=None,
        new_component=new,
        new_argument=None,
        changed_in=changed_in,
        version_certain=certain,
        fix=fix,
        set_args=MappingProxyType(dict(set_args or {})),
        arg_map=MappingProxyType(dict(arg_map or {})),
        semantics_differ=semantics_differ,
    )


def _argument(
    components: tuple[str, ...],
    old: str,
    new: str | None,
    changed_in: str,
    certain: bool,
    fix: str,
    *,
    semantics_differ: bool = False,
    forwarded_to: str | None = None,
) -> list[Rename]:
    kind = ChangeKind.ARGUMENT_RENAMED if new else ChangeKind.ARGUMENT_REMOVED
    return [
        Rename(
            kind,
            c,
            old,
            c,
            new,
            changed_in,
            certain,
            fix,
            semantics_differ=semantics_differ,
            forwarded_to=forwarded_to,
        )
        for c in components
    ]


def _value(
    components: tuple[str, ...],
    argument: str,
    kind: ChangeKind,
    old_value: Any,
    new_value: Any,
    changed_in: str,
    certain: bool,
    fix: str,
) -> list[Rename]:
    return [
        Rename(
            kind,
            c,
            argument,
            c,
            argument,
            changed_in,
            certain,
            fix,
            semantics_differ=True,
            old_value=old_value,
            new_value=new_value,
        )
        for c in components
    ]


_ADD_CHANNEL_FIX = (
    'use {new} with channel_dim: "no_channel". {old} always added a leading channel axis; '
    "{new} without channel_dim decides from the image metadata instead (and raises when "
    'there is none), so the explicit "no_channel" is what keeps the old behaviour.'
)
_AS_CHANNEL_FIRST_FIX = (
    "use {new}; {old} moved the axis given by channel_dim (default -1, the last) to the "
    "front, so keep that as channel_dim: -1 (or the value the config set). Without "
    "channel_dim, {new} reads the channel position from the image metadata."
)
_SPLIT_CHANNEL_FIX = (
    "use {new}: it splits along dim (the old channel_dim, default 0) and keeps that "
    "axis (keepdim: true), as {old} did."
)
_LOAD_FIX = (
    'use {new} with reader: "{reader}" (or no reader, to pick one from the file '
    "extension); reader options such as as_closest_canonical pass through unchanged."
)
_DIMS_FIX = "rename dimensions to spatial_dims (same value: 2 or 3)."
_N_CLASSES_FIX = (
    "delete it and give the class count as to_onehot (to_onehot: true, n_classes: 2 "
    "becomes to_onehot: 2). The installed MONAI still accepts the old name through "
    "**kwargs and silently ignores it, so nothing fails until the output is wrong."
)
_THRESHOLD_FIX = (
    "use threshold: the value that threshold_values: true with logit_thresh: X meant is "
    "threshold: X (omit threshold when threshold_values was false)."
)

#: Every known change, in the order a reader would look for them (components first).
_WSI_GRID_FIX = (
    "MONAI 0.5's PatchWSIDataset read a region_size region and cut it into a grid_shape "
    "grid of patch_size patches; the installed one reads one patch_size patch at each "
    "location of the datalist (patch_level for the resolution). Delete region_size and "
    "grid_shape, and list one location per patch (or split regions with GridPatchDataset)."
)

RENAMES: tuple[Rename, ...] = (
    # -- components --------------------------------------------------------------------
    *(
        _component(
            old,
            new,
            "1.3",
            True,
            _ADD_CHANNEL_FIX.format(old=old, new=new),
            set_args={"channel_dim": "no_channel"},
            semantics_differ=True,
        )
        for old, new in (
            ("AddChanneld", "EnsureChannelFirstd"),
            ("AddChannel", "EnsureChannelFirst"),
        )
    ),
    *(
        _component(
            old,
            new,
            "1.3",
            True,
            _AS_CHANNEL_FIRST_FIX.format(old=old, new=new),
            set_args={"channel_dim": -1},
            semantics_differ=True,
        )
        for old, new in (
            ("AsChannelFirstd", "EnsureChannelFirstd"),
            ("AsChannelFirst", "EnsureChannelFirst"),
        )
    ),
    *(
        _component(
            old,
            new,
            "1.3",
            True,
            _SPLIT_CHANNEL_FIX.format(old=old, new=new),
            arg_map={"channel_dim": "dim"},
        )
        for old, new in (("SplitChanneld", "SplitDimd"), ("SplitChannel", "SplitDim"))
    ),
    *(
        _component(
            old,
            new,
            "0.5",
            True,
            _LOAD_FIX.format(new=new, reader=reader),
            set_args={"reader": reader},
        )
        for old, new, reader in (
            ("LoadNiftid", "LoadImaged", "NibabelReader"),
            ("LoadNifti", "LoadImage", "NibabelReader"),
            ("LoadPNGd", "LoadImaged", "PILReader"),
            ("LoadPNG", "LoadImage", "PILReader"),
            ("LoadNumpyd", "LoadImaged", "NumpyReader"),
            ("LoadNumpy", "LoadImage", "NumpyReader"),
        )
    ),
    _component(
        "TransformInverter",
        "Invertd",
        "0.7",
        True,
        "the handler is gone: add an Invertd transform to post_transforms instead (keys: the "
        "prediction keys, transform: @pre_transforms, orig_keys: the image key).",
        semantics_differ=True,
    ),
    _component(
        "SegmentationSaver",
        "SaveImaged",
        "after 0.8",
        False,
        "the handler is gone: add a SaveImaged transform to post_transforms instead "
        "(keys: the prediction key, output_dir, output_postfix, resample).",
        semantics_differ=True,
    ),
    _component(
        "TorchVisionFullyConvModel",
        "TorchVisionFCModel",
        "0.6",
        True,
        "use TorchVisionFCModel with use_conv: true; n_classes becomes num_classes, and "
        'pool_size/pool_stride become pool: ["avg", {"kernel_size": ..., "stride": ...}].',
        set_args={"use_conv": True},
        arg_map={"n_classes": "num_classes", "pool_size": None, "pool_stride": None},
        semantics_differ=True,
    ),
    _component(
        "SmartCachePatchWSIDataset",
        None,
        "1.0",
        False,
        "the MONAI 0.5 pathology dataset is gone: build the patch records with "
        "PatchWSIDataset (patch_size, patch_level) and cache them with SmartCacheDataset.",
    ),
    _component(
        "MaskedInferenceWSIDataset",
        "MaskedPatchWSIDataset",
        "1.0",
        False,
        "use MaskedPatchWSIDataset (patch_size, patch_level, mask_level); its records and "
        "output keys differ from the MONAI 0.5 dataset, so review the post-processing.",
        semantics_differ=True,
    ),
    # -- arguments ---------------------------------------------------------------------
    *_argument(
        ("FindDiscrepancyRegionsd", "AddRandomGuidanced", "AddGuidanceSignald"),
        "batched",
        None,
        "after 0.5",
        False,
        "MONAI's deepgrow transforms now take one sample (its Interaction decollates the "
        "batch before calling them): remove batched, and make sure the interaction that "
        "calls them (a custom/ one too) passes single samples, not a batch.",
        semantics_differ=True,
    ),
    *_argument(
        ("PatchWSIDataset",),
        "region_size",
        None,
        "1.0",
        False,
        _WSI_GRID_FIX,
        forwarded_to="the WSI reader",
    ),
    *_argument(
        ("PatchWSIDataset",),
        "grid_shape",
        None,
        "1.0",
        False,
        _WSI_GRID_FIX,
        forwarded_to="the WSI reader",
    ),
    *_argument(
        ("PatchWSIDataset",),
        "image_reader_name",
        "reader",
        "1.0",
        False,
        'rename image_reader_name to reader (same value, e.g. "cuCIM").',
        forwarded_to="the WSI reader",
    ),
    *_argument(
        ("UNet", "BasicUNet", "AutoEncoder", "VarAutoEncoder"),
        "dimensions",
        "spatial_dims",
        "1.0",
        True,
        _DIMS_FIX,
    ),
    *_argument(
        ("LocalNormalizedCrossCorrelationLoss",),
        "ndim",
        "spatial_dims",
        "1.0",
        True,
        "rename ndim to spatial_dims (same value).",
    ),
    *_argument(("AsDiscreted", "AsDiscrete"), "n_classes", None, "1.0", True, _N_CLASSES_FIX),
    *_argument(("AsDiscreted", "AsDiscrete"), "num_classes", None, "1.0", True, _N_CLASSES_FIX),
    *_argument(
        ("AsDiscreted", "AsDiscrete"), "threshold_values", None, "1.0", True, _THRESHOLD_FIX
    ),
    *_argument(
        ("AsDiscreted", "AsDiscrete"),
        "logit_thresh",
        "threshold",
        "1.0",
        True,
        _THRESHOLD_FIX,
        semantics_differ=True,  # only meant something together with threshold_values: true
    ),
    *_value(
        ("AsDiscreted", "AsDiscrete"),
        "to_onehot",
        ChangeKind.VALUE_CHANGED,
        True,
        "an int: the number of classes",
        "1.0",
        False,
        "to_onehot is now the number of classes (an int), not a flag: to_onehot: true with "
        "n_classes: N becomes to_onehot: N. A boolean raises ValueError (AsDiscreted when "
        "built, AsDiscrete when run). The int form came in 0.8; the boolean stopped working by "
        "1.0.",
    ),
    *_argument(
        ("Affined", "RandAffined", "Rand2DElasticd", "Rand3DElasticd"),
        "as_tensor_output",
        None,
        "1.0",
        False,
        "delete it: transforms now always return tensors (MetaTensor).",
    ),
    *_argument(
        ("SupervisedTrainer", "SupervisedEvaluator"),
        "post_transform",
        "postprocessing",
        "0.6",
        True,
        "rename post_transform to postprocessing.",
    ),
    *_argument(
        ("DiceCELoss",),
        "ce_weight",
        "weight",
        "after 1.0",
        False,
        "rename ce_weight to weight (the per-class weight of the cross-entropy term).",
    ),
    *_argument(
        ("DiceFocalLoss",),
        "focal_weight",
        "weight",
        "after 1.0",
        False,
        "rename focal_weight to weight (the per-class weight of the focal term).",
    ),
    *_argument(
        ("TensorBoardStatsHandler",),
        "epoch_interval",
        "epoch_log",
        "after 1.3",
        False,
        "use epoch_log: N (an int is the interval in epochs; true means every epoch).",
    ),
    *_argument(
        ("TensorBoardStatsHandler",),
        "iteration_interval",
        "iteration_log",
        "after 1.3",
        False,
        "use iteration_log: N (an int is the interval in iterations; true means every one).",
    ),
    # -- defaults that changed under the same name ----------------------------------------
    *_value(
        ("LoadImaged", "LoadImage"),
        "image_only",
        ChangeKind.DEFAULT_CHANGED,
        False,
        True,
        "1.3",
        True,
        "image_only now defaults to true: no <key>_meta_dict entries are produced (the "
        "metadata travels on the MetaTensor). Set image_only: false when a later transform "
        "or handler reads image_meta_dict.",
    ),
    *_value(
        ("RandSpatialCropd", "RandSpatialCropSamplesd", "RandScaleCropd"),
        "random_size",
        ChangeKind.DEFAULT_CHANGED,
        True,
        False,
        "1.3",
        True,
        "random_size now defaults to false (crops are exactly roi_size). Set random_size: "
        "true to keep Clara-era behaviour of random crop sizes.",
    ),
)


def component_change(name: str) -> Rename | None:
    """The change for a class Clara configs name that MONAI renamed or removed, if any."""
    return _BY_COMPONENT.get(name)


def argument_changes(component: str) -> tuple[Rename, ...]:
    """Every argument-level change (rename, removal, value, default) of ``component``."""
    return _ARGS_BY_COMPONENT.get(component, ())


def argument_change(component: str, argument: str) -> Rename | None:
    """The change for ``component``'s old ``argument``, if the table has one."""
    for r in argument_changes(component):
        if r.argument == argument:
            return r
    return None


_BY_COMPONENT: dict[str, Rename] = {r.component: r for r in RENAMES if r.is_component_change}
_ARGS_BY_COMPONENT: dict[str, tuple[Rename, ...]] = {}
for _r in RENAMES:
    if not _r.is_component_change:
        _ARGS_BY_COMPONENT[_r.component] = (*_ARGS_BY_COMPONENT.get(_r.component, ()), _r)
del _r
