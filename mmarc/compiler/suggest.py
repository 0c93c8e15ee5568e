"""Did-you-mean: the one way every stage picks the closest known name to a mistyped one.

A different spelling of the same name in another case wins outright (``unet`` -> ``UNet``);
otherwise :mod:`difflib`'s similarity decides, above a cutoff the caller chooses by how
short and how many the candidates are.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Default similarity below which no suggestion is made.
DEFAULT_CUTOFF = 0.7


def closest(name: str, candidates: Iterable[str], cutoff: float = DEFAULT_CUTOFF) -> str | None:
    """The candidate ``name`` most likely meant, or None when nothing is close enough."""
    pool = [c for c in candidates if c != name]
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered:
        return lowered[name.lower()]
    found = difflib.get_close_matches(name, pool, n=1, cutoff=cutoff)
    return found[0] if found else None
