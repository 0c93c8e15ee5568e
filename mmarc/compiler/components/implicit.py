"""The constructor arguments a Clara MMAR may leave out because Clara supplied them.

Why one module: the component checker must not report them missing (C003), ``mmarc
migrate`` writes the Clara 4.0 ones in explicitly, and the executor injects them when it
builds a 4.0 config as is. All three read :data:`IMPLICIT_ARGUMENTS` from here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mmarc.compiler.component_sites import TRAIN_SECTIONS, ComponentSite, sections
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import Node, SequenceNode
from mmarc.compiler.versions import ClaraVersion

__all__ = [
    "CLARA40_METRICS_SLOT",
    "CLARA40_NAME_LISTS",
    "CLARA40_NAME_LIST_OBJECTS",
    "IMPLICIT_ARGUMENTS",
    "IMPLICIT_WIRING_VERSIONS",
    "ImplicitArgument",
    "implicit_arguments",
    "implicit_wiring",
    "section_slots",
]

#: Clara versions whose configs wire components implicitly (no ``@`` references).
#: A file whose version is unknown is treated like 4.0: leniency beats false errors.
IMPLICIT_WIRING_VERSIONS = frozenset({ClaraVersion.V40, ClaraVersion.V40_EA, ClaraVersion.UNKNOWN})


@dataclass(frozen=True, slots=True)
class ImplicitArgument:
    """A constructor argument a config may leave out because Clara supplied it.

    ``slots``: the slots of the components that receive it (``dataset``...);
    ``classes``: the only classes it applies to (empty: any class in those slots).
    ``value`` is the explicit Clara 4.1 form (``"@pre_transforms"``, ``"{amp}"``), which
    ``mmarc migrate`` writes in and the executor builds for 4.0 configs; None when the
    runtime supplies an object no config can write (the device, the datalist's records).
    ``needs`` is the slot or variable that must exist for the wiring to apply.
    ``runtime`` True: supplied for every Clara version (the executor always injects it);
    False: only Clara 4.0 wired it (:data:`IMPLICIT_WIRING_VERSIONS`).
    ``when_attribute``: applies only to components carrying that key
    (``data_list_file_path``). ``any_section``: ``needs`` may come from the other section
    of a config_train.json (validate's evaluator uses train's ``model``; train's
    ValidationHandler runs validate's ``evaluator``); otherwise only from its own.
    """

    slots: frozenset[str]
    argument: str
    value: str | None
    needs: str | None
    runtime: bool
    why: str
    classes: frozenset[str] = frozenset()
    when_attribute: str | None = None
    any_section: bool = False

    def applies_to(self, slot: str, class_name: str | None) -> bool:
        return slot in self.slots and (not self.classes or class_name in self.classes)


_TRAINER = frozenset({"trainer"})
_EVALUATOR = frozenset({"evaluator"})
_TRAINERS = frozenset({"SupervisedTrainer"})
_EVALUATORS = frozenset({"SupervisedEvaluator"})


def _wired(
    slots: frozenset[str], argument: str, value: str, classes: frozenset[str] = frozenset()
) -> ImplicitArgument:
    needs = value.strip("{}#@").split(".")[0] if value[0] in "@#{" else None
    return ImplicitArgument(
        slots,
        argument,
        value,
        needs,
        False,
        f"Clara 4.0 passed {value} as {argument}",
        classes,
        any_section=needs in _SHARED_SLOTS,
    )


#: Slots a component of either section of a config_train.json may use.
_SHARED_SLOTS = frozenset({"model", "evaluator", "optimizer", "lr_scheduler"})


#: THE list of constructor arguments a Clara MMAR may omit, in the order a 4.1 config
#: writes them. The component checker does not report them missing; ``mmarc migrate``
#: writes the Clara 4.0 ones in explicitly; the executor injects the ``runtime`` ones
#: always, and the others (as their ``value``) when it builds a 4.0 config as is.
IMPLICIT_ARGUMENTS: tuple[ImplicitArgument, ...] = (
    # -- supplied by the runtime, every version ---------------------------------------
    ImplicitArgument(
        _TRAINER | _EVALUATOR | frozenset({"validator"}),
        "device",
        None,
        None,
        True,
        "the runtime passes the device it trains on (and moves the network there)",
        _TRAINERS | _EVALUATORS,
    ),
    ImplicitArgument(
        frozenset({"dataset"}),
        "data",
        None,
        None,
        True,
        "the runtime reads the records from data_list_file_path",
        when_attribute="data_list_file_path",
    ),
    # -- wired implicitly by Clara 4.0 ---------------------------------------------------
    ImplicitArgument(
        frozenset({"dataset"}),
        "cache_dir",
        None,
        None,
        False,
        "Clara 4.0 chose PersistentDataset's cache folder itself (MONAI has always required "
        "cache_dir; NVIDIA's 4.0 deepgrow MMARs leave it out); a 4.1 config must write it, "
        "so migrate lists it",
        frozenset({"PersistentDataset"}),
    ),
    _wired(frozenset({"dataset"}), "transform", "@pre_transforms"),
    _wired(frozenset({"dataloader"}), "dataset", "@dataset"),
    _wired(frozenset({"optimizer"}), "params", "#@model.parameters()"),
    _wired(frozenset({"lr_scheduler"}), "optimizer", "@optimizer"),
    _wired(
        frozenset({"handlers"}), "lr_scheduler", "@lr_scheduler", frozenset({"LrScheduleHandler"})
    ),
    _wired(frozenset({"handlers"}), "validator", "@evaluator", frozenset({"ValidationHandler"})),
    # SmartCacheHandler drives the SmartCacheDataset of its own section
    _wired(frozenset({"handlers"}), "smartcacher", "@dataset", frozenset({"SmartCacheHandler"})),
    _wired(_TRAINER, "max_epochs", "{epochs}", _TRAINERS),
    _wired(_TRAINER, "train_data_loader", "@dataloader", _TRAINERS),
    _wired(_TRAINER, "network", "@model", _TRAINERS),
    _wired(_TRAINER, "loss_function", "@loss", _TRAINERS),
    _wired(_TRAINER, "optimizer", "@optimizer", _TRAINERS),
    _wired(_TRAINER, "inferer", "@inferer", _TRAINERS),
    _wired(_TRAINER, "postprocessing", "@post_transforms", _TRAINERS),
    _wired(_TRAINER, "key_train_metric", "@key_metric", _TRAINERS),
    _wired(_TRAINER, "additional_metrics", "@additional_metrics", _TRAINERS),
    _wired(_TRAINER, "train_handlers", "@handlers", _TRAINERS),
    _wired(_TRAINER, "amp", "{amp}", _TRAINERS),
    _wired(_EVALUATOR, "val_data_loader", "@dataloader", _EVALUATORS),
    _wired(_EVALUATOR, "network", "@model", _EVALUATORS),
    _wired(_EVALUATOR, "inferer", "@inferer", _EVALUATORS),
    _wired(_EVALUATOR, "postprocessing", "@post_transforms", _EVALUATORS),
    _wired(_EVALUATOR, "key_val_metric", "@key_metric", _EVALUATORS),
    _wired(_EVALUATOR, "additional_metrics", "@additional_metrics", _EVALUATORS),
    _wired(_EVALUATOR, "val_handlers", "@handlers", _EVALUATORS),
    _wired(_EVALUATOR, "amp", "{amp}", _EVALUATORS),
)

#: Clara 4.0 named components in these arguments by slot name (``"save_dict": ["model",
#: "optimizer"]``); 4.1 and MONAI take ``{"model": "@model", ...}``.
CLARA40_NAME_LISTS: frozenset[tuple[str, str]] = frozenset(
    {("CheckpointLoader", "load_dict"), ("CheckpointSaver", "save_dict")}
)

#: Names in those 4.0 lists that are not slots but objects Clara 4.0 supplied, with the
#: 4.1 reference for each (Clara 4.1's GettingStarted writes ``"train_conf": "@conf"``).
CLARA40_NAME_LIST_OBJECTS: Mapping[str, str] = MappingProxyType({"train_conf": "@conf"})

#: The 4.0 ``metrics`` list, which 4.1 splits into ``key_metric`` + ``additional_metrics``.
CLARA40_METRICS_SLOT = "metrics"


def implicit_arguments(
    slot: str, class_name: str | None, clara_version: ClaraVersion
) -> list[ImplicitArgument]:
    """The entries of :data:`IMPLICIT_ARGUMENTS` for a component, for a Clara version."""
    clara40 = clara_version in IMPLICIT_WIRING_VERSIONS
    return [
        a for a in IMPLICIT_ARGUMENTS if a.applies_to(slot, class_name) and (a.runtime or clara40)
    ]


def section_slots(kind: FileKind, root: Node | None) -> dict[str | None, set[str]]:
    """The slots each section offers to ``@`` references, as Clara 4.1 sees them.

    A 4.0 ``metrics`` list counts as the ``key_metric`` (and ``additional_metrics`` when it
    has more than one entry) that Clara 4.0 made of it.
    """
    out: dict[str | None, set[str]] = {}
    for name, section in sections(kind, root):
        slots = set(section.entries)
        metrics = section.get(CLARA40_METRICS_SLOT)
        if isinstance(metrics, SequenceNode) and metrics.items:
            slots.add("key_metric")
            if len(metrics.items) > 1:
                slots.add("additional_metrics")
        out[name] = slots
    return out


def implicit_wiring(
    kind: FileKind,
    site: ComponentSite,
    slots: Mapping[str | None, Collection[str]],
    variables: Collection[str],
) -> dict[str, str]:
    """What Clara 4.0 passed to ``site`` that its ``args`` leave out: argument -> the 4.1
    value (``"@dataloader"``, ``"{amp}"``), in :data:`IMPLICIT_ARGUMENTS` order.

    ``slots`` is :func:`section_slots` (or a caller's version of it); ``variables`` the
    names ``{VAR}`` can use (top-level settings, environment.json). An argument whose
    source is missing (no ``inferer`` slot, no ``amp`` variable) is left out.
    """
    args = site.args
    present = set(args.entries) if args is not None else set()
    if kind is FileKind.TRAIN:
        shared = [site.section, *(s for s in TRAIN_SECTIONS if s != site.section)]
    else:
        shared = [site.section]
    out: dict[str, str] = {}
    for implicit in IMPLICIT_ARGUMENTS:
        value = implicit.value
        if implicit.runtime or value is None or implicit.argument in present:
            continue
        if not implicit.applies_to(site.slot, site.class_name):
            continue
        if value.startswith("{"):
            if value.strip("{}") not in variables:
                continue
        elif implicit.needs is not None:
            order = shared if implicit.any_section else [site.section]
            if not any(implicit.needs in slots.get(s, ()) for s in order):
                continue
        out[implicit.argument] = value
    return out
