"""What the server reads from ``plan["fl"]["server"]`` (config_fed_server.json).

Both forms Clara 4.0 shipped are read: ``format_version: 1`` (settings in ``servers[0]``,
components ``aggregator``, ``model_persistor``, ``shareable_generator``, ``handlers``,
``inbound_filters``/``outbound_filters``) and the earlier one (the same settings, plus
``exclude_vars`` in ``servers[0]`` and a ``model_saver``). The plan compiler turns
``servers[0]`` into a component-shaped entry whose settings sit under ``extra``; a raw
config keeps them at the top of the entry. Both are accepted, so tests and tools can
pass a config file as it is.

Nothing here imports torch: the CLI and the simulator's launcher read this to check a
run before starting processes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..aggregation.fedavg import MAX_AGGREGATION_WEIGHT
from ..aggregation.registry import StrategyConfigError, StrategySpec, strategy_spec
from ..aggregation.selection import ExcludeSpec
from ..filters import Filter, FilterConfigError, build_filter

#: What Clara used when a setting is absent.
DEFAULTS: Mapping[str, Any] = {
    "min_num_clients": 1,
    "max_num_clients": 100,
    "start_round": 0,
    "num_rounds": 1,
    "wait_after_min_clients": 10.0,
    "heart_beat_timeout": 600.0,
}


class FLConfigError(ValueError):
    """An FL setting the runtime cannot run with; the message names the plan pointer."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer = pointer


@dataclass(frozen=True)
class ServerConfig:
    """The server's settings, validated. Rounds are Clara's (0-based) round numbers."""

    name: str = "server"
    min_num_clients: int = 1
    max_num_clients: int = 100
    start_round: int = 0
    num_rounds: int = 1
    wait_after_min_clients: float = 10.0
    heart_beat_timeout: float = 600.0
    aggregation_weights: Mapping[str, float] = field(default_factory=dict)
    #: variables the aggregator leaves out (they keep the global value)
    aggregator_exclude: ExcludeSpec = None
    #: variables the persistor leaves out of the global model (never sent or saved)
    persistor_exclude: ExcludeSpec = None
    #: plan pointer of the network the initial global model is built from
    model_pointer: str = "/train/model"
    inbound_filters: tuple[Mapping[str, Any], ...] = ()
    outbound_filters: tuple[Mapping[str, Any], ...] = ()
    #: how updates become the next global model (the ``aggregator`` component)
    strategy: StrategySpec = field(default_factory=StrategySpec)

    @property
    def end_round(self) -> int:
        """The round after the last one."""
        return self.start_round + self.num_rounds

    def weight_of(self, client: str) -> float:
        """A client's aggregation weight (Clara: 1.0 when the config does not name it)."""
        return float(self.aggregation_weights.get(client, 1.0))

    def with_rounds(self, num_rounds: int) -> ServerConfig:
        from dataclasses import replace

        return replace(self, num_rounds=num_rounds)


def server_entry(fl_server: Mapping[str, Any]) -> dict[str, Any]:
    """``servers[0]`` with the compiler's ``extra`` settings lifted to the top."""
    servers = fl_server.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], Mapping):
        return {}
    entry = dict(servers[0])
    extra = entry.pop("extra", None)
    if isinstance(extra, Mapping):
        entry.update(extra)
    return entry


def _number(entry: Mapping[str, Any], key: str, pointer: str, *, integer: bool) -> Any:
    value = entry.get(key, DEFAULTS[key])
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or (not integer and not math.isfinite(value)):
        kind = "an integer" if integer else "a number"
        raise FLConfigError(f"{key} must be {kind}, got {value!r}", f"{pointer}/{key}")
    return value


def _component_args(component: Any) -> Mapping[str, Any]:
    if isinstance(component, Mapping) and isinstance(component.get("args"), Mapping):
        return component["args"]
    return {}


def _enabled(component: Any) -> bool:
    return isinstance(component, Mapping) and component.get("disabled") is not True


def _filters(section: Mapping[str, Any], key: str) -> tuple[Mapping[str, Any], ...]:
    entries = section.get(key) or []
    if not isinstance(entries, list):
        raise FLConfigError(f"{key} must be a list of filters", f"/fl/server/{key}")
    return tuple(e for e in entries if _enabled(e))


