"""What the web UI tests share: the test users, logging in, the provisioning form, a results.csv."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import csrf_of, free_port

__all__ = ["PASSWORD", "SUPER", "log_in", "provision_form", "results_csv"]

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


def results_csv(*rows: dict[str, object]) -> str:
    """A ``mmarc study`` results.csv (its own column contract) with ``rows`` over defaults."""
    from mmarc.study.results import COLUMNS

    default: dict[str, object] = {
        "setting": "fedavg",
        "clients": 2,
        "epochs_per_round": 1,
        "data_share": 0.5,
        "share_mode": "data",
        "seed": 0,
        "round": 0,
        "epoch": 0,
        "metric": "val_acc",
        "accuracy": 0.5,
        "loss": 0.5,
        "wall_s": 1.0,
        "bytes": 100,
        "plan_sha256": "abc123",
    }
    lines = [",".join(COLUMNS)]
    for row in rows:
        values = {**default, **row}
        lines.append(",".join('"' + str(values[c]).replace('"', '""') + '"' for c in COLUMNS))
    return "\n".join(lines) + "\n"


def provision_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf": csrf,
        "name": "secure_project",
        "host": "127.0.0.1",
        "fed_learn_port": str(free_port()),
        "admin_port": str(free_port()),
        "min_clients": "2",
        "max_clients": "10",
        "sites": "client1 org1\nclient2 org2",
        "admins": f"{SUPER} org1 super",
        "policy": "",
    }
    form.update(changes)
    return form
