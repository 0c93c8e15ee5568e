"""The simulated federation a plan was compiled for: clients, and how the data is shared.

``mmarc run MMAR --sim N --split ... --seed ...`` and every setting of ``mmarc study``
run a federation on one machine whose sites get their share of the MMAR's datalist from
the simulator. Which items a site trains and validates on decides what the run measures,
so the split is a compiler input like ``--rounds``: the caller turns its options into a
:class:`SimulationSettings` (:func:`simulation_settings` applies the defaults, once), the
compiler writes it into the plan's ``simulation`` section, the hash covers it, and the
simulator reads the split from the plan it runs (:mod:`mmarc.runtime.sim.split` does the
cutting). A plan compiled without a simulation has no ``simulation`` key at all, so its
hash is what it was before the section existed.

Splits (``--split``), all deterministic for a given seed:

* ``iid``: each datalist key shuffled and cut into near-equal parts;
* ``dirichlet:ALPHA`` (0 < ALPHA < 1e6): label skew, per class shares drawn from
  Dirichlet(ALPHA, ..., ALPHA);
* ``fraction:F`` (0 < F <= 1): every site trains on a random fraction F of the training
  items (disjoint while sites x F <= 1).

``sites`` and ``train_share`` reduce the training data only (the study's ``sites:F`` and
``data:F``): the training items are cut among ``sites`` sites of which the first
``clients`` train, and each keeps ``train_share`` of its part. Validation items are
always cut among the ``clients`` that run, every item to exactly one of them, so the
combined metric (weighted by each site's validation samples) is the metric on the whole
validation set whatever the split.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, get_args

from annotated_types import Ge, Gt, Le, Lt
from pydantic import AllowInfNan, Field, Strict, model_validator

from mmarc.plan.strict import StrictSettings

__all__ = [
    "MAX_SEED",
    "MAX_SIM_CLIENTS",
    "SPLIT_METHODS",
    "SimulationSettings",
    "SplitSpec",
    "parse_split",
    "simulation_settings",
]

#: A split method ``--split`` accepts.
SplitMethod = Literal["iid", "dirichlet", "fraction"]
#: The split methods, in the order the help names them.
SPLIT_METHODS: tuple[str, ...] = get_args(SplitMethod)
#: The most client processes one simulation starts.
MAX_SIM_CLIENTS = 1024
#: The largest split seed (a non-negative 63-bit integer: exact in every JSON reader).
MAX_SEED = 2**63 - 1

#: A number of simulated sites.
SimClients = Annotated[int, Strict(), Ge(1), Le(MAX_SIM_CLIENTS)]
#: The seed of the split.
SplitSeed = Annotated[int, Strict(), Ge(0), Le(MAX_SEED)]
#: A share of a site's training items.
TrainShare = Annotated[float, Strict(), Gt(0), Le(1), AllowInfNan(False)]
#: A split's parameter (ALPHA or F).
SplitValue = Annotated[float, Strict(), Gt(0), Lt(1e6), AllowInfNan(False)]

_SPLIT_FORMS = "iid, dirichlet:ALPHA (0 < ALPHA < 1e6), fraction:F (0 < F <= 1)"


class SplitSpec(StrictSettings):
    """How the datalist is shared among the sites: a method and its parameter."""

    method: SplitMethod = Field(
        description="iid, dirichlet (label skew) or fraction (a share of the items per site)."
    )
    value: SplitValue | None = Field(
        description="dirichlet: ALPHA (> 0); fraction: F (0 < F <= 1); iid: null."
    )

    @model_validator(mode="after")
    def _value_fits_method(self) -> SplitSpec:
        if self.method == "iid" and self.value is not None:
            raise ValueError("iid takes no value")
        if self.method != "iid" and self.value is None:
            raise ValueError(f"{self.method} needs a value")
        if self.method == "fraction" and self.value is not None and self.value > 1:
            raise ValueError(f"fraction {self.value:g} is above 1")
        return self

    def __str__(self) -> str:
        return self.method if self.value is None else f"{self.method}:{self.value:g}"


def parse_split(text: str) -> SplitSpec:
    """``iid``, ``dirichlet:ALPHA`` (0 < ALPHA < 1e6) or ``fraction:F`` (0 < F <= 1).

    Raises:
        ValueError: anything else, in one line that names ``--split``.
    """
    method, _, raw = str(text).strip().partition(":")
    method = method.lower()
    if method == "iid" and not raw:
        return SplitSpec(method="iid", value=None)
    if method in ("dirichlet", "fraction") and raw:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if method == "dirichlet" and math.isfinite(value) and 0 < value < 1e6:
            return SplitSpec(method="dirichlet", value=value)
        if method == "fraction" and math.isfinite(value) and 0 < value <= 1:
            return SplitSpec(method="fraction", value=value)
    raise ValueError(f"--split {text!r} is not one of: {_SPLIT_FORMS}")


class SimulationSettings(StrictSettings):
    """The simulated federation of a plan (see the module docstring); every field explicit."""

    clients: SimClients = Field(
        description="Client processes the simulator starts (site-1 ... site-N)."
    )
    sites: SimClients = Field(
        description="Sites the training items are cut among; the first `clients` of them "
        "train (more sites than clients: the rest are switched off)."
    )
    split: SplitSpec = Field(description="How the datalist is shared among the sites.")
    seed: SplitSeed = Field(description="Seed of the split.")
    train_share: TrainShare = Field(
        description="Share of its training items each site keeps (1.0: all of them)."
    )

    @model_validator(mode="after")
    def _sites_hold_the_clients(self) -> SimulationSettings:
        if self.sites < self.clients:
            raise ValueError(
                f"{self.clients} clients need at least as many sites, got {self.sites}"
            )
        return self


def simulation_settings(
    clients: int,
    split: str | SplitSpec = "iid",
    seed: int = 0,
    *,
    sites: int | None = None,
    train_share: float = 1.0,
) -> SimulationSettings:
    """The settings of a simulation, defaults applied (the one place they are).

    Args:
        clients: client processes (``--sim N``).
        split: ``--split`` text or a parsed :class:`SplitSpec`.
        seed: ``--seed``, the seed of the split.
        sites: sites the training items are cut among (default: ``clients``).
        train_share: share of its training items each site keeps.

    Raises:
        ValueError: a value out of range, in one line that names the option.
    """
    if not 1 <= clients <= MAX_SIM_CLIENTS:
        raise ValueError(f"--sim {clients}: a simulation has 1 to {MAX_SIM_CLIENTS} clients")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"--seed {seed}: a split seed is between 0 and 2**63 - 1")
    spec = parse_split(split) if isinstance(split, str) else split
    total = clients if sites is None else sites
    if not clients <= total <= MAX_SIM_CLIENTS:
        raise ValueError(f"{total} sites cannot hold {clients} clients")
    share = float(train_share)
    if not (math.isfinite(share) and 0 < share <= 1):
        raise ValueError(f"a training share of {train_share!r} is not in (0, 1]")
    return SimulationSettings(
        clients=clients, sites=total, split=spec, seed=seed, train_share=share
    )
