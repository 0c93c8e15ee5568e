"""Clara AutoML's search-space syntax, which sits inside train configs but is not wiring.

Clara 4.x AutoML adds ``"search"`` (a list of search domains, at the top level or in a
component) and ``"apply"`` (which searched value goes to which argument) to an ordinary
train config. Their strings name *AutoML* variables and arguments: ``"args":
["@disabled"]`` is the component's ``disabled`` argument, not a Clara ``@`` reference, and
``{"@disabled": "mySearch"}`` maps a search result onto it. Clara's own config parser
never resolves them; the AutoML controller does. So the stages that read wiring
(references, version evidence, the trust policy) skip these subtrees, from one predicate.
"""

from __future__ import annotations

from mmarc.compiler.source import PointerPart

__all__ = ["AUTOML_KEYS", "in_automl_search"]

#: Keys of Clara AutoML's search-space syntax (top level or beside a component's "name").
AUTOML_KEYS = frozenset({"search", "apply"})


def in_automl_search(parts: tuple[PointerPart, ...]) -> bool:
    """Whether the node at ``parts`` lies in an AutoML ``search``/``apply`` subtree.

    Under ``args`` the same words are ordinary argument names, so they do not count there.
    """
    for i, part in enumerate(parts):
        if part in AUTOML_KEYS and (i == 0 or parts[i - 1] != "args"):
            return True
    return False
