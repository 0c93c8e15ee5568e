"""Which :class:`~.strategy.Strategy` a server config's ``aggregator`` component asks for.

A compiled plan names the runtime class in the component's ``path`` (the compiler's FL
alias table, :mod:`mmarc.compiler.fl_components`, put it there); a config read as it is
(tests, tools) has only Clara's short ``name``. Both are looked up in allow-lists; a
component that names neither is FedAvg, as in Clara, when it is absent.

Nothing here imports torch: the launcher reads the config before starting processes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mmarc.errors import MmarcError

from ..security.ckks import HEError
from .fedopt import FedAdam, FedOptSettings, FedOptSettingsError, FedYogi
from .selection import ExcludeSpec, VarSelector
from .strategy import FedAvg, Strategy

__all__ = [
    "HE_STRATEGIES",
    "StrategyConfigError",
    "StrategySpec",
    "build_strategy",
    "strategy_spec",
]

#: The runtime class path a plan carries -> the strategy it runs.
STRATEGY_PATHS: Mapping[str, str] = {
    "mmarc.runtime.aggregation.InTimeAccumulator": "FedAvg",
    "mmarc.runtime.aggregation.FedAdam": "FedAdam",
    "mmarc.runtime.aggregation.FedYogi": "FedYogi",
    "mmarc.runtime.aggregation.HEFedAvg": "HEFedAvg",
}
#: Clara-style component names (a config read without compiling) -> the strategy.
STRATEGY_NAMES: Mapping[str, str] = {
    "InTimeAccumulateWeightedAggregator": "FedAvg",
    "FedAdamAggregator": "FedAdam",
    "FedYogiAggregator": "FedYogi",
    "HEInTimeAccumulateWeightedAggregator": "HEFedAvg",
}
#: The strategies that aggregate ciphertexts (they need the server's public HE context).
HE_STRATEGIES = frozenset({"HEFedAvg"})
#: The server optimiser arguments of FedAdam and FedYogi.
FEDOPT_ARGS = ("eta", "beta1", "beta2", "tau")


class StrategyConfigError(MmarcError, ValueError):
    """The aggregator component cannot be run; ``key`` is the pointer inside it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class StrategySpec:
    """A validated choice of strategy: its name and, for FedAdam/FedYogi, its settings."""

    name: str = "FedAvg"
    settings: FedOptSettings = field(default_factory=FedOptSettings)


def strategy_spec(component: Any) -> StrategySpec:
    """Read an ``aggregator`` component (absent: FedAvg); raises :class:`StrategyConfigError`."""
    if not isinstance(component, Mapping):
        return StrategySpec()
    path, name = component.get("path"), component.get("name")
    if path is not None:
        chosen = STRATEGY_PATHS.get(str(path))
        where = "path"
    else:
        chosen = STRATEGY_NAMES.get(str(name).split("#", 1)[0]) if name is not None else "FedAvg"
        where = "name"
    if chosen is None:
        known = ", ".join(STRATEGY_NAMES)
        raise StrategyConfigError(
            where, f"aggregator {name or path!r} is not one mmarc runs; use one of: {known}"
        )
    args = component.get("args")
    args = args if isinstance(args, Mapping) else {}
    if chosen in ("FedAvg", "HEFedAvg"):
        return StrategySpec(chosen)
    given = {key: args[key] for key in FEDOPT_ARGS if key in args}
    try:
        return StrategySpec(chosen, FedOptSettings(**given))
    except FedOptSettingsError as exc:
        raise StrategyConfigError(f"args/{exc.key}", f"{exc.key} {exc}") from None


def build_strategy(
    spec: StrategySpec,
    exclude: ExcludeSpec | VarSelector = None,
    *,
    he_context: Any = None,
    weight_of: Callable[[str], float] | None = None,
) -> Strategy:
    """A fresh strategy for one run; ``exclude`` variables keep the global value.

    Args:
        spec: the strategy chosen by :func:`strategy_spec`.
        exclude: variables that are not aggregated.
        he_context: the server's public TenSEAL context (HE strategies only).
        weight_of: the server's aggregation weight of a site (HE strategies scale each
            site's ciphertexts by it; the others get it inside the round's weights).
    """
    if spec.name in HE_STRATEGIES:
        from .he import HEFedAvg

        if he_context is None:
            raise HEError(
                f"{spec.name} aggregates encrypted updates: the server needs the project's "
                "public TenSEAL context (server_context.tenseal of its provisioned kit)"
            )
        return HEFedAvg(he_context, exclude, weight_of)
    if spec.name == "FedAdam":
        return FedAdam(spec.settings, exclude)
    if spec.name == "FedYogi":
        return FedYogi(spec.settings, exclude)
    return FedAvg(exclude)
