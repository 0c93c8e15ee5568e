"""Federated-learning settings: their constraints, their defaults, and how a config gives them.

This is the one place an FL setting is defined. ``config_fed_server.json`` and
``config_fed_client.json`` schemas (the compiler's ``validate``) annotate their fields with
the types below, the compiler derives :class:`FLServerSettings`/:class:`FLClientSettings`
from the substituted configs with :func:`server_settings`/:func:`client_settings` and
writes those *effective* values (every default applied) into the plan, and the runtime
reads them from the plan after :func:`mmarc.plan.load_plan` validated them against the
same models. So ``validate`` and the runtime cannot disagree about what a setting may be.

Both forms Clara 4.0 shipped are read: ``format_version: 1`` (settings in ``servers[0]``,
``client_trainer.args`` holding ``local_epochs``/``steps_aggregation``, filters in
``client``/``cross_site_validation``) and the earlier one (``exclude_vars``, ``privacy``,
``local_epochs`` inside ``client``). The plan compiler turns ``servers[0]`` into a
component-shaped entry whose settings sit under ``extra``; a raw config keeps them at the
top of the entry; both are read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import AllowInfNan, Field, Strict, ValidationError
from pydantic import model_validator as _model_validator

from mmarc.errors import MmarcError
from mmarc.plan.strict import StrictSettings

__all__ = [
    "MAX_AGGREGATION_WEIGHT",
    "ClientCount",
    "EpochCount",
    "ExcludeVars",
    "FLClientSettings",
    "FLConfigError",
    "FLServerSettings",
    "PositiveSeconds",
    "RoundNumber",
    "Seconds",
    "UploadSlots",
    "Weight",
    "client_settings",
    "merge_exclude",
    "overridden",
    "server_entry",
    "server_settings",
]

#: A number of clients (at least one).
ClientCount = Annotated[int, Strict(), Ge(1)]
#: A round number or a number of rounds (Clara counts rounds from 0).
RoundNumber = Annotated[int, Strict(), Ge(0)]
#: Sites that may send a model-sized update at once (0: no limit).
UploadSlots = Annotated[int, Strict(), Ge(0), Le(100_000)]
#: A duration in seconds, zero allowed.
Seconds = Annotated[float, Strict(), Ge(0), AllowInfNan(False)]
#: A duration in seconds, above zero.
PositiveSeconds = Annotated[float, Strict(), Gt(0), AllowInfNan(False)]
#: Local epochs or steps per round (0: use the other one).
EpochCount = Annotated[int, Strict(), Ge(0)]
#: The largest aggregation weight a config may give a client (the aggregator bounds an
#: update's weight, this times its local steps, again when it weighs the update).
MAX_AGGREGATION_WEIGHT = 1e6
#: A client's aggregation weight.
Weight = Annotated[float, Strict(), Ge(0), Le(MAX_AGGREGATION_WEIGHT), AllowInfNan(False)]
#: FedProx's proximal weight mu (0: the plain local loss).
ProximalMu = Annotated[float, Strict(), Ge(0), Lt(1e6), AllowInfNan(False)]
#: Variables left out: a regular expression, a list of names, or none.
ExcludeVars = str | list[str] | None
#: A filter component as the plan holds it (``name``/``path``, ``args``).
FilterEntry = dict[str, Any]


class FLConfigError(MmarcError):
    """An FL setting that cannot be run with; the message starts with its JSON pointer."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer = pointer
        self.reason = message


class FLServerSettings(StrictSettings):
    """The server's effective settings (Clara's defaults applied). Rounds are 0-based."""

    name: str = Field("server", description="Name of the FL study this server runs.")
    min_num_clients: ClientCount = Field(
        1, description="Clients that must join before training starts."
    )
    max_num_clients: ClientCount = Field(100, description="Most clients accepted.")
    start_round: RoundNumber = Field(0, description="First round number.")
    num_rounds: RoundNumber = Field(1, description="Rounds to run.")
    wait_after_min_clients: Seconds = Field(
        10.0, description="Seconds to wait for more clients once the minimum has joined."
    )
    heart_beat_timeout: PositiveSeconds = Field(
        600.0, description="Seconds without a heartbeat after which a client is dropped."
    )
    upload_slots: UploadSlots = Field(
        4,
        description="Sites that may send a model-sized result at once over the network; the "
        "others wait for the server's go-ahead, so the server never holds more than this many "
        "results in flight (0: no limit). mmarc extension.",
    )
    aggregation_weights: dict[str, Weight] = Field(
        default_factory=dict, description="Weight of each named client (others: 1.0)."
    )
    aggregator_exclude: ExcludeVars = Field(
        None, description="Variables the aggregator leaves out (they keep the global value)."
    )
    persistor_exclude: ExcludeVars = Field(
        None, description="Variables left out of the global model (never sent or saved)."
    )
    model_pointer: str = Field(
        "/train/model", description="Plan pointer of the network the global model starts from."
    )
    inbound_filters: list[FilterEntry] = Field(
        default_factory=list, description="Enabled filters on what the server receives."
    )
    outbound_filters: list[FilterEntry] = Field(
        default_factory=list, description="Enabled filters on what the server sends."
    )

    @_model_validator(mode="after")
    def _clients_fit(self) -> FLServerSettings:
        if self.max_num_clients < self.min_num_clients:
            raise ValueError(
                f"max_num_clients {self.max_num_clients} is below min_num_clients "
                f"{self.min_num_clients}"
            )
        return self

    @property
    def end_round(self) -> int:
        """The round after the last one."""
        return self.start_round + self.num_rounds

    def weight_of(self, client: str) -> float:
        """A client's aggregation weight (Clara: 1.0 when the config does not name it)."""
        return float(self.aggregation_weights.get(client, 1.0))