def _exclude(value: Any, pointer: str) -> ExcludeSpec:
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise FLConfigError("exclude_vars must be a regex string or a list of names", pointer)


def merge_exclude(*specs: ExcludeSpec) -> ExcludeSpec:
    """One spec that matches what any of ``specs`` matches."""
    present = [s for s in specs if s]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    import re

    parts = []
    for spec in present:
        if isinstance(spec, str):
            parts.append(f"(?:{spec})")
        elif isinstance(spec, re.Pattern):
            parts.append(f"(?:{spec.pattern})")
        else:
            parts.extend(f"^{re.escape(name)}$" for name in spec)
    return "|".join(parts)


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


def server_config(plan: Mapping[str, Any]) -> ServerConfig:
    """Read and check ``plan["fl"]["server"]``; raises :class:`FLConfigError`."""
    fl = plan.get("fl")
    section = fl.get("server") if isinstance(fl, Mapping) else None
    if not isinstance(section, Mapping):
        raise FLConfigError(
            "the MMAR has no config_fed_server.json, so it cannot run federated", "/fl/server"
        )
    entry = server_entry(section)
    where = "/fl/server/servers/0"
    ints: dict[str, Any] = {
        k: _number(entry, k, where, integer=True)
        for k in ("min_num_clients", "max_num_clients", "start_round", "num_rounds")
    }
    floats: dict[str, Any] = {
        k: float(_number(entry, k, where, integer=False))
        for k in ("wait_after_min_clients", "heart_beat_timeout")
    }
    if ints["min_num_clients"] < 1:
        raise FLConfigError("min_num_clients must be at least 1", f"{where}/min_num_clients")
    if ints["max_num_clients"] < ints["min_num_clients"]:
        raise FLConfigError(
            f"max_num_clients {ints['max_num_clients']} is below min_num_clients "
            f"{ints['min_num_clients']}",
            f"{where}/max_num_clients",
        )
    if ints["start_round"] < 0 or ints["num_rounds"] < 0:
        raise FLConfigError("start_round and num_rounds must be >= 0", where)
    if floats["wait_after_min_clients"] < 0:
        raise FLConfigError("wait_after_min_clients must be >= 0", where)
    if floats["heart_beat_timeout"] <= 0:
        raise FLConfigError("heart_beat_timeout must be > 0", f"{where}/heart_beat_timeout")

    aggregator = section.get("aggregator")
    agg_args = _component_args(aggregator)
    try:
        strategy = strategy_spec(aggregator)
    except StrategyConfigError as exc:
        raise FLConfigError(str(exc), f"/fl/server/aggregator/{exc.key}") from None
    weights = agg_args.get("aggregation_weights") or {}
    if not isinstance(weights, Mapping) or not all(
        isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(v)
        and 0 <= v <= MAX_AGGREGATION_WEIGHT
        for v in weights.values()
    ):
        raise FLConfigError(
            f"aggregation_weights must map client names to numbers in [0, "
            f"{MAX_AGGREGATION_WEIGHT:g}]",
            "/fl/server/aggregator/args/aggregation_weights",
        )
    persistor = section.get("model_persistor") or section.get("model_saver")
    persistor_args = _component_args(persistor)
    model_pointer = "/train/model"
    if isinstance(persistor_args.get("model"), Mapping):
        slot = "model_persistor" if section.get("model_persistor") else "model_saver"
        model_pointer = f"/fl/server/{slot}/args/model"
    return ServerConfig(
        name=str(entry.get("name") or "server"),
        aggregation_weights={str(k): float(v) for k, v in weights.items()},
        aggregator_exclude=merge_exclude(
            _exclude(agg_args.get("exclude_vars"), "/fl/server/aggregator/args/exclude_vars"),
            _exclude(entry.get("exclude_vars"), f"{where}/exclude_vars"),
        ),
        persistor_exclude=_exclude(
            persistor_args.get("exclude_vars"), "/fl/server/model_persistor/args/exclude_vars"
        ),
        model_pointer=model_pointer,
        inbound_filters=_filters(section, "inbound_filters"),
        outbound_filters=_filters(section, "outbound_filters"),
        strategy=strategy,
        **ints,
        **floats,
    )
