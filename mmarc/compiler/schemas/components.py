"""Schemas of components: the ``{"name"|"path", "args", ...}`` mappings that build objects.

The keys a component may carry besides ``args`` are Clara's, not the class's, so an
unknown one (``"arg"``, ``"disable"``) is silently ignored by Clara and is exactly the
kind of mistake a schema should catch. Constructor arguments inside ``args`` are free
here; the component stage checks them against the catalog.

Slots come in three shapes: one component, a list of them, or either. Each is a
discriminated union keyed on the JSON shape, so a wrong value gives one error that says
what the slot takes instead of one error per alternative.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, Tag
from typing_extensions import TypeAliasType

from mmarc.compiler.schemas.common import (
    Bool,
    Mapping,
    NonNegativeInt,
    SchemaModel,
    Str,
    Var,
    choose,
)

_NAME_DESCRIPTION = (
    'Class to build: a short name Clara finds in MONAI, PyTorch or Clara ("UNet"), '
    'optionally with an alias after "#" ("ScaleByResolution#ScaleImg") that a '
    '{"ref": ...} can use.'
)
_PATH_DESCRIPTION = (
    'Full import path of the class ("monai.networks.nets.UNet"); used for your own code '
    "(BYOC) or to pick one class among several with the same name."
)


class Component(SchemaModel):
    """A component: the class to build (``name`` or ``path``), its ``args`` and attributes."""

    _one_of = ("name", "path")
    _one_of_message = 'a component needs "name" or "path" (or "ref" to re-use another one)'

    name: Str | None = Field(None, min_length=1, description=_NAME_DESCRIPTION)
    path: Str | None = Field(None, min_length=1, description=_PATH_DESCRIPTION)
    args: dict[str, Any] | None = Field(
        None,
        description=(
            'Constructor arguments. Values may be "{VAR}" placeholders, "@name" references '
            'to other components and "#expression"s.'
        ),
    )
    disabled: Var[Bool] = Field(
        False, description="When true, Clara skips this component entirely."
    )
    rank: Var[NonNegativeInt] | None = Field(
        None,
        description="Build the component only on this process rank in multi-GPU training.",
    )
    log_label: Str | None = Field(
        None, description="Name under which a metric's value is logged and saved."
    )
    search: list[dict[str, Any]] | None = Field(
        None,
        description="Clara AutoML search space for this component's arguments (checked by AutoML).",
    )
    apply: Mapping[Str] | None = Field(
        None, description="AutoML: take these arguments from values searched elsewhere."
    )


class MetricComponent(Component):
    """A metric component; Clara 4.0 marks the key metric in the list with a flag."""

    is_key_metric: Var[Bool] | None = Field(
        None,
        description="Clara 4.0: this metric selects the best checkpoint (4.1 uses key_metric).",
    )


class DatasetComponent(Component):
    """A dataset component: Clara reads the datalist for it from these extra keys."""

    data_list_file_path: Str | None = Field(
        None, description="Datalist JSON file (usually {DATASET_JSON})."
    )
    data_file_base_dir: Str | None = Field(
        None, description="Folder the datalist's relative paths start from (usually {DATA_ROOT})."
    )
    data_list_key: Str | None = Field(
        None, description='Which list of the datalist to use ("training", "validation"...).'
    )


class RefComponent(SchemaModel):
    """Re-use of a component defined elsewhere in the file, by class name or alias."""

    ref: Str = Field(
        min_length=1,
        description='Name (or "#alias") of the component to re-use, e.g. "LoadImaged".',
    )


def component_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return "<ref>" if "ref" in value else "<component>"
    return None


def slot_tag(value: Any) -> str | None:
    if isinstance(value, list):
        return "<list>"
    return component_tag(value)


_A_COMPONENT = 'a component (an object with "name", "path" or "ref")'
_COMPONENTS = f"{_A_COMPONENT} or a list of components"

#: One component, or a ``{"ref": ...}`` to one.
OneComponent = TypeAliasType(
    "OneComponent",
    Annotated[
        Annotated[Component, Tag("<component>")] | Annotated[RefComponent, Tag("<ref>")],
        choose(component_tag, _A_COMPONENT),
    ],
)
OneMetric = TypeAliasType(
    "OneMetric",
    Annotated[
        Annotated[MetricComponent, Tag("<component>")] | Annotated[RefComponent, Tag("<ref>")],
        choose(component_tag, _A_COMPONENT),
    ],
)
OneDataset = TypeAliasType(
    "OneDataset",
    Annotated[
        Annotated[DatasetComponent, Tag("<component>")] | Annotated[RefComponent, Tag("<ref>")],
        choose(component_tag, _A_COMPONENT),
    ],
)

#: A slot that takes one component or a list of them (Clara accepts both shapes).
ComponentSlot = TypeAliasType(
    "ComponentSlot",
    Annotated[
        Annotated[Component, Tag("<component>")]
        | Annotated[RefComponent, Tag("<ref>")]
        | Annotated[list[OneComponent], Tag("<list>")],
        choose(slot_tag, _COMPONENTS),
    ],
)
MetricSlot = TypeAliasType(
    "MetricSlot",
    Annotated[
        Annotated[MetricComponent, Tag("<component>")]
        | Annotated[RefComponent, Tag("<ref>")]
        | Annotated[list[OneMetric], Tag("<list>")],
        choose(slot_tag, _COMPONENTS),
    ],
)
DatasetSlot = TypeAliasType(
    "DatasetSlot",
    Annotated[
        Annotated[DatasetComponent, Tag("<component>")]
        | Annotated[RefComponent, Tag("<ref>")]
        | Annotated[list[OneDataset], Tag("<list>")],
        choose(slot_tag, _COMPONENTS),
    ],
)
#: A slot that takes a list of components (filters, processors...).
ComponentList = TypeAliasType("ComponentList", list[OneComponent])
