"""What a client reads from ``plan["fl"]["client"]`` (config_fed_client.json).

Clara 4.0 ``format_version: 1``: ``client_trainer.args`` holds ``local_epochs`` and
``steps_aggregation``; ``client.inbound_filters`` / ``client.outbound_filters`` filter the
model coming in and the update going out; ``cross_validate`` and
``cross_site_validation`` (``is_participating``, its own filters) drive cross-site
validation. The earlier (Early Access) form kept ``local_epochs``, ``steps_aggregation``,
``exclude_vars``, ``privacy`` and ``cross_site_validate`` inside ``client``; they are read
the same way (``exclude_vars`` becomes an ``ExcludeVars`` outbound filter, a ``privacy``
entry with a ``name`` another one). ``format_version: 1`` wins where both are present.

No torch here (the launcher reads it before starting processes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..server.config import FLConfigError


@dataclass(frozen=True)
class ClientConfig:
    """A client's settings, validated."""

    local_epochs: int = 1
    #: > 0: train this many iterations per round instead of ``local_epochs`` epochs
    steps_aggregation: int = 0
    inbound_filters: tuple[Mapping[str, Any], ...] = ()
    outbound_filters: tuple[Mapping[str, Any], ...] = ()
    cross_validate: bool = True
    cross_val_inbound_filters: tuple[Mapping[str, Any], ...] = ()
    cross_val_outbound_filters: tuple[Mapping[str, Any], ...] = ()
    #: FedProx: weight of the proximal term mu/2 ||w - w_global||^2 (0: plain local loss)
    fedprox_mu: float = 0.0


def _int(value: Any, default: int, pointer: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FLConfigError(f"must be an integer >= 0, got {value!r}", pointer)
    return value


def _mu(value: Any, pointer: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e6:
        raise FLConfigError(f"must be a number in [0, 1e6), got {value!r}", pointer)
    return float(value)


def _filters(value: Any, pointer: str) -> tuple[Mapping[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(e, Mapping) for e in value):
        raise FLConfigError("must be a list of filter components", pointer)
    return tuple(e for e in value if e.get("disabled") is not True)


def client_config(plan: Mapping[str, Any]) -> ClientConfig:
    """Read and check ``plan["fl"]["client"]``; raises :class:`FLConfigError`."""
    fl = plan.get("fl")
    section = fl.get("client") if isinstance(fl, Mapping) else None
    if not isinstance(section, Mapping):
        raise FLConfigError(
            "the MMAR has no config_fed_client.json, so it cannot run federated", "/fl/client"
        )
    early = section.get("client") if isinstance(section.get("client"), Mapping) else {}
    assert isinstance(early, Mapping)
    trainer = section.get("client_trainer")
    trainer_args = trainer.get("args") if isinstance(trainer, Mapping) else None
    args: Mapping[str, Any] = trainer_args if isinstance(trainer_args, Mapping) else {}
    base = "/fl/client/client_trainer/args" if "local_epochs" in args else "/fl/client/client"
    epochs = _int(args.get("local_epochs", early.get("local_epochs")), 1, f"{base}/local_epochs")
    steps = _int(
        args.get("steps_aggregation", early.get("steps_aggregation")),
        0,
        f"{base}/steps_aggregation",
    )
    if epochs == 0 and steps == 0:
        raise FLConfigError(
            "local_epochs and steps_aggregation are both 0: a round would train nothing",
            f"{base}/local_epochs",
        )
    outbound = list(_filters(early.get("outbound_filters"), "/fl/client/client/outbound_filters"))
    exclude = early.get("exclude_vars")
    if exclude:
        outbound.insert(0, {"name": "ExcludeVars", "args": {"exclude_vars": exclude}})
    privacy = early.get("privacy")
    if isinstance(privacy, Mapping) and (privacy.get("name") or privacy.get("path")):
        outbound.append(privacy)
    cross = section.get("cross_site_validation")
    cross = cross if isinstance(cross, Mapping) else {}
    participate = cross.get("is_participating", True) is not False
    wanted = section.get("cross_validate", early.get("cross_site_validate", True))
    mu = _mu(args.get("fedprox_mu"), "/fl/client/client_trainer/args/fedprox_mu")
    return ClientConfig(
        local_epochs=epochs,
        fedprox_mu=mu,
        steps_aggregation=steps,
        inbound_filters=_filters(early.get("inbound_filters"), "/fl/client/client/inbound_filters"),
        outbound_filters=tuple(outbound),
        cross_validate=bool(wanted) and participate,
        cross_val_inbound_filters=_filters(
            cross.get("inbound_filters"), "/fl/client/cross_site_validation/inbound_filters"
        ),
        cross_val_outbound_filters=_filters(
            cross.get("outbound_filters"), "/fl/client/cross_site_validation/outbound_filters"
        ),
    )
