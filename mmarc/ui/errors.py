"""The UI's user-facing error: a refused action or unusable input, shown on the page."""

from __future__ import annotations

from mmarc.errors import MmarcError

__all__ = ["UiError"]


class UiError(MmarcError, ValueError):
    """An action the UI refuses (no right, a bad upload, no project yet), in one line."""
