"""The catalog's entry types: one class (:class:`ComponentEntry`) and what it is made of.

:mod:`mmarc.catalog.model` holds the catalog as a whole (lookups, precedence, the file);
this module holds the per-class records it is made of: parameters, deprecations, by-name
arguments, each with its compact JSON row (the file format is described in
:mod:`mmarc.catalog.model`). Like the rest of the catalog's reading side it imports
neither torch nor MONAI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "ByNameArg",
    "ComponentEntry",
    "DeprecatedArg",
    "Deprecation",
    "Param",
    "ParamKind",
    "SkippedSource",
]


class ParamKind(StrEnum):
    """How an ``__init__`` parameter may be passed (``inspect.Parameter.kind``)."""

    POSITIONAL_ONLY = "positional_only"
    POSITIONAL_OR_KEYWORD = "positional_or_keyword"
    KEYWORD_ONLY = "keyword_only"
    VAR_POSITIONAL = "var_positional"
    VAR_KEYWORD = "var_keyword"


_KIND_CODES: dict[ParamKind, str] = {
    ParamKind.POSITIONAL_ONLY: "po",
    ParamKind.POSITIONAL_OR_KEYWORD: "pk",
    ParamKind.KEYWORD_ONLY: "ko",
    ParamKind.VAR_POSITIONAL: "vp",
    ParamKind.VAR_KEYWORD: "vk",
}
_KINDS_BY_CODE: dict[str, ParamKind] = {code: kind for kind, code in _KIND_CODES.items()}


@dataclass(frozen=True, slots=True)
class Param:
    """One ``__init__`` parameter.

    ``default`` is the default as a JSON value when it has one (``"bilinear"``, ``[2, 2]``,
    ``None``); a default without a JSON form (``numpy.float32``, a function) is ``None``
    here and described in ``default_repr``. Both are ``None`` for a required parameter;
    ``required`` is what tells "no default" from "default None".
    """

    name: str
    kind: ParamKind
    required: bool
    default: Any = None
    default_repr: str | None = None
    annotation: str | None = None

    @property
    def is_variadic(self) -> bool:
        return self.kind in (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD)

    @property
    def accepts_keyword(self) -> bool:
        """Whether a config's ``args`` mapping can set it by name."""
        return self.kind in (ParamKind.POSITIONAL_OR_KEYWORD, ParamKind.KEYWORD_ONLY)

    def to_row(self) -> list[Any]:
        row: list[Any] = [
            self.name,
            _KIND_CODES[self.kind],
            1 if self.required else 0,
            self.default,
            self.default_repr,
            self.annotation,
        ]
        while len(row) > 3 and row[-1] is None:
            row.pop()
        return row

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Param:
        padded = [*row, None, None, None][:6]
        return cls(
            name=padded[0],
            kind=_KINDS_BY_CODE[padded[1]],
            required=bool(padded[2]),
            default=padded[3],
            default_repr=padded[4],
            annotation=padded[5],
        )


@dataclass(frozen=True, slots=True)
class Deprecation:
    """A deprecation MONAI declares with its ``deprecated``/``deprecated_arg`` decorators.

    ``raises`` is True when, in the catalogued MONAI, using the thing raises
    ``DeprecatedError`` (it is past ``removed``) rather than only warning.
    """

    message: str
    since: str | None = None
    removed: str | None = None
    raises: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"m": self.message}
        if self.since is not None:
            out["s"] = self.since
        if self.removed is not None:
            out["r"] = self.removed
        if self.raises:
            out["x"] = 1
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Deprecation:
        return cls(data["m"], data.get("s"), data.get("r"), bool(data.get("x", 0)))


@dataclass(frozen=True, slots=True)
class DeprecatedArg:
    """An ``__init__`` argument MONAI marks deprecated (``new_name`` is its replacement).

    The argument may be absent from the signature (MONAI then takes it through
    ``**kwargs`` and maps it to ``new_name``); the checker must not call it unknown.
    """

    name: str
    new_name: str | None
    deprecation: Deprecation

    def to_json(self) -> dict[str, Any]:
        out = {"n": self.name, **self.deprecation.to_json()}
        if self.new_name is not None:
            out["to"] = self.new_name
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeprecatedArg:
        return cls(data["n"], data.get("to"), Deprecation.from_json(data))


@dataclass(frozen=True, slots=True)
class ByNameArg:
    """A constructor argument that turns a *string* into a class or callable by name.

    ``LoadImage(reader="ITKReader")`` makes MONAI look the string up with
    ``optional_import``/``pydoc.locate`` and call what it finds, so any importable name
    would run (``"os.system"``). ``kind`` says how the name is resolved: ``locate``
    (any importable name: only ``allowed`` may be written) or ``table`` (a fixed table of
    the library, such as the Act/Norm factories: safe, ``allowed`` lists it). ``source``
    names the code that resolves it, for the reader of the catalog.
    """

    name: str
    kind: str
    allowed: tuple[str, ...]
    source: str

    def to_row(self) -> list[Any]:
        return [self.name, self.kind, list(self.allowed), self.source]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ByNameArg:
        return cls(row[0], row[1], tuple(row[2]), row[3])


