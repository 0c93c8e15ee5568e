"""The server's view of its settings: the plan's effective ``fl.server_settings``.

The settings, their constraints and their defaults are defined once, in
:mod:`mmarc.plan.fl`; the compiler wrote their effective values into the plan and
:func:`mmarc.plan.load_plan` validated them. What is left here is what only the runtime
knows: which aggregator it can run, and how a filter component becomes a filter.

Nothing here imports torch: the CLI and the simulator's launcher read this to check a
run before starting processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmarc.plan import FLConfigError, FLServerSettings, Plan
from mmarc.plan.fl import merge_exclude

from ..filters import Filter, FilterConfigError, build_filter

__all__ = [
    "AGGREGATOR_TARGET",
    "FLConfigError",
    "ServerConfig",
    "filter_chain",
    "merge_exclude",
    "server_config",
]

AGGREGATOR_TARGET = "mmarc.runtime.aggregation.InTimeAccumulator"

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


def server_config(plan: Plan) -> ServerConfig:
    """The plan's server settings; :class:`FLConfigError` when it cannot run federated."""
    settings = plan.server_settings
    section = plan.fl.server if plan.fl is not None else None
    if settings is None or section is None:
        raise FLConfigError(
            "the MMAR has no config_fed_server.json, so it cannot run federated", "/fl/server"
        )
    aggregator = section.get("aggregator")
    if isinstance(aggregator, Mapping) and aggregator.get("path") not in (None, AGGREGATOR_TARGET):
        raise FLConfigError(
            f"aggregator {aggregator.get('name') or aggregator.get('path')!r} is not one mmarc "
            "runs; use InTimeAccumulateWeightedAggregator",
            "/fl/server/aggregator",
        )
    return settings
