"""The model's input channels against the images after the transforms (L013, ``lint``).

Why: a network built for 3 input channels fed 1-channel images (or the reverse) fails at
the first forward pass with a convolution shape error that names no file; a site finds
out after caching the whole dataset. Where the data is on this machine, this module reads
the header of the first image the training dataset lists (:mod:`.image_headers`: NIfTI
and NumPy headers, never voxels), follows the ``"image"`` key through the dataset's
transforms as MONAI would change its channel count, and compares the result with the
model's ``in_channels``.

Only transforms whose effect on channels is known take part: those that set the channel
dimension (:data:`CHANNEL_SETTERS`), and :data:`CHANNEL_PRESERVING` ones (spatial,
intensity and type transforms, a table checked against MONAI in the tests). Any other
transform of ``"image"`` (a custom one, ``ConcatItemsd``...) ends the check silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mmarc.compiler.component_sites import ComponentSite
from mmarc.compiler.datalist import is_disabled, key_list, transform_chain
from mmarc.compiler.image_headers import ImageHeader, read_image_header
from mmarc.compiler.lint_context import (
    LintContext,
    Parts,
    arg_of,
    datalist_sites,
    dataset_data,
    sites_of,
)
from mmarc.compiler.mmar import LoadedFile
from mmarc.compiler.source import Node
from mmarc.diagnostics import Diagnostic

__all__ = ["CHANNEL_PRESERVING", "CHANNEL_SETTERS", "IMAGE_KEY", "rule_input_channels"]

#: The item key MONAI's engines feed the network (``CommonKeys.IMAGE``).
IMAGE_KEY = "image"
#: Transforms that give the image its channel dimension, handled one by one below.
CHANNEL_SETTERS = frozenset(
    {"LoadImaged", "EnsureChannelFirstd", "AddChanneld", "AsChannelFirstd", "RepeatChanneld"}
)
#: Dictionary transforms that keep the number of channels of the keys they transform.
CHANNEL_PRESERVING = frozenset(
    {
        "Affined",
        "BorderPadd",
        "CastToTyped",
        "CenterSpatialCropd",
        "CopyItemsd",
        "CropForegroundd",
        "DataStatsd",
        "DeleteItemsd",
        "DivisiblePadd",
        "EnsureTyped",
        "Flipd",
        "GaussianSmoothd",
        "Identityd",
        "NormalizeIntensityd",
        "Orientationd",
        "Rand2DElasticd",
        "Rand3DElasticd",
        "RandAdjustContrastd",
        "RandAffined",
        "RandAxisFlipd",
        "RandBiasFieldd",
        "RandCoarseDropoutd",
        "RandCropByLabelClassesd",
        "RandCropByPosNegLabeld",
        "RandFlipd",
        "RandGaussianNoised",
        "RandGaussianSharpend",
        "RandGaussianSmoothd",
        "RandHistogramShiftd",
        "RandRotate90d",
        "RandRotated",
        "RandScaleCropd",
        "RandScaleIntensityd",
        "RandShiftIntensityd",
        "RandSpatialCropSamplesd",
        "RandSpatialCropd",
        "RandStdShiftIntensityd",
        "RandWeightedCropd",
        "RandZoomd",
        "Resized",
        "ResizeWithPadOrCropd",
        "Rotate90d",
        "Rotated",
        "SaveImaged",
        "ScaleIntensityRanged",
        "ScaleIntensityRangePercentilesd",
        "ScaleIntensityd",
        "ShiftIntensityd",
        "Spacingd",
        "SpatialCropd",
        "SpatialPadd",
        "ThresholdIntensityd",
        "ToDeviced",
        "ToNumpyd",
        "ToTensord",
        "Zoomd",
    }
)


@dataclass
class _Image:
    """What is known of the image while following the chain."""

    header: ImageHeader
    #: channels MONAI's reader records for it (``original_channel_dim``): None = no channel
    meta_channels: int | None
    #: channels once a channel dimension exists; None before
    channels: int | None = None


def _loaded(header: ImageHeader, channel_dim: Any) -> _Image:
    """The image as LoadImaged returns it (NibabelReader / NumpyReader conventions)."""
    shape = header.shape
    if isinstance(channel_dim, int) and -len(shape) <= channel_dim < len(shape):
        return _Image(header, shape[channel_dim])
    if header.format == "nifti" and len(shape) > 3:
        return _Image(header, shape[-1])  # channels (or time) last, after x, y, z
    return _Image(header, None)


def _arg(site: ComponentSite, name: str) -> Any:
    args = site.args
    node = args.get(name) if args is not None else None
    return node.to_plain() if node is not None else None


def _step(image: _Image | None, site: ComponentSite, header: ImageHeader) -> _Image | None:
    """The image after one transform of ``"image"``; None once the effect is unknown."""
    name = site.class_name
    if name == "LoadImaged":
        image = _loaded(header, _arg(site, "channel_dim"))
        if _arg(site, "ensure_channel_first") is True:
            image.channels = image.meta_channels or 1
        return image
    if image is None:
        return None
    if name == "EnsureChannelFirstd":
        dim = _arg(site, "channel_dim")
        if dim == "no_channel":
            image.channels = 1
        elif isinstance(dim, int):
            image = _loaded(image.header, dim)
            image.channels = image.meta_channels
        else:
            image.channels = image.meta_channels or 1
    elif name == "AddChanneld":
        image.channels = 1
    elif name == "AsChannelFirstd":
        dim = _arg(site, "channel_dim")
        image = _loaded(image.header, dim if isinstance(dim, int) else -1)
        image.channels = image.meta_channels
    elif name == "RepeatChanneld":
        repeats = _arg(site, "repeats")
        if image.channels is None or not isinstance(repeats, int):
            return None
        image.channels *= repeats
    elif name not in CHANNEL_PRESERVING:
        return None
    return image


def _input_channels(f: LoadedFile, section: str | None) -> tuple[int, Parts] | None:
    """The model's ``in_channels`` (its own section's model first) and its pointer."""
    assert f.substituted is not None
    models = [s for s in sites_of(f) if s.slot == "model" and not s.nested]
    models.sort(key=lambda s: s.section != section)
    for model in models[:1]:
        found = arg_of(model, "in_channels", f.substituted)
        if found and isinstance(found[0], int) and not isinstance(found[0], bool):
            return found[0], found[1]
    return None


def _first_image(
    ctx: LintContext, site: ComponentSite, f: LoadedFile
) -> tuple[ImageHeader, str] | None:
    assert f.substituted is not None
    data = dataset_data(ctx, site, f.substituted)
    if data is None or data.base is None or not data.items:
        return None
    first = data.items[0]
    value = first.get(IMAGE_KEY) if isinstance(first, dict) else None
    if not isinstance(value, str):
        return None  # a list of files is stacked by LoadImaged: not followed
    path = data.base / value
    header = read_image_header(path) if path.is_file() else None
    return (header, f'{value} (the first of "{data.key}")') if header is not None else None


def _channels_after(chain: list[ComponentSite], tree: Node, header: ImageHeader) -> int | None:
    """The image's channels after ``chain``; None when a transform's effect is unknown."""
    image: _Image | None = None
    for t in chain:
        if is_disabled(t):
            continue
        if t.ref is not None or t.path is not None:
            return None  # unresolved or custom: it may do anything to the image
        if IMAGE_KEY not in [k for k, _ in key_list(t, tree)]:
            continue
        image = _step(image, t, header)
        if image is None:
            return None
    return image.channels if image is not None else None


def rule_input_channels(ctx: LintContext) -> Iterator[Diagnostic]:
    """L013: the model's in_channels equals the image channels after the transforms."""
    reported: set[tuple[str, Parts]] = set()
    for f, site, tree in datalist_sites(ctx):
        model = _input_channels(f, site.section)
        if model is None or (f.source.display, model[1]) in reported:
            continue
        first = _first_image(ctx, site, f)
        chain = transform_chain(f, site) if first is not None else None
        if first is None or chain is None:
            continue
        header, shown = first
        channels = _channels_after(chain, tree, header)
        count, parts = model
        if channels is None or count == channels:
            continue
        reported.add((f.source.display, parts))
        shape = "x".join(map(str, header.shape))
        yield f.source.diagnostic(
            "L013",
            f"the model takes {count} input channel(s), but the images have {channels} "
            f"after the dataset's transforms (header of {shown}: {shape})",
            parts,
            hint=f"set in_channels to {channels}, or change the transforms "
            "(EnsureChannelFirstd, RepeatChanneld...) to give the model what it expects",
        )