class FLClientSettings(StrictSettings):
    """A client's effective settings (Clara's defaults applied)."""

    local_epochs: EpochCount = Field(1, description="Local epochs per round.")
    steps_aggregation: EpochCount = Field(
        0, description="Local steps per round; > 0 trains this many steps instead of epochs."
    )
    inbound_filters: list[FilterEntry] = Field(
        default_factory=list, description="Enabled filters on the model coming in."
    )
    outbound_filters: list[FilterEntry] = Field(
        default_factory=list, description="Enabled filters on the update going out."
    )
    cross_validate: bool = Field(True, description="Take part in cross-site validation.")
    cross_val_inbound_filters: list[FilterEntry] = Field(
        default_factory=list, description="Filters on models received for cross-validation."
    )
    fedprox_mu: ProximalMu = Field(
        0.0,
        description="FedProx: weight mu of the proximal term mu/2 ||w - w_global||^2 added "
        "to the local loss (0: plain FedAvg training).",
    )
    cross_val_outbound_filters: list[FilterEntry] = Field(
        default_factory=list, description="Filters on the local model sent for cross-validation."
    )

    @_model_validator(mode="after")
    def _trains_something(self) -> FLClientSettings:
        if self.local_epochs == 0 and self.steps_aggregation == 0:
            raise ValueError(
                "local_epochs and steps_aggregation are both 0: a round would train nothing"
            )
        return self


# ---------------------------------------------------------------------------------------
# deriving the effective settings from a config tree
# ---------------------------------------------------------------------------------------


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


def merge_exclude(*specs: Any) -> Any:
    """One exclude spec that matches what any of ``specs`` matches (None if none)."""
    present = [s for s in specs if s]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    parts: list[str] = []
    for spec in present:
        if isinstance(spec, str):
            parts.append(f"(?:{spec})")
        elif isinstance(spec, re.Pattern):
            parts.append(f"(?:{spec.pattern})")
        else:
            parts.extend(f"^{re.escape(name)}$" for name in spec)
    return "|".join(parts)


def _args(component: Any) -> Mapping[str, Any]:
    if isinstance(component, Mapping) and isinstance(component.get("args"), Mapping):
        return component["args"]
    return {}


def _filters(value: Any, pointer: str) -> list[FilterEntry]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(e, Mapping) for e in value):
        raise FLConfigError("must be a list of filter components", pointer)
    return [dict(e) for e in value if e.get("disabled") is not True]


def _exclude(value: Any, pointer: str) -> ExcludeVars:
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise FLConfigError("exclude_vars must be a regex string or a list of names", pointer)


