"""What the web UI tests share: the test users and logging in through the form."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import csrf_of

__all__ = ["PASSWORD", "SUPER", "log_in"]

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
