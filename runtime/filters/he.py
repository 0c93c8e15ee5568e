"""The site's side of homomorphic encryption: seal what goes out, open what comes in.

Clara's / NVFlare's ``HEModelEncryptor`` (outbound), ``HEModelDecryptor`` (inbound: the
global model) and ``HEEvalDecryptor`` (cross-site validation's inbound: the other sites'
models), with their names and arguments, so an MMAR's ``config_fed_client.json`` keeps
working. Their key is not an argument: the site's secret TenSEAL context comes from its
provisioned kit (``client_context.tenseal``), and the client attaches it with
:func:`attach_context` after building its filters; a filter without one refuses to run.

The encryptor seals local *weights* (the client sends weights, not differences, when it
encrypts: the server adds them and cannot add a sealed difference to a sealed model),
multiplied by the site's weight (its ``aggregation_weights`` entry times the round's
local steps when ``weigh_by_local_iter``), so the server's sum opens to the weighted
average. Integer variables (``num_batches_tracked``) and scalars stay plain: CKKS is
approximate arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..aggregation.selection import ExcludeSpec, VarSelector
from ..security.ckks import (
    SEAL_SUFFIX,
    HEError,
    context_fingerprint,
    is_companion,
    load_context,
    open_layer,
    read_sealed,
    seal_layer,
    sealed_names,
)
from .base import Filter, check_number, float_arrays, register_filter

__all__ = [
    "HEEvalDecryptor",
    "HEFilter",
    "HEModelDecryptor",
    "HEModelEncryptor",
    "attach_context",
    "attach_site_context",
    "encrypts",
    "has_he",
]


class HEFilter:
    """What the HE filters share: the site's secret context, attached by the client."""

    context: Any = None
    site: str = ""

    def attach(self, context: Any, site: str) -> None:
        if not context.is_private():
            raise HEError(f"{type(self).__name__} needs the site's secret context")
        self.context = context
        self.site = site

    def _context(self) -> Any:
        if self.context is None:
            raise HEError(
                f"{type(self).__name__} has no TenSEAL context: this site has no "
                "client_context.tenseal from a provisioned kit"
            )
        return self.context


@register_filter
class HEModelEncryptor(HEFilter):
    """Seal the outbound weights.

    Args:
        encrypt_layers: which variables to seal: None or True for every floating-point
            one, a regex searched in each name, or a list of exact names.
        aggregation_weights: this site's weight by site name (default 1).
        weigh_by_local_iter: multiply by the round's local steps too (Clara's weighting).
    """

    def __init__(
        self,
        encrypt_layers: ExcludeSpec | bool = None,
        aggregation_weights: Mapping[str, float] | None = None,
        weigh_by_local_iter: bool = True,
    ) -> None:
        if encrypt_layers is False:
            raise ValueError("encrypt_layers false seals nothing; remove the encryptor instead")
        self.select = None if encrypt_layers in (None, True) else VarSelector(encrypt_layers)  # type: ignore[arg-type]
        self.aggregation_weights = {
            str(site): check_number(f"aggregation_weights[{site!r}]", value, 0.0, 1e6)
            for site, value in (aggregation_weights or {}).items()
        }
        if not isinstance(weigh_by_local_iter, bool):
            raise ValueError("weigh_by_local_iter must be true or false")
        self.weigh_by_local_iter = weigh_by_local_iter

    def factor(self, local_steps: float | None) -> float:
        """The weight this site's values are multiplied by."""
        factor = self.aggregation_weights.get(self.site, 1.0)
        if self.weigh_by_local_iter and local_steps:
            factor *= float(local_steps)
        return factor

    def __call__(
        self, weights: Mapping[str, np.ndarray], local_steps: float | None = None
    ) -> dict[str, np.ndarray]:
        context = self._context()
        factor = self.factor(local_steps)
        out: dict[str, np.ndarray] = {}
        chosen = set(float_arrays(weights))
        for name, value in weights.items():
            if name in chosen and (self.select is None or self.select(name)):
                out.update(seal_layer(context, name, value, factor))
            else:
                out[name] = value
        return out


@register_filter
class HEModelDecryptor(HEFilter):
    """Open the sealed variables of an inbound model (plain ones pass unchanged)."""

    def __call__(self, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        sealed = sealed_names(weights)
        if not sealed:
            return dict(weights)
        context = self._context()
        out: dict[str, np.ndarray] = {}
        for name, value in weights.items():
            if name in sealed:
                out[name] = open_layer(context, read_sealed(weights, name))
            elif not (is_companion(name) and name[: -len(SEAL_SUFFIX)] in sealed):
                out[name] = value
        return out


@register_filter
class HEEvalDecryptor(HEModelDecryptor):
    """Cross-site validation's inbound filter: open the other sites' sealed models."""


def has_he(chain: Iterable[Filter]) -> bool:
    """Whether a filter chain holds an HE filter (then the site needs its context)."""
    return any(isinstance(step, HEFilter) for step in chain)


def encrypts(chain: Iterable[Filter]) -> bool:
    """Whether a chain seals what it sends (the client then sends weights)."""
    return any(isinstance(step, HEModelEncryptor) for step in chain)


def attach_site_context(
    chains: Iterable[Iterable[Filter]], path: Path | None, site: str
) -> str | None:
    """Read the site's secret context when a chain holds an HE filter and give it to
    them; returns its fingerprint (what the site registers with), None without HE."""
    chains = [list(chain) for chain in chains]
    if not any(has_he(chain) for chain in chains):
        return None
    if path is None:
        raise HEError(
            "the plan's filters use homomorphic encryption and this site has no TenSEAL "
            "context (client_context.tenseal of its provisioned kit)"
        )
    context = load_context(path, secret=True)
    attach_context(chains, context, site)
    return context_fingerprint(context)


def attach_context(chains: Iterable[Iterable[Filter]], context: Any, site: str) -> None:
    """Give every HE filter of ``chains`` the site's secret context."""
    for chain in chains:
        for step in chain:
            if isinstance(step, HEFilter):
                step.attach(context, site)
