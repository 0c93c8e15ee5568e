"""Building blocks every file-kind schema is made of.

Clara files are loose in ways a plain pydantic model is not: any value that takes a
number or a flag may instead be a ``"{VAR}"`` placeholder filled in later, ``_``-prefixed
keys comment things out anywhere, and the problems must come back as located
diagnostics with a did-you-mean rather than as pydantic's own wording. Those rules are
defined once here:

* :data:`Var` - ``Var[int]`` accepts an int *or* a string that is exactly ``"{NAME}"``;
* :class:`SchemaModel` - the strict base class: unknown keys are errors that carry the
  allowed keys, ``_`` keys are skipped, "one of these keys is required" rules;
* :data:`Scalar`, :data:`Mapping` - JSON scalars, and objects keyed by user names.

Errors raised here use three custom pydantic error types that
:mod:`mmarc.compiler.schemas.check` turns into S001-S004: ``mmarc_unknown_key``,
``mmarc_missing`` and ``mmarc_type`` (with the expected type in words).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args

from annotated_types import Ge, Gt, Le
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainValidator,
    Strict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError, core_schema

from mmarc.plan.strict import key_title

T = TypeVar("T")
V = TypeVar("V")

# ---------------------------------------------------------------------------------------
# placeholders
# ---------------------------------------------------------------------------------------

#: A value that is exactly one ``{NAME}`` reference: Clara replaces it with the variable's
#: typed value (``"{dont_load_ckpt_model}"`` becomes ``true``), so it may stand wherever a
#: number, flag or list is expected. Longer strings with ``{...}`` inside are plain text.
PLACEHOLDER_PATTERN = r"^\{[A-Za-z_][A-Za-z0-9_]*\}$"
_PLACEHOLDER = re.compile(PLACEHOLDER_PATTERN)

#: The JSON Schema of a placeholder; :mod:`.export` moves it to ``$defs/Placeholder``.
PLACEHOLDER_JSON_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": PLACEHOLDER_PATTERN,
    "title": "Placeholder",
    "description": (
        'A "{NAME}" variable reference, replaced by the value of the variable NAME '
        "(defined at the top of the file or in environment.json) before the file is used."
    ),
}

PLACEHOLDER_WORDS = 'a "{VAR}" placeholder'

#: pydantic error types that mean "this is not even the right kind of value".
TYPE_ERRORS = frozenset(
    {
        "int_type",
        "int_parsing",
        "int_from_float",
        "float_type",
        "float_parsing",
        "bool_type",
        "bool_parsing",
        "string_type",
        "list_type",
        "tuple_type",
        "dict_type",
        "model_type",
        "model_attributes_type",
        "none_required",
        "mmarc_type",
    }
)

_EXPECTED_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean (true or false)",
    "bool_parsing": "a boolean (true or false)",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "none_required": "null",
}


def expected_words(error: Any) -> str:
    """The type a pydantic type error (an ``exc.errors()`` item) expected, in words."""
    kind = error["type"]
    if kind == "mmarc_type":
        ctx = error.get("ctx") or {}
        if isinstance(ctx.get("expected"), str):
            return str(ctx["expected"])
        return str(error["msg"]).removeprefix("expected ")
    return _EXPECTED_WORDS.get(kind, "a different type")


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and _PLACEHOLDER.match(value) is not None


def _value_or_placeholder(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if is_placeholder(value):
        return value
    try:
        return handler(value)
    except ValidationError as exc:
        errors = exc.errors()
        if errors and all(e["loc"] == () and e["type"] in TYPE_ERRORS for e in errors):
            words = expected_words(errors[0])
            raise PydanticCustomError(
                "mmarc_type",
                "expected {expected}",
                {"expected": f"{words} or {PLACEHOLDER_WORDS}"},
            ) from None
        raise


class _OrPlaceholder:
    """Annotation marker behind :data:`Var`: validate the value type unless a placeholder.

    A wrap validator rather than a union, so that a wrong value gives one error that
    names both choices instead of one error per union member.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        members = tuple(a for a in get_args(source) if a is not str) or (str,)
        value_type = members[0] if len(members) == 1 else Union[members]  # noqa: UP007
        return core_schema.no_info_wrap_validator_function(
            _value_or_placeholder, handler.generate_schema(value_type)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [handler(schema), dict(PLACEHOLDER_JSON_SCHEMA)]}


#: ``Var[X]``: a value of type X, or a ``"{VAR}"`` placeholder string standing for one.
Var = Annotated[T | str, _OrPlaceholder()]

# ---------------------------------------------------------------------------------------
# strict scalar types (JSON has no "5" == 5: a quoted number is a string)
# ---------------------------------------------------------------------------------------

NonNegativeInt = Annotated[int, Strict(), Ge(0)]
PositiveInt = Annotated[int, Strict(), Ge(1)]
PositiveFloat = Annotated[float, Strict(), Gt(0)]
Port = Annotated[int, Strict(), Ge(1), Le(65535)]
Bool = Annotated[bool, Strict()]
Str = Annotated[str, Strict()]


def _scalar(value: Any) -> Any:
    if isinstance(value, str | int | float | bool):
        return value
    raise PydanticCustomError(
        "mmarc_type", "expected {expected}", {"expected": "a string, number or boolean"}
    )


