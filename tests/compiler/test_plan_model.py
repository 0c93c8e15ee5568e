"""The typed plan: compile -> canonical JSON -> load_plan gives the same plan and hash;
load_plan refuses what it must, in one line naming where; --rounds and the simulation's
data split are hashed in."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mmarc import api
from mmarc.plan import (
    MAX_PLAN_BYTES,
    FLConfigError,
    Plan,
    PlanError,
    load_plan,
    plan_sha256,
    simulation_settings,
)
from mmarc.plan.hashing import file_sha256
from mmarc.plan.pointer import PointerError, join, resolve, split, to_pointer

REPO = Path(__file__).resolve().parents[2]
DIGITS_FL = REPO / "examples" / "digits_fl"


@pytest.fixture(scope="module")
def plan() -> Plan:
    compiled = api.compile_plan(DIGITS_FL)
    assert compiled.plan is not None
    return compiled.plan


def _refusal(source: Path | bytes) -> str:
    with pytest.raises(PlanError) as info:
        load_plan(source)
    text = str(info.value)
    assert "\n" not in text and text == info.value.one_line()
    return text


def _edited(plan: Plan) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(plan.to_json())
    return document


def test_round_trip_keeps_the_plan_and_its_hash(plan: Plan, tmp_path: Path) -> None:
    assert plan.content_sha256() == plan.sha256
    path = tmp_path / "plan.json"
    path.write_bytes(plan.to_json() + b"\n")
    for loaded in (load_plan(path), load_plan(plan.to_json())):
        assert loaded == plan and loaded.sha256 == plan.sha256
        assert loaded.to_json() == plan.to_json()
    assert plan.server_settings is not None and plan.server_settings.num_rounds == 10
    assert plan.client_settings is not None and plan.client_settings.local_epochs == 1


def test_the_fl_plan_is_byte_identical_in_any_folder(plan: Plan, tmp_path: Path) -> None:
    ignore = shutil.ignore_patterns("data", "models", "eval", "__pycache__")
    for where in ("a", "b/c"):
        copy = tmp_path / where / "digits_fl"
        shutil.copytree(DIGITS_FL, copy, ignore=ignore)
        compiled = api.compile_plan(copy).plan
        assert compiled is not None and compiled.to_json() == plan.to_json()
    assert str(tmp_path) not in plan.to_json().decode()


def test_a_too_large_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(MAX_PLAN_BYTES + 1)  # sparse: nothing to parse if it were read
    assert "over the" in _refusal(path) and str(path) in _refusal(path)
    assert "over the" in _refusal(b" " * (MAX_PLAN_BYTES + 1))


@pytest.mark.parametrize("data", [b"{not json", b"", b"[1, 2]", b'{"a": NaN}', b"\xff\xfe"])
def test_what_is_not_a_json_plan_is_refused(data: bytes) -> None:
    text = _refusal(data)
    assert text.startswith("plan: ")


def test_wrong_types_are_refused_naming_the_pointer(plan: Plan) -> None:
    document = _edited(plan)
    document["fl"]["server_settings"]["num_rounds"] = "ten"
    assert "/fl/server_settings/num_rounds" in _refusal(json.dumps(document).encode())
    document = _edited(plan)
    document["mmar_name"] = 5
    assert "/mmar_name" in _refusal(json.dumps(document).encode())
    document = _edited(plan)
    document["validate"] = []
    assert "/validate:" in _refusal(json.dumps(document).encode())
    document = _edited(plan)
    document["surprise"] = 1
    assert "/surprise" in _refusal(json.dumps(document).encode())
    document = _edited(plan)
    document["plan_format"] = 2
    assert "/plan_format" in _refusal(json.dumps(document).encode())


def test_edited_content_is_refused_by_its_hash(plan: Plan) -> None:
    document = _edited(plan)
    document["fl"]["server_settings"]["num_rounds"] = 11
    text = _refusal(json.dumps(document).encode())
    assert "/sha256" in text and "changed after compiling" in text


def test_a_value_the_hash_does_not_cover_is_refused(plan: Plan) -> None:
    """Hashed content must be the typed plan: no default filled in, no number converted."""
    for edit, where in (
        (lambda d: d["fl"]["server_settings"].pop("name"), "/fl/server_settings/name"),
        (lambda d: d["fl"]["server_settings"].update(heart_beat_timeout=60), "heart_beat"),
    ):
        document = _edited(plan)
        edit(document)
        document["sha256"] = plan_sha256(document)
        assert where in _refusal(json.dumps(document).encode())


def test_rounds_is_a_compiler_input_covered_by_the_hash(plan: Plan) -> None:
    compiled = api.compile_plan(DIGITS_FL, server_overrides={"num_rounds": 3})
    shorter = compiled.plan
    assert shorter is not None and shorter.server_settings is not None
    assert shorter.server_settings.num_rounds == 3
    assert shorter.sha256 != plan.sha256 and shorter.content_sha256() == shorter.sha256
    assert load_plan(shorter.to_json()).server_settings == shorter.server_settings
    # putting the rounds back by hand is an edit, which the hash catches
    document = _edited(shorter)
    document["fl"]["server_settings"]["num_rounds"] = 10
    assert "/sha256" in _refusal(json.dumps(document).encode())


def test_an_override_the_settings_refuse_names_the_setting() -> None:
    with pytest.raises(FLConfigError, match=r"^/fl/server/servers/0/num_rounds: num_rounds"):
        api.compile_plan(DIGITS_FL, server_overrides={"num_rounds": -1})
    with pytest.raises(FLConfigError, match="not an FL server setting"):
        api.compile_plan(DIGITS_FL, server_overrides={"rounds": 3})
    with pytest.raises(FLConfigError, match=r"no config_fed_server\.json"):
        api.compile_plan(REPO / "examples" / "digits_cnn", server_overrides={"num_rounds": 3})


def test_simulate_refuses_rounds_below_one_before_compiling() -> None:
    with pytest.raises(api.UsageError, match="--rounds must be at least 1"):
        api.simulate(DIGITS_FL, 2, rounds=0)


def test_the_data_split_is_a_compiler_input_covered_by_the_hash(plan: Plan) -> None:
    assert plan.simulation is None and "simulation" not in plan.document  # hash as before
    settings = simulation_settings(3, "dirichlet:0.5", 7)
    compiled = api.compile_plan(DIGITS_FL, simulation=settings).plan
    assert compiled is not None and compiled.simulation == settings
    assert compiled.document["simulation"] == {
        "clients": 3,
        "sites": 3,
        "split": {"method": "dirichlet", "value": 0.5},
        "seed": 7,
        "train_share": 1.0,
    }
    assert load_plan(compiled.to_json()) == compiled
    others = [
        simulation_settings(3, "dirichlet:0.5", 8),
        simulation_settings(3, "iid", 7),
        simulation_settings(3, "dirichlet:0.5", 7, train_share=0.5),
        simulation_settings(2, "dirichlet:0.5", 7, sites=3),
    ]
    hashes = {plan.sha256, compiled.sha256}
    for other in others:
        again = api.compile_plan(DIGITS_FL, simulation=other).plan
        assert again is not None
        hashes.add(again.sha256)
    assert len(hashes) == 2 + len(others)
    document = _edited(compiled)
    document["simulation"]["seed"] = 8  # a split changed by hand is an edit
    assert "/sha256" in _refusal(json.dumps(document).encode())
    for edit, where in (
        (lambda d: d["simulation"].update(clients=0), "/simulation/clients"),
        (lambda d: d["simulation"].update(sites=2), "/simulation"),
        (lambda d: d["simulation"]["split"].update(method="fraction", value=2.0), "/simulation"),
        (lambda d: d["simulation"].pop("train_share"), "/simulation/train_share"),
        (lambda d: d.update(simulation=None), "/simulation"),
    ):
        document = _edited(compiled)
        edit(document)
        document["sha256"] = plan_sha256(document)
        assert where in _refusal(json.dumps(document).encode())


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"split": "halves"}, "--split 'halves'"),
        ({"seed": -1}, "--seed -1"),
    ],
)
def test_simulate_refuses_a_bad_split_before_compiling(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(api.UsageError, match=message):
        api.simulate(DIGITS_FL, 2, **kw)


@pytest.mark.parametrize("key", ["a/b", "m~n", "~1", "plain", "", "0"])
def test_pointer_escaping_round_trips(key: str) -> None:
    pointer = join("/train", key)
    assert split(pointer) == ["train", key]
    assert to_pointer(["train", key]) == pointer
    assert resolve({"train": {key: 7}}, pointer) == 7


def test_pointer_errors() -> None:
    assert resolve({"a": [1, 2]}, "/a/1") == 2 and resolve({"a": 1}, "") == {"a": 1}
    for pointer in ("/a/2", "/a/x", "/b", "a"):
        with pytest.raises(PointerError):
            resolve({"a": [1, 2]}, pointer)


def test_file_hash_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    data = bytes(range(256)) * 9000  # more than one chunk
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