@dataclass(frozen=True, slots=True)
class ComponentEntry:
    """One class a config may name.

    ``path`` is the public import path (``monai.networks.nets.UNet``); ``aliases`` are the
    other paths that import the same class (``monai.networks.nets.unet.UNet``), because
    configs write either. ``names`` are the short names it is exported under.
    ``signature_error`` is set when the builder could not read the signature: then
    ``params`` is empty and nothing about its arguments can be checked.
    ``kwargs_target`` is the class that receives ``**kwargs`` when ``__init__`` passes them
    to ``super().__init__``, and ``forwarded_params`` what they can set there
    (``batch_size`` for ``monai.data.DataLoader``); see :meth:`accepted_param`.
    Tags: ``abstract`` (cannot be built), ``dictionary`` (a MapTransform, takes ``keys``),
    ``random`` (randomizable transform), ``metric_handler`` (attaches as an engine metric).
    """

    names: tuple[str, ...]
    path: str
    category: str
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    deprecated_args: tuple[DeprecatedArg, ...] = ()
    deprecation: Deprecation | None = None
    signature_error: str | None = None
    kwargs_target: str | None = None
    forwarded_params: tuple[Param, ...] = ()
    #: arguments resolved from a string by name (see :class:`ByNameArg`)
    by_name: tuple[ByNameArg, ...] = ()

    @property
    def name(self) -> str:
        """The class's own name (the last part of its public path)."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def module(self) -> str:
        return self.path.rsplit(".", 1)[0]

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, *self.aliases)

    @property
    def signature_known(self) -> bool:
        return self.signature_error is None

    @property
    def accepts_kwargs(self) -> bool:
        """True when the signature has ``**kwargs`` (or could not be read at all)."""
        if not self.signature_known:
            return True
        return any(p.kind is ParamKind.VAR_KEYWORD for p in self.params)

    @property
    def accepts_any_keyword(self) -> bool:
        """True when an argument name cannot be proven wrong: open ``**kwargs`` remain.

        ``**kwargs`` that the builder followed into ``super().__init__`` are closed: then
        only the names in :attr:`forwarded_params` get through (unless that class has
        open ``**kwargs`` of its own, kept as a ``var_keyword`` forwarded parameter).
        """
        if not self.accepts_kwargs:
            return False
        if self.kwargs_target is None:
            return True
        return any(p.kind is ParamKind.VAR_KEYWORD for p in self.forwarded_params)

    def accepted_param(self, name: str) -> Param | None:
        """The parameter a config's ``args`` key ``name`` sets: own, else forwarded."""
        own = self.param(name)
        if own is not None and own.accepts_keyword:
            return own
        for p in self.forwarded_params:
            if p.name == name and p.accepts_keyword:
                return p
        return None

    @property
    def accepts_varargs(self) -> bool:
        return any(p.kind is ParamKind.VAR_POSITIONAL for p in self.params)

    @property
    def keyword_params(self) -> tuple[Param, ...]:
        """The parameters a config's ``args`` mapping can name."""
        return tuple(p for p in self.params if p.accepts_keyword)

    @property
    def required_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.required)

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def deprecated_arg(self, name: str) -> DeprecatedArg | None:
        for d in self.deprecated_args:
            if d.name == name:
                return d
        return None

    def by_name_arg(self, name: str) -> ByNameArg | None:
        for b in self.by_name:
            if b.name == name:
                return b
        return None

    def has_tag(self, tag: str) -> bool:
        return tag in self.tags

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": list(self.names), "p": self.path, "c": self.category}
        if self.aliases:
            out["a"] = list(self.aliases)
        if self.tags:
            out["t"] = list(self.tags)
        out["s"] = [p.to_row() for p in self.params]
        if self.deprecated_args:
            out["d"] = [d.to_json() for d in self.deprecated_args]
        if self.deprecation is not None:
            out["x"] = self.deprecation.to_json()
        if self.signature_error is not None:
            out["e"] = self.signature_error
        if self.kwargs_target is not None:
            out["k"] = self.kwargs_target
            out["f"] = [p.to_row() for p in self.forwarded_params]
        if self.by_name:
            out["b"] = [b.to_row() for b in self.by_name]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComponentEntry:
        x = data.get("x")
        return cls(
            names=tuple(data["n"]),
            path=data["p"],
            category=data["c"],
            params=tuple(Param.from_row(r) for r in data.get("s", ())),
            aliases=tuple(data.get("a", ())),
            tags=tuple(data.get("t", ())),
            deprecated_args=tuple(DeprecatedArg.from_json(d) for d in data.get("d", ())),
            deprecation=Deprecation.from_json(x) if x is not None else None,
            signature_error=data.get("e"),
            kwargs_target=data.get("k"),
            forwarded_params=tuple(Param.from_row(r) for r in data.get("f", ())),
            by_name=tuple(ByNameArg.from_row(r) for r in data.get("b", ())),
        )

    def sort_key(self) -> tuple[str, str]:
        return (self.names[0] if self.names else self.name, self.path)


@dataclass(frozen=True, slots=True)
class SkippedSource:
    """A module the builder could not import (an optional dependency missing)."""

    module: str
    reason: str
