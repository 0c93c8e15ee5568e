"""Fixtures of the web UI tests: an app over a real workspace and SQLite file, users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import csrf_of

from mmarc.ui.app import create_app
from mmarc.ui.auth import add_user

SUPER = "admin@example.org"
PASSWORD = "correct horse battery"


def log_in(client: TestClient, email: str = SUPER, password: str = PASSWORD) -> str:
    """Log ``client`` in through the form; the CSRF token of its new session."""
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/provision").text)


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
