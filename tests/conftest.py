"""Fixtures shared by the test modules; the functions behind them live in helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import tiny_digits


@pytest.fixture
def digits_root(tmp_path: Path) -> Path:
    """A copy of examples/digits_cnn with a datalist of 48 + 24 real digits."""
    return tiny_digits(tmp_path)
