"""Outbound filters with Clara 4.0 names and semantics, built from config entries."""

from .base import (
    Filter,
    FilterConfigError,
    apply_filters,
    build_filter,
    build_filters,
    register_filter,
    supported_filters,
)
from .he import HEEvalDecryptor, HEModelDecryptor, HEModelEncryptor
from .privacy import ExcludeVars, PercentilePrivacy, SVTPrivacy

__all__ = [
    "ExcludeVars",
    "Filter",
    "FilterConfigError",
    "HEEvalDecryptor",
    "HEModelDecryptor",
    "HEModelEncryptor",
    "PercentilePrivacy",
    "SVTPrivacy",
    "apply_filters",
    "build_filter",
    "build_filters",
    "register_filter",
    "supported_filters",
]