def _built(model: type[StrictSettings], values: dict[str, Any], where: Mapping[str, str]) -> Any:
    """``model(**values)``, or FLConfigError at the pointer (``where[field]``) of the first
    problem; ``where[""]`` locates problems of the whole (min above max...)."""
    try:
        return model(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        got = f", got {error['input']!r}" if field else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        message = message.replace("Input should be", "must be")
        text = f"{field} {message}{got}" if field else message
        raise FLConfigError(text, where.get(field, where[""])) from None


def server_settings(section: Mapping[str, Any], base: str = "/fl/server") -> FLServerSettings:
    """The effective server settings of a ``config_fed_server.json`` tree at ``base``."""
    entry = server_entry(section)
    where = f"{base}/servers/0"
    values: dict[str, Any] = {
        k: entry[k]
        for k in (
            "min_num_clients",
            "max_num_clients",
            "start_round",
            "num_rounds",
            "wait_after_min_clients",
            "heart_beat_timeout",
            "upload_slots",
        )
        if entry.get(k) is not None
    }
    if isinstance(entry.get("name"), str) and entry["name"]:
        values["name"] = entry["name"]
    aggregator_args = _args(section.get("aggregator"))
    agg_ptr = f"{base}/aggregator/args"
    weights = aggregator_args.get("aggregation_weights")
    if weights is not None:
        values["aggregation_weights"] = weights
    values["aggregator_exclude"] = merge_exclude(
        _exclude(aggregator_args.get("exclude_vars"), f"{agg_ptr}/exclude_vars"),
        _exclude(entry.get("exclude_vars"), f"{where}/exclude_vars"),
    )
    slot = "model_persistor" if section.get("model_persistor") else "model_saver"
    persistor_args = _args(section.get(slot))
    values["persistor_exclude"] = _exclude(
        persistor_args.get("exclude_vars"), f"{base}/{slot}/args/exclude_vars"
    )
    if isinstance(persistor_args.get("model"), Mapping):
        values["model_pointer"] = f"{base}/{slot}/args/model"
    for key in ("inbound_filters", "outbound_filters"):
        values[key] = _filters(section.get(key), f"{base}/{key}")
    locations = {k: f"{where}/{k}" for k in values}
    locations.update(
        {
            "": f"{where}/max_num_clients",
            "aggregation_weights": f"{agg_ptr}/aggregation_weights",
            "inbound_filters": f"{base}/inbound_filters",
            "outbound_filters": f"{base}/outbound_filters",
        }
    )
    settings: FLServerSettings = _built(FLServerSettings, values, locations)
    return settings


def client_settings(section: Mapping[str, Any], base: str = "/fl/client") -> FLClientSettings:
    """The effective client settings of a ``config_fed_client.json`` tree at ``base``."""
    early_value = section.get("client")
    early: Mapping[str, Any] = early_value if isinstance(early_value, Mapping) else {}
    args = _args(section.get("client_trainer"))
    values: dict[str, Any] = {}
    locations = {}
    for key in ("local_epochs", "steps_aggregation"):
        if args.get(key) is not None:
            values[key] = args[key]
            locations[key] = f"{base}/client_trainer/args/{key}"
        elif early.get(key) is not None:
            values[key] = early[key]
            locations[key] = f"{base}/client/{key}"
    locations[""] = locations.get("local_epochs", f"{base}/client_trainer/args/local_epochs")
    if args.get("fedprox_mu") is not None:
        values["fedprox_mu"] = args["fedprox_mu"]
        locations["fedprox_mu"] = f"{base}/client_trainer/args/fedprox_mu"
    outbound = _filters(early.get("outbound_filters"), f"{base}/client/outbound_filters")
    exclude = early.get("exclude_vars")
    if exclude:
        outbound.insert(0, {"name": "ExcludeVars", "args": {"exclude_vars": exclude}})
    privacy = early.get("privacy")
    if isinstance(privacy, Mapping) and (privacy.get("name") or privacy.get("path")):
        outbound.append(dict(privacy))
    cross_value = section.get("cross_site_validation")
    cross: Mapping[str, Any] = cross_value if isinstance(cross_value, Mapping) else {}
    participate = cross.get("is_participating", True) is not False
    wanted = section.get("cross_validate", early.get("cross_site_validate", True))
    values.update(
        inbound_filters=_filters(early.get("inbound_filters"), f"{base}/client/inbound_filters"),
        outbound_filters=outbound,
        cross_validate=bool(wanted) and participate,
        cross_val_inbound_filters=_filters(
            cross.get("inbound_filters"), f"{base}/cross_site_validation/inbound_filters"
        ),
        cross_val_outbound_filters=_filters(
            cross.get("outbound_filters"), f"{base}/cross_site_validation/outbound_filters"
        ),
    )
    settings: FLClientSettings = _built(FLClientSettings, values, locations)
    return settings


def overridden(settings: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Server ``settings`` (JSON form) with ``overrides`` (``{"num_rounds": 3}``) applied and
    checked as any setting is; :class:`FLConfigError` at the setting's pointer if refused."""
    unknown = sorted(set(overrides) - set(FLServerSettings.model_fields))
    if unknown:
        raise FLConfigError(f"{unknown[0]} is not an FL server setting", "/fl/server_settings")
    where = {k: f"/fl/server/servers/0/{k}" for k in FLServerSettings.model_fields}
    where[""] = "/fl/server/servers/0/max_num_clients"
    merged = {**settings, **overrides}
    checked: FLServerSettings = _built(FLServerSettings, merged, where)
    return checked.model_dump(mode="json")
