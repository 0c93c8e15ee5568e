"""Aggregation of client updates: the :class:`Strategy` seam the server calls, weighted
FedAvg with in-time (streaming) accumulation, FedAdam/FedYogi server optimisers, and
HEFedAvg, which adds encrypted updates it cannot read."""

from .fedavg import (
    MAX_AGGREGATION_WEIGHT,
    MAX_LOCAL_STEPS,
    MAX_WEIGHT,
    AggregationError,
    InTimeAccumulator,
    fedavg,
    update_weight,
)
from .fedopt import FedAdam, FedOptSettings, FedOptSettingsError, FedYogi
from .he import HEFedAvg
from .registry import StrategyConfigError, StrategySpec, build_strategy, strategy_spec
from .selection import ExcludeSpec, VarSelector
from .strategy import UPDATE_KINDS, FedAvg, Strategy, UpdateKind, nonfinite

__all__ = [
    "MAX_AGGREGATION_WEIGHT",
    "MAX_LOCAL_STEPS",
    "MAX_WEIGHT",
    "UPDATE_KINDS",
    "AggregationError",
    "ExcludeSpec",
    "FedAdam",
    "FedAvg",
    "FedOptSettings",
    "FedOptSettingsError",
    "FedYogi",
    "HEFedAvg",
    "InTimeAccumulator",
    "Strategy",
    "StrategyConfigError",
    "StrategySpec",
    "UpdateKind",
    "VarSelector",
    "build_strategy",
    "fedavg",
    "nonfinite",
    "strategy_spec",
    "update_weight",
]
