"""Constructor arguments that MONAI resolves from a string by name, and the names allowed.

Found by reading MONAI 1.6.1's source for ``pydoc.locate``, ``optional_import(...,
name=<variable>)`` and ``getattr(<module>, <variable>)`` in constructors:

* ``LoadImage`` ``reader`` (transforms/io/array.py): ``optional_import("monai.data",
  name=reader)``, then ``locate(reader)``, then ``SUPPORTED_READERS``; the result is
  *called* with the transform's extra arguments, so ``"os.system"`` runs a command;
* ``SaveImage`` ``writer`` (same file): ``optional_import("monai.data", name=writer)``
  then ``locate(writer)``;
* ``PatchInferer`` ``merger_cls`` (inferers/inferer.py): ``monai.inferers.merger``, then
  ``locate``;
* ``TorchVision``/``TorchIO``/``CuCIM`` and their random and dictionary forms ``name``
  (transforms/utility/array.py): ``optional_import(<library>.transforms, name=name)``;
* ``TorchVisionFCModel`` ``model_name`` and ``MILModel`` ``backbone`` (networks/nets):
  ``getattr(torchvision.models, name)``.

The dictionary transforms pass the argument on to the array transform, so they are listed
too. No catalogued torch or ignite constructor resolves a name (their string arguments,
such as ``DataLoader``'s ``multiprocessing_context`` or ``Transformer``'s ``activation``,
pick from fixed tables). Names from a fixed table of the library
(``Act``/``Norm``/``Dropout`` factories, ``look_up_option`` tables) cannot reach arbitrary
code; :func:`factory_names` records them for diagnostics. The allowed names are computed
from the installed libraries when the
catalog is built (:mod:`mmarc.catalog.build`), and :func:`scan_constructor` makes the
build fail when a MONAI release adds a by-name lookup this table does not know.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "BY_NAME",
    "TORCHVISION_MODELS",
    "TORCHVISION_TRANSFORMS",
    "ByNameSpec",
    "allowed_names",
    "factory_names",
    "scan_constructor",
]


@dataclass(frozen=True, slots=True)
class ByNameSpec:
    """Catalogued class ``path`` resolves argument ``arg`` by name; ``names`` lists what
    may be written (a key of :data:`_NAME_SOURCES`)."""

    path: str
    arg: str
    names: str
    source: str


_LOAD = "monai.transforms.io.array.LoadImage: optional_import('monai.data'), pydoc.locate"
_SAVE = "monai.transforms.io.array.SaveImage: optional_import('monai.data'), pydoc.locate"
_TV = "monai.transforms.utility.array.TorchVision: optional_import('torchvision.transforms')"
_TIO = "monai.transforms.utility.array.TorchIO: optional_import('torchio.transforms')"
_CUCIM = "monai.transforms.utility.array.CuCIM: optional_import('cucim...expose.transform')"
_MODELS = "getattr(torchvision.models, name)"

#: Every by-name constructor argument of the catalogued classes.
BY_NAME: tuple[ByNameSpec, ...] = (
    ByNameSpec("monai.transforms.LoadImage", "reader", "readers", _LOAD),
    ByNameSpec("monai.transforms.LoadImaged", "reader", "readers", _LOAD),
    ByNameSpec("monai.transforms.SaveImage", "writer", "writers", _SAVE),
    ByNameSpec("monai.transforms.SaveImaged", "writer", "writers", _SAVE),
    ByNameSpec(
        "monai.inferers.PatchInferer",
        "merger_cls",
        "mergers",
        "monai.inferers.inferer.PatchInferer: optional_import('monai.inferers.merger'), "
        "pydoc.locate",
    ),
    *(
        ByNameSpec(f"monai.transforms.{cls}", "name", "torchvision_transforms", _TV)
        for cls in ("TorchVision", "TorchVisiond", "RandTorchVision", "RandTorchVisiond")
    ),
    *(
        ByNameSpec(f"monai.transforms.{cls}", "name", "torchio_transforms", _TIO)
        for cls in ("TorchIO", "TorchIOd", "RandTorchIO", "RandTorchIOd")
    ),
    *(
        ByNameSpec(f"monai.transforms.{cls}", "name", "cucim_transforms", _CUCIM)
        for cls in ("CuCIM", "CuCIMd", "RandCuCIM", "RandCuCIMd")
    ),
    ByNameSpec(
        "monai.networks.nets.TorchVisionFCModel", "model_name", "torchvision_models", _MODELS
    ),
    ByNameSpec("monai.networks.nets.MILModel", "backbone", "torchvision_models", _MODELS),
)

#: Calls in a constructor's own source that resolve a name held in a variable.
_LOOKUP = re.compile(
    r"\blocate\(|optional_import\([^)]*\bname\s*=\s*(?![\"'])|getattr\(\s*models\s*,"
)


def _subclass_names(module: str, base: str, *, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    mod = importlib.import_module(module)
    root = getattr(mod, base)
    names = {
        n
        for n in dir(mod)
        if not n.startswith("_")
        and isinstance(getattr(mod, n, None), type)
        and issubclass(getattr(mod, n), root)
        and getattr(mod, n) is not root
        and not inspect.isabstract(getattr(mod, n))
    }
    return tuple(sorted({*names, *(f"{module}.{n}" for n in names), *extra}))


def _readers() -> tuple[str, ...]:
    from monai.transforms.io.array import SUPPORTED_READERS

    return _subclass_names("monai.data", "ImageReader", extra=tuple(SUPPORTED_READERS))


def _writers() -> tuple[str, ...]:
    return _subclass_names("monai.data", "ImageWriter")


def _mergers() -> tuple[str, ...]:
    return _subclass_names("monai.inferers.merger", "Merger")


#: torchvision's transform classes, used when torchvision is not installed at build time
#: (the Digital Pathology MMAR writes ``TorchVisiond(name="ColorJitter")``). ``Lambda``
#: is left out everywhere: it takes a callable.
TORCHVISION_TRANSFORMS: tuple[str, ...] = (
    "AugMix", "AutoAugment", "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype",
    "ElasticTransform", "FiveCrop", "GaussianBlur", "Grayscale", "Normalize", "PILToTensor",
    "Pad", "RandAugment", "RandomAdjustSharpness", "RandomAffine", "RandomAutocontrast",
    "RandomCrop", "RandomEqualize", "RandomErasing", "RandomGrayscale",
    "RandomHorizontalFlip", "RandomInvert", "RandomPerspective", "RandomPosterize",
    "RandomResizedCrop", "RandomRotation", "RandomSolarize", "RandomVerticalFlip", "Resize",
    "TenCrop", "ToPILImage", "ToTensor", "TrivialAugmentWide",
)  # fmt: skip
#: torchvision model builders, used when torchvision is not installed at build time.
TORCHVISION_MODELS: tuple[str, ...] = (
    "densenet121", "densenet161", "densenet169", "densenet201", "efficientnet_b0",
    "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "efficientnet_b4",
    "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "resnet101", "resnet152",
    "resnet18", "resnet34", "resnet50", "resnext101_32x8d", "resnext50_32x4d",
    "vgg11", "vgg13", "vgg16", "vgg19", "wide_resnet101_2", "wide_resnet50_2",
)  # fmt: skip
_TAKES_CALLABLE = frozenset({"Lambda"})


def _public_names(module: str, fallback: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The public class names of an optional library; ``fallback`` when it is not installed
    (empty: then no name is allowed, the argument cannot work without the library)."""
    try:
        mod = importlib.import_module(module)
    except Exception:
        return tuple(sorted(fallback))
    exported = getattr(mod, "__all__", None) or dir(mod)
    return tuple(
        sorted(
            n
            for n in exported
            if not n.startswith("_")
            and n not in _TAKES_CALLABLE
            and isinstance(getattr(mod, n), type)
        )
    )


