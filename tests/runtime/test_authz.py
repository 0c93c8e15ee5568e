"""Authorization over the Clara 4.0 corpus policy: every command group, self vs all, super."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mmarc.runtime.admin.commands import COMMANDS
from mmarc.runtime.security.audit import AuditLog, read_audit
from mmarc.runtime.security.authz import COMMAND_RIGHTS, Policy, PolicyError, Right

AUTHZ = (
    Path(__file__).parents[1] / "fixtures" / "corpus" / "provision" / "clara40_authz_config.json"
)
SUPER = "admin@admin.com"
LEAD = "leadIT@org1.com"  # lead_researcher, org1 (relaxed, general)
RESEARCHER = "siteresearcher@org2.com"  # site_researcher, org2 (strict, general)
SECURE = "leadIT@secure.com"  # only4secure, Secure (relaxed, Secure)
ALL_CLIENTS = ["client1", "client2", "client3", "client4"]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.load(AUTHZ)


# (user, command, sites, allowed) -- sites: server org nvidia, client1/2 org1,
# client3 org2, client4 Secure.
TABLE = [
    # super: every right everywhere
    (SUPER, "upload_folder", [], True),
    (SUPER, "deploy", ALL_CLIENTS, True),
    (SUPER, "start", ["server"], True),
    (SUPER, "check_status", ALL_CLIENTS, True),
    (SUPER, "shutdown", ["server"], True),
    (SUPER, "set_run_number", ["server"], True),
    # lead_researcher: *_all rights, but no upload_mmar
    (LEAD, "upload_folder", [], False),
    (LEAD, "deploy", ["client3", "client4"], True),
    (LEAD, "start", ["client4"], True),
    (LEAD, "abort", ["server"], True),
    (LEAD, "check_status", ["server"], True),
    (LEAD, "logs", ["client3"], True),
    (LEAD, "remove_client", ["client3"], True),
    (LEAD, "set_run_number", ["server"], True),
    # site_researcher: train_self and view_self only, over org2's client3
    (RESEARCHER, "start", ["client3"], True),
    (RESEARCHER, "abort", ["client3"], True),
    (RESEARCHER, "check_status", ["client3"], True),
    (RESEARCHER, "logs", ["client3"], True),
    (RESEARCHER, "start", ["client1"], False),
    (RESEARCHER, "check_status", ["server"], False),
    (RESEARCHER, "check_status", ["client3", "client1"], False),
    (RESEARCHER, "deploy", ["client3"], False),
    (RESEARCHER, "shutdown", ["client3"], False),
    (RESEARCHER, "upload_folder", [], False),
    (RESEARCHER, "metrics", ["server"], False),
    # only4secure in the Secure group: deploy/train/operate own sites; no view, no upload
    (SECURE, "deploy", ["client4"], True),
    (SECURE, "start", ["client4"], True),
    (SECURE, "shutdown", ["client4"], True),
    (SECURE, "remove_client", ["client4"], True),
    (SECURE, "check_status", ["client4"], False),
    (SECURE, "logs", ["client4"], False),
    (SECURE, "upload_folder", [], False),
    (SECURE, "deploy", ["client1"], False),
    (SECURE, "start", ["server"], False),
    (SECURE, "set_run_number", ["server"], False),
    # nobody outside the policy
    ("stranger@example.com", "check_status", ["server"], False),
    ("stranger@example.com", "hello", [], False),
    (RESEARCHER, "hello", [], True),
    (SUPER, "format_disk", ["server"], False),
]


@pytest.mark.parametrize(("user", "command", "sites", "allowed"), TABLE)
def test_authorization_table(
    policy: Policy, user: str, command: str, sites: list[str], allowed: bool
) -> None:
    decision = policy.authorize(user, command, sites)
    assert decision.allowed is allowed, decision.reason
    assert decision.reason


def test_refusal_names_the_sites_and_the_missing_right(policy: Policy) -> None:
    decision = policy.authorize(RESEARCHER, "start", ["client3", "client1", "client2"])
    assert not decision
    assert "client1, client2" in decision.reason and "client3" not in decision.reason.split(":")[0]
    assert "train_all" in decision.reason


def test_every_console_command_maps_to_a_right() -> None:
    for name in COMMANDS:
        assert name in COMMAND_RIGHTS, name
    assert COMMAND_RIGHTS["upload_folder"] is Right.UPLOAD
    assert COMMAND_RIGHTS["deploy"] is Right.DEPLOY
    assert {COMMAND_RIGHTS[c] for c in ("start", "abort")} == {Right.TRAIN}
    assert {COMMAND_RIGHTS[c] for c in ("check_status", "logs", "metrics", "validate", "ls")} == {
        Right.VIEW
    }
    assert {COMMAND_RIGHTS[c] for c in ("shutdown", "remove_client", "set_run_number")} == {
        Right.OPERATE
    }


def test_group_rules(policy: Policy) -> None:
    assert policy.rule("org1", "allow_byoc") and policy.rule("org1", "allow_custom_datalist")
    assert not policy.rule("org2", "allow_byoc")  # strict wins
    assert not policy.rule("org2", "allow_custom_datalist")
    assert policy.rule("Secure", "allow_byoc")  # relaxed; the Secure group sets no rules
    assert not policy.rule("nowhere", "allow_byoc")


def test_explicit_false_denies_across_groups() -> None:
    config = json.loads(AUTHZ.read_text())
    config["orgs"]["org1"] = ["general", "Secure"]  # Secure denies view_self/upload to leads
    config["groups"]["general"]["role_rights"]["lead_researcher"]["view_self"] = True
    config["groups"]["general"]["role_rights"]["lead_researcher"]["view_all"] = False
    policy = Policy(config)
    decision = policy.authorize(LEAD, "check_status", ["client1"])
    assert not decision and "denies" in decision.reason
    config["groups"]["Secure"]["role_rights"]["lead_researcher"]["upload_mmar"] = True
    config["groups"]["general"]["role_rights"]["lead_researcher"]["upload_mmar"] = True
    assert Policy(config).authorize(LEAD, "upload_folder")


def test_provisioned_sites_fill_in_missing_ones() -> None:
    config = json.loads(AUTHZ.read_text())
    del config["sites"]["client3"]
    assert not Policy(config).authorize(RESEARCHER, "start", ["client3"])
    assert Policy(config, {"client3": "org2"}).authorize(RESEARCHER, "start", ["client3"])
    # the policy file wins over the provisioned org
    assert not Policy(config, {"client1": "org2"}).authorize(RESEARCHER, "start", ["client1"])


@pytest.mark.parametrize(
    "config",
    [
        {"groups": {"g": {"role_rights": {"r": {"train_everything": True}}}}},
        {"groups": {"g": {"rules": {"allow_byoc": "yes"}}}},
        {"users": {"a@b": {"org": "o"}}},
        {"orgs": {"o": "g"}},
        {"sites": {"s": 3}},
    ],
)
def test_malformed_policies_are_refused(config: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        Policy(config)


def test_audit_log_appends_and_never_truncates(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "audit.log"
    with AuditLog(path) as log:
        log.record(
            user=SUPER, command="start", args=["server"], sites=["server"], decision="allowed"
        )
    with AuditLog(path) as log:
        log.record(
            user=RESEARCHER,
            command="shutdown",
            args=["client", "x" * 5000],
            sites=["client3"],
            decision="refused",
            reason="no right",
            result="refused",
        )
    records = read_audit(path)
    assert [r["user"] for r in records] == [SUPER, RESEARCHER]
    assert set(records[0]) >= {"time", "user", "command", "args", "sites", "decision", "result"}
    assert records[1]["args"][1].startswith("x" * 1024) and len(records[1]["args"][1]) < 1100
    assert path.stat().st_mode & 0o007 == 0  # never world-readable
