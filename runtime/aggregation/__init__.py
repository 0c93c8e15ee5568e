"""Aggregation of client updates: weighted FedAvg with in-time (streaming) accumulation."""

from .fedavg import AggregationError, InTimeAccumulator, fedavg, update_weight
from .selection import ExcludeSpec, VarSelector

__all__ = [
    "AggregationError",
    "ExcludeSpec",
    "InTimeAccumulator",
    "VarSelector",
    "fedavg",
    "update_weight",
]
