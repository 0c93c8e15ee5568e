"""A client's view of its settings: the plan's effective ``fl.client_settings``.

The settings (``local_epochs``, ``steps_aggregation``, the filters, cross-site
validation), their constraints and their defaults are defined once, in
:mod:`mmarc.plan.fl`; the compiler wrote their effective values into the plan. No torch
here (the launcher reads it before starting processes).
"""

from __future__ import annotations

from mmarc.plan import FLClientSettings, FLConfigError, Plan

__all__ = ["ClientConfig", "client_config"]

#: A client's settings, validated (the plan model).
ClientConfig = FLClientSettings


def client_config(plan: Plan) -> ClientConfig:
    """The plan's client settings; :class:`FLConfigError` when it cannot run federated."""
    settings = plan.client_settings
    if settings is None:
        raise FLConfigError(
            "the MMAR has no config_fed_client.json, so it cannot run federated", "/fl/client"
        )
    return settings