def _torchvision_models() -> tuple[str, ...]:
    try:
        models = importlib.import_module("torchvision.models")
    except Exception:
        return tuple(sorted(TORCHVISION_MODELS))
    return tuple(sorted(models.list_models(module=models)))


_NAME_SOURCES: dict[str, Callable[[], tuple[str, ...]]] = {
    "readers": _readers,
    "writers": _writers,
    "mergers": _mergers,
    "torchvision_transforms": lambda: _public_names(
        "torchvision.transforms", TORCHVISION_TRANSFORMS
    ),
    "torchio_transforms": lambda: _public_names("torchio.transforms"),
    "cucim_transforms": lambda: _public_names("cucim.core.operations.expose.transform"),
    "torchvision_models": _torchvision_models,
}


def allowed_names(key: str) -> tuple[str, ...]:
    """The names allowed for a :class:`ByNameSpec` ``names`` key (imports the libraries)."""
    return _NAME_SOURCES[key]()


def factory_names() -> dict[str, tuple[str, ...]]:
    """MONAI's layer factories (``act``, ``norm``, ``dropout``... arguments): fixed tables."""
    from monai.networks.layers.factories import Act, Conv, Dropout, Norm, Pad, Pool

    return {
        name: tuple(sorted(factory.names))
        for name, factory in (
            ("Act", Act),
            ("Conv", Conv),
            ("Dropout", Dropout),
            ("Norm", Norm),
            ("Pad", Pad),
            ("Pool", Pool),
        )
    }


def scan_constructor(cls: type) -> bool:
    """Whether ``cls``'s own ``__init__`` resolves a variable name (locate and kin)."""
    init = cls.__dict__.get("__init__")
    if init is None:
        return False
    try:
        text = inspect.getsource(init)
    except (OSError, TypeError):
        return False
    return _LOOKUP.search(text) is not None
