"""authz_config.json names that must be defined in the same file (R006), and the policy's
format version (V003): real Clara/NVFlare policies stay clean, hostile shapes do not crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmarc.api import validate

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
POLICIES = sorted(CORPUS.rglob("*auth*.json"))


def _policy(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "authz_config.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize("policy", POLICIES, ids=[p.name for p in POLICIES])
def test_real_policies_define_every_name_they_use(policy: Path) -> None:
    codes = {d.code for d in validate(policy).diagnostics}
    assert not codes & {"R006", "V003"}


def test_each_undefined_name_is_located_with_the_closest_defined_one(tmp_path: Path) -> None:
    document = {
        "version": "1.0",
        "roles": {"super": "s", "lead_it": "l"},
        "groups": {"general": {"role_rights": {"lead_itt": {"view_all": True}}}},
        "users": {"a@b.org": {"org": "nvidai", "roles": ["supper"]}},
        "orgs": {"nvidia": ["generl"]},
        "sites": {"site-1": "nvidia", "site-2": "org9"},
    }
    found = [d for d in validate(_policy(tmp_path, document)).diagnostics if d.code == "R006"]
    assert sorted((d.pointer, d.hint.split("?")[0]) for d in found if d.hint) == [
        ("/groups/general/role_rights/lead_itt", 'did you mean "lead_it"'),
        ("/orgs/nvidia/0", 'did you mean "general"'),
        ("/sites/site-2", 'define "org9" under "orgs", or use one of: "nvidia"'),
        ("/users/a@b.org/org", 'did you mean "nvidia"'),
        ("/users/a@b.org/roles/0", 'did you mean "super"'),
    ]


def test_hostile_shapes_get_schema_errors_not_a_crash(tmp_path: Path) -> None:
    document = {"version": 2, "roles": "super", "users": ["a"], "orgs": {"o": "g"}, "sites": 3}
    codes = [d.code for d in validate(_policy(tmp_path, document)).diagnostics]
    assert "R006" not in codes
    assert "V003" in codes and "S003" in codes
