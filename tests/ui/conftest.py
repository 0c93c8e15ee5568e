"""Fixtures of the web UI tests: an app over a real workspace and SQLite file, a user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ui_helpers import PASSWORD, SUPER

from mmarc.ui.app import create_app
from mmarc.ui.auth import add_user


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def client(workspace: Path) -> Iterator[TestClient]:
    """A UI app over ``workspace`` with the user SUPER, behind a real ASGI client."""
    app = create_app(workspace)
    add_user(app.state.ui.db, SUPER, PASSWORD)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
