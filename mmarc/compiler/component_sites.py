"""Where the components are in an MMAR configuration, shared by every stage that needs them.

A *component* is a mapping that names a class to build: ``{"name": "UNet", "args": {...}}``,
``{"path": "monai.networks.nets.UNet", ...}``, or ``{"ref": "LoadImaged"}`` (re-use of a
component defined elsewhere). Reference resolution, catalog checks, lint, the plan and
the executor all need the same answer to "which mappings are components, in which
section and slot, under which names can they be referred to", so it is computed here once.

Sections: a ``config_train.json`` has ``train`` and ``validate``; a
``config_validation.json`` keeps its slots at the top level (section ``None``); FL files
have their own top-level slots (``aggregator``, ``client_trainer``...). A component
may nest inside another's ``args`` (``model_persistor.args.model``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import MappingNode, Node, PointerPart, ScalarNode, SequenceNode

#: Keys of a component mapping besides ``args`` that Clara reads (not constructor args).
COMPONENT_ATTRIBUTES = frozenset({"name", "path", "args", "disabled", "rank", "log_label", "ref"})
#: Extra keys a dataset component carries in Clara 4.x.
DATASET_ATTRIBUTES = frozenset({"data_list_file_path", "data_file_base_dir", "data_list_key"})

#: The sections of a config_train.json, in the order Clara builds them.
TRAIN_SECTIONS = ("train", "validate")

#: Kinds whose files contain components.
COMPONENT_KINDS = frozenset(
    {FileKind.TRAIN, FileKind.VALIDATION, FileKind.FED_SERVER, FileKind.FED_CLIENT}
)

#: Top-level keys of FL files that are not components even though they hold "name".
_FL_NON_COMPONENT_SLOTS = frozenset({"servers"})


@dataclass(frozen=True, slots=True)
class ComponentSite:
    """One component as written in a file.

    ``slot`` is the section key it sits under (``model``, ``pre_transforms``,
    ``aggregator``...); ``index`` its position when the slot holds a list; ``nested_in``
    the argument path when it is built inside another component's ``args``.
    """

    parts: tuple[PointerPart, ...]
    node: MappingNode
    section: str | None
    slot: str
    index: int | None
    nested: bool

    @property
    def declared_name(self) -> str | None:
        """The ``name`` value as written, ``Name#alias`` included."""
        value = _scalar(self.node.get("name"))
        return value if isinstance(value, str) else None

    @property
    def class_name(self) -> str | None:
        """The short class name: ``name`` before any ``#alias``, or the last part of ``path``."""
        name = self.declared_name
        if name is not None:
            return name.split("#", 1)[0].strip()
        path = self.path
        return path.rsplit(".", 1)[-1] if path else None

    @property
    def alias(self) -> str | None:
        name = self.declared_name
        if name is not None and "#" in name:
            return name.split("#", 1)[1].strip() or None
        return None

    @property
    def path(self) -> str | None:
        value = _scalar(self.node.get("path"))
        return value if isinstance(value, str) else None

    @property
    def ref(self) -> str | None:
        value = _scalar(self.node.get("ref"))
        return value if isinstance(value, str) else None

    @property
    def args(self) -> MappingNode | None:
        args = self.node.get("args")
        return args if isinstance(args, MappingNode) else None

    @property
    def ref_names(self) -> tuple[str, ...]:
        """Names a ``{"ref": X}`` may use for this component: its alias, else its class."""
        names = []
        if self.alias:
            names.append(self.alias)
        if self.class_name:
            names.append(self.class_name)
        return tuple(names)


def _scalar(node: Node | None) -> object:
    return node.value if isinstance(node, ScalarNode) else None


def is_component(node: Node) -> bool:
    """A mapping that names a class (``name``/``path``) or re-uses one (``ref``)."""
    if not isinstance(node, MappingNode):
        return False
    for key in ("name", "path", "ref"):
        value = node.get(key)
        if isinstance(value, ScalarNode) and isinstance(value.value, str):
            return True
    return False


def sections(kind: FileKind, root: Node | None) -> Iterator[tuple[str | None, MappingNode]]:
    """The (section name, mapping) pairs whose keys are slots."""
    if not isinstance(root, MappingNode):
        return
    if kind is FileKind.TRAIN:
        for name in TRAIN_SECTIONS:
            section = root.get(name)
            if isinstance(section, MappingNode):
                yield name, section
    elif kind in COMPONENT_KINDS:
        yield None, root


def iter_components(kind: FileKind, root: Node | None) -> Iterator[ComponentSite]:
    """Every component of a file, in document order, nested ones after their parent."""
    for section_name, section in sections(kind, root):
        base: tuple[PointerPart, ...] = (section_name,) if section_name else ()
        for slot, entry in section.entries.items():
            if section_name is None and slot in _FL_NON_COMPONENT_SLOTS:
                continue
            value = entry.value
            if isinstance(value, SequenceNode):
                for i, item in enumerate(value.items):
                    if is_component(item):
                        yield from _with_nested(
                            ComponentSite((*base, slot, i), item, section_name, slot, i, False)  # type: ignore[arg-type]
                        )
            elif is_component(value):
                yield from _with_nested(
                    ComponentSite((*base, slot), value, section_name, slot, None, False)  # type: ignore[arg-type]
                )
            elif isinstance(value, MappingNode) and section_name is None:
                # FL files group components one level down (client.outbound_filters...)
                for sub, sub_entry in value.entries.items():
                    sub_value = sub_entry.value
                    items = sub_value.items if isinstance(sub_value, SequenceNode) else [sub_value]
                    for i, item in enumerate(items):
                        if is_component(item):
                            idx = i if isinstance(sub_value, SequenceNode) else None
                            parts = (slot, sub, i) if idx is not None else (slot, sub)
                            yield from _with_nested(
                                ComponentSite(parts, item, None, sub, idx, False)  # type: ignore[arg-type]
                            )


def _with_nested(site: ComponentSite) -> Iterator[ComponentSite]:
    yield site
    args = site.args
    if args is None:
        return
    for key, entry in args.entries.items():
        value = entry.value
        items = value.items if isinstance(value, SequenceNode) else [value]
        for i, item in enumerate(items):
            if is_component(item):
                idx = i if isinstance(value, SequenceNode) else None
                parts = (*site.parts, "args", key) + ((i,) if idx is not None else ())
                yield from _with_nested(
                    ComponentSite(parts, item, site.section, key, idx, True)  # type: ignore[arg-type]
                )
