"""The trust policy shared by the compiler and the executor: configs are data.

Three things decide what a config or plan may make a site do, and both ``mmarc validate``
(statically, as located diagnostics) and the executor (again, at build time, because a
plan may be hand-edited or arrive from a server) apply the same ones:

* :mod:`~mmarc.policy.grammar`: the one parser of ``@name`` references and ``#``/lambda
  expressions;
* :mod:`~mmarc.policy.expressions` and :mod:`~mmarc.policy.attributes`: which parts of
  that grammar an expression may use, and which attributes/methods per type (an
  allow-list; everything else is refused);
* :mod:`~mmarc.policy.by_name`: the constructor arguments MONAI resolves from a string
  by name (``LoadImage(reader=...)``), recorded in the catalog with the names allowed.

This package imports neither torch, MONAI nor ignite.
"""

from __future__ import annotations

from mmarc.policy.attributes import (
    BUILTIN_HELPERS,
    HELPERS,
    TYPE_RULES,
    TypeRule,
    attribute_allowed,
    method_allowed,
)
from mmarc.policy.by_name import ByNameRefusal, check_by_name
from mmarc.policy.expressions import MAX_LENGTH, Violation, check_expression
from mmarc.policy.grammar import (
    ExpressionError,
    ExpressionSite,
    ParsedExpression,
    expression_in,
    parse_expression,
    placeholder,
    references_in,
)

__all__ = [
    "BUILTIN_HELPERS",
    "HELPERS",
    "MAX_LENGTH",
    "TYPE_RULES",
    "ByNameRefusal",
    "ExpressionError",
    "ExpressionSite",
    "ParsedExpression",
    "TypeRule",
    "Violation",
    "attribute_allowed",
    "check_by_name",
    "check_expression",
    "expression_in",
    "method_allowed",
    "parse_expression",
    "placeholder",
    "references_in",
]