#: A JSON string, number or boolean (not null, not a list or object).
Scalar = Annotated[
    str | int | float | bool,
    PlainValidator(_scalar),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]


def _drop_comment_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))}
    return value


#: An object whose keys the user names (roles, sites, variables): values of type V,
#: ``_comment`` keys skipped.
Mapping = Annotated[dict[str, V], BeforeValidator(_drop_comment_keys)]

# ---------------------------------------------------------------------------------------
# the base model
# ---------------------------------------------------------------------------------------

_ALLOWED_KEYS: dict[type[BaseModel], frozenset[str]] = {}


def allowed_keys(model: type[BaseModel]) -> frozenset[str]:
    """The keys a model accepts, as written in files (aliases such as ``$schema``)."""
    keys = _ALLOWED_KEYS.get(model)
    if keys is None:
        keys = frozenset(f.alias or n for n, f in model.model_fields.items())
        _ALLOWED_KEYS[model] = keys
    return keys


def _reraisable(error: Any) -> InitErrorDetails:
    """An error from ``exc.errors()`` in the form ``ValidationError`` is built from."""
    kind = error["type"]
    ctx = error.get("ctx")
    if kind.startswith("mmarc_"):
        return InitErrorDetails(
            type=PydanticCustomError(kind, error["msg"], ctx),
            loc=error["loc"],
            input=error["input"],
        )
    details = InitErrorDetails(type=kind, loc=error["loc"], input=error["input"])
    if ctx is not None:
        details["ctx"] = ctx
    return details


def _one_of_json_schema(schema: dict[str, Any], model: type[Any]) -> None:
    """Express a model's ``_one_of`` rule in its JSON Schema (any of the keys required)."""
    keys: tuple[str, ...] = getattr(model, "_one_of", ())
    if keys:
        schema["anyOf"] = [{"required": [key]} for key in keys]


class SchemaModel(BaseModel):
    """Strict base of every schema model.

    Unknown keys are reported by a wrap validator instead of pydantic's
    ``extra_forbidden``, so that each error carries the allowed keys (for the
    did-you-mean) and so that ``_``-prefixed keys can be skipped. ``extra="forbid"`` stays
    set for the JSON Schema (``additionalProperties: false``).

    ``_one_of`` lists keys of which at least one must be present (a component needs
    ``name`` or ``path``); ``_one_of_message`` says so in the file's terms.
    """

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        defer_build=True,
        field_title_generator=key_title,
        json_schema_extra=_one_of_json_schema,
    )

    _one_of: ClassVar[tuple[str, ...]] = ()
    _one_of_message: ClassVar[str] = ""

    @model_validator(mode="wrap")
    @classmethod
    def _check_keys(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if not isinstance(data, dict):
            return handler(data)
        allowed = allowed_keys(cls)
        open_ended = cls.model_config.get("extra") == "allow"
        kept: dict[str, Any] = {}
        problems: list[InitErrorDetails] = []
        for key, value in data.items():
            if isinstance(key, str) and key.startswith("_"):
                continue
            if key in allowed or open_ended:
                kept[key] = value
            else:
                problems.append(
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "mmarc_unknown_key",
                            "unknown key {key}",
                            {"key": str(key), "allowed": sorted(allowed)},
                        ),
                        loc=(str(key),),
                        input=value,
                    )
                )
        if cls._one_of and not any(k in kept for k in cls._one_of):
            problems.append(
                InitErrorDetails(
                    type=PydanticCustomError(
                        "mmarc_missing",
                        "{message}",
                        {"message": cls._one_of_message, "keys": list(cls._one_of)},
                    ),
                    loc=(),
                    input=data,
                )
            )
        if not problems:
            return handler(kept)
        try:
            handler(kept)
        except ValidationError as exc:
            problems = [_reraisable(e) for e in exc.errors()] + problems
        raise ValidationError.from_exception_data(cls.__name__, problems)


def choose(tagger: Callable[[Any], str | None], expected: str) -> Discriminator:
    """A discriminator that picks a union member with ``tagger`` (a ``Tag`` name per shape).

    When ``tagger`` returns None the value fits no member, and the error says what was
    ``expected`` in words (no braces: pydantic formats the message as a template).
    """
    return Discriminator(
        tagger, custom_error_type="mmarc_type", custom_error_message=f"expected {expected}"
    )


def shape_tag(value: Any) -> str | None:
    """Discriminator by JSON shape: the tag a value selects in an either-or type."""
    if isinstance(value, dict):
        return "<object>"
    if isinstance(value, list):
        return "<list>"
    if isinstance(value, str):
        return "<string>"
    return None


def is_tag(part: object) -> bool:
    """Whether a pydantic error location part is a union tag (``<list>``), not a key."""
    return isinstance(part, str) and len(part) > 2 and part[0] == "<" and part[-1] == ">"


class Document(SchemaModel):
    """Base of the model of a whole file: every file may name its JSON Schema."""

    schema_: Str | None = Field(
        None,
        alias="$schema",
        title="$schema",
        description="URL or path of this file's JSON Schema; editors use it, Clara ignores it.",
    )
