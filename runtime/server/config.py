"""The server's view of its settings: the plan's effective ``fl.server_settings``.

The settings, their constraints and their defaults are defined once, in
:mod:`mmarc.plan.fl`; the compiler wrote their effective values into the plan and
:func:`mmarc.plan.load_plan` validated them. What is left here is what only the runtime
knows: which aggregation strategy the ``aggregator`` component names
(:func:`server_strategy`), and how a filter component becomes a filter.

Nothing here imports torch: the CLI and the simulator's launcher read this to check a
run before starting processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmarc.plan import FLConfigError, FLServerSettings, Plan
from mmarc.plan.fl import merge_exclude

from ..aggregation.registry import StrategyConfigError, StrategySpec, strategy_spec
from ..filters import Filter, FilterConfigError, build_filter

__all__ = [
    "FLConfigError",
    "ServerConfig",
    "filter_chain",
    "merge_exclude",
    "server_config",
    "server_strategy",
]

#: The server's settings, validated (the plan model; rounds are Clara's 0-based numbers).
ServerConfig = FLServerSettings


def _component_args(component: Any) -> Mapping[str, Any]:
    if isinstance(component, Mapping) and isinstance(component.get("args"), Mapping):
        return component["args"]
    return {}


def filter_chain(entries: Any, pointer: str) -> list[Filter]:
    """Build filters from plan components (``name`` as written, else the mmarc ``path``)."""
    chain: list[Filter] = []
    for index, entry in enumerate(entries or ()):
        where = f"{pointer}/{index}"
        if not isinstance(entry, Mapping) or entry.get("disabled") is True:
            continue
        name = entry.get("name") or entry.get("path")
        if not isinstance(name, str):
            raise FLConfigError("a filter needs a name or a path", where)
        try:
            chain.append(build_filter(name, _component_args(entry)))
        except FilterConfigError as exc:
            raise FLConfigError(str(exc), where) from None
    return chain


def server_strategy(plan: Plan) -> StrategySpec:
    """The aggregation strategy the plan's ``aggregator`` component names (FedAvg when it
    names none); :class:`FLConfigError` at the argument at fault."""
    section = plan.fl.server if plan.fl is not None else None
    aggregator = section.get("aggregator") if section is not None else None
    try:
        return strategy_spec(aggregator)
    except StrategyConfigError as exc:
        raise FLConfigError(str(exc), f"/fl/server/aggregator/{exc.key}") from None


def server_config(plan: Plan) -> ServerConfig:
    """The plan's server settings; :class:`FLConfigError` when it cannot run federated
    (no ``config_fed_server.json``, or an aggregator mmarc does not run)."""
    settings = plan.server_settings
    if settings is None or plan.fl is None or plan.fl.server is None:
        raise FLConfigError(
            "the MMAR has no config_fed_server.json, so it cannot run federated", "/fl/server"
        )
    server_strategy(plan)
    return settings
