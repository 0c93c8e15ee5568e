"""What an expression may read and call: helpers, and attributes/methods per type.

An allow-list, never a deny-list: an attribute or method is usable only when a rule
below names it for the type of the object it is taken from; everything else (frames,
code objects, ``__class__``, ``mro``, ``format``, ``tofile``...) is refused because no
rule names it, not because a pattern matched it.

The rules come from what the expressions of the Clara/NVFlare corpus, the MONAI
tutorials and mmarc's examples actually use (``@model.parameters()``,
``engine.state.iteration``, ``x[0]['loss'].item()``, ``x.get(...)``), plus the
read-only siblings a config plausibly needs (``named_parameters``, ``state.epoch``,
``tensor.detach()``). Types are recognised by the dotted names of the classes in the
object's MRO, so this module imports neither torch nor ignite.

Two checks use these rules: statically (compiler and executor, before anything runs) a
name must be allowed for *some* type (:func:`attribute_known`, :func:`method_known`);
at evaluation the executor checks the actual object (:func:`attribute_allowed`,
:func:`method_allowed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BUILTIN_HELPERS",
    "HELPERS",
    "TYPE_RULES",
    "TypeRule",
    "attribute_allowed",
    "attribute_known",
    "method_allowed",
    "method_known",
    "rule_for",
]


@dataclass(frozen=True, slots=True)
class TypeRule:
    """The attributes and methods allowed on instances of the classes named in ``classes``."""

    name: str
    #: ``module.qualname`` of the class (or a base class) an object must be an instance of
    classes: frozenset[str]
    #: attributes that may be read (never called unless also in ``methods``)
    attributes: frozenset[str] = frozenset()
    #: methods that may be called (and only called: ``x.item`` alone is refused)
    methods: frozenset[str] = frozenset()


TYPE_RULES: tuple[TypeRule, ...] = (
    TypeRule(
        "torch.nn.Module",
        frozenset({"torch.nn.modules.module.Module"}),
        methods=frozenset(
            {
                "parameters",  # corpus: "#@model.parameters()"
                "named_parameters",
                "buffers",
                "named_buffers",
                "children",
                "named_children",
                "modules",
                "named_modules",
                "state_dict",
            }
        ),
    ),
    TypeRule(
        "torch.Tensor",
        frozenset({"torch.Tensor", "torch._tensor.Tensor"}),
        attributes=frozenset({"shape", "ndim", "dtype"}),
        methods=frozenset(
            {
                "item",  # corpus: lambda x: x[0]['loss'].item()
                "tolist",
                "float",
                "double",
                "long",
                "int",
                "bool",
                "detach",
                "cpu",
                "squeeze",
                "unsqueeze",
                "flatten",
                "mean",
                "sum",
                "argmax",
                "numel",
                "size",
                "dim",
            }
        ),
    ),
    TypeRule(
        "ignite Engine (MONAI trainers and evaluators)",
        frozenset({"ignite.engine.engine.Engine"}),
        attributes=frozenset({"state"}),  # corpus: engine.state.iteration
    ),
    TypeRule(
        "ignite State",
        frozenset({"ignite.engine.events.State"}),
        attributes=frozenset(
            {
                "iteration",  # corpus
                "epoch_length",  # corpus
                "batch",  # corpus
                "epoch",
                "max_epochs",
                "output",
                "metrics",
                "best_metric",
                "best_metric_epoch",
            }
        ),
    ),
    TypeRule(
        "dict",
        frozenset({"builtins.dict"}),
        methods=frozenset({"get", "keys", "values", "items"}),  # corpus: x.get('b')
    ),
)

#: Pure helper functions an expression may call, by the dotted path written in configs
#: -> (module to import, attribute). ``from_engine`` picks keys out of engine output;
#: the ``stopping_fn_*`` helpers build EarlyStopHandler score functions.
HELPERS: dict[str, tuple[str, str]] = {
    "monai.handlers.from_engine": ("monai.handlers", "from_engine"),
    "monai.handlers.utils.from_engine": ("monai.handlers.utils", "from_engine"),
    "monai.handlers.stopping_fn_from_metric": ("monai.handlers", "stopping_fn_from_metric"),
    "monai.handlers.stopping_fn_from_loss": ("monai.handlers", "stopping_fn_from_loss"),
    "monai.handlers.utils.stopping_fn_from_metric": (
        "monai.handlers.utils",
        "stopping_fn_from_metric",
    ),
    "monai.handlers.utils.stopping_fn_from_loss": ("monai.handlers.utils", "stopping_fn_from_loss"),
}

#: Builtins an expression may call, positional arguments only. ``print`` is what the
#: corpus' progress loggers call (``lambda engine: print(f'iter: ...')``).
BUILTIN_HELPERS: frozenset[str] = frozenset({"print"})

_ATTRIBUTES = frozenset(a for rule in TYPE_RULES for a in rule.attributes)
_METHODS = frozenset(m for rule in TYPE_RULES for m in rule.methods)


def attribute_known(name: str) -> bool:
    """Whether some type allows reading attribute ``name`` (the static check)."""
    return name in _ATTRIBUTES


def method_known(name: str) -> bool:
    """Whether some type allows calling method ``name`` (the static check)."""
    return name in _METHODS


def rule_for(obj: Any) -> TypeRule | None:
    """The first rule whose classes ``obj`` is an instance of, by its MRO's dotted names."""
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__}
    for rule in TYPE_RULES:
        if rule.classes & names:
            return rule
    return None


def attribute_allowed(obj: Any, name: str) -> bool:
    """Whether reading ``obj.name`` is allowed for the actual type of ``obj``."""
    rule = rule_for(obj)
    return rule is not None and name in rule.attributes


def method_allowed(obj: Any, name: str) -> bool:
    """Whether calling ``obj.name(...)`` is allowed for the actual type of ``obj``."""
    rule = rule_for(obj)
    return rule is not None and name in rule.methods
