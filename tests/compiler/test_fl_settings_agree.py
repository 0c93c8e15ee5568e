"""`validate` and the runtime accept exactly the same FL setting values.

The settings are defined once (mmarc.plan.fl); this table holds the boundary values of
each. For every row, `validate` reads a real config_fed_server/client.json holding the
value, and the runtime's door (the plan model behind load_plan) reads a plan whose
effective settings hold it: both must accept it, or both refuse it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import plan_envelope

from mmarc import api
from mmarc.plan import Plan, PlanError, plan_from_document
from mmarc.plan.fl import FLClientSettings, FLServerSettings

SERVER_VALUES: list[tuple[dict[str, Any], bool]] = [
    ({"min_num_clients": 1}, True),
    ({"min_num_clients": 0}, False),
    ({"min_num_clients": -1}, False),
    ({"min_num_clients": 1.5}, False),
    ({"min_num_clients": True}, False),
    ({"min_num_clients": "2"}, False),
    ({"max_num_clients": 1}, True),
    ({"max_num_clients": 0}, False),
    ({"min_num_clients": 3, "max_num_clients": 2}, False),
    ({"min_num_clients": 3, "max_num_clients": 3}, True),
    ({"start_round": 0}, True),
    ({"start_round": -1}, False),
    ({"num_rounds": 0}, True),
    ({"num_rounds": 1}, True),
    ({"num_rounds": -1}, False),
    ({"num_rounds": 2.0}, False),
    ({"wait_after_min_clients": 0}, True),
    ({"wait_after_min_clients": 0.5}, True),
    ({"wait_after_min_clients": 10}, True),
    ({"wait_after_min_clients": -0.5}, False),
    ({"wait_after_min_clients": "10"}, False),
    ({"wait_after_min_clients": False}, False),
    ({"heart_beat_timeout": 0.001}, True),
    ({"heart_beat_timeout": 60}, True),
    ({"heart_beat_timeout": 0}, False),
    ({"heart_beat_timeout": -1}, False),
    ({"upload_slots": 0}, True),
    ({"upload_slots": 1}, True),
    ({"upload_slots": 64}, True),
    ({"upload_slots": -1}, False),
    ({"upload_slots": 2.0}, False),
    ({"upload_slots": "4"}, False),
    ({"upload_slots": True}, False),
    ({"upload_slots": 100_001}, False),
]

CLIENT_VALUES: list[tuple[dict[str, Any], bool]] = [
    ({"local_epochs": 1}, True),
    ({"local_epochs": 3, "steps_aggregation": 0}, True),
    ({"local_epochs": 0, "steps_aggregation": 5}, True),
    ({"local_epochs": 0, "steps_aggregation": 0}, False),
    ({"local_epochs": -1}, False),
    ({"local_epochs": 1.5}, False),
    ({"local_epochs": True}, False),
    ({"steps_aggregation": -1}, False),
    ({"steps_aggregation": "5"}, False),
    ({"local_epochs": 1, "fedprox_mu": 0.01}, True),
    ({"local_epochs": 1, "fedprox_mu": 0}, True),
    ({"local_epochs": 1, "fedprox_mu": -0.1}, False),
    ({"local_epochs": 1, "fedprox_mu": "0.1"}, False),
    ({"local_epochs": 1, "fedprox_mu": 1e7}, False),
]


def _validate_accepts(folder: Path, name: str, config: dict[str, Any]) -> bool:
    path = folder / name
    path.write_text(json.dumps(config), encoding="utf-8")
    result = api.validate(path)
    return not result.diagnostics.has_errors()


def _runtime_accepts(key: str, settings: dict[str, Any]) -> bool:
    document: dict[str, Any] = {**plan_envelope(), "fl": {key: settings}, "sha256": "0" * 64}
    try:
        plan_from_document(document)
    except PlanError as exc:
        assert "\n" not in str(exc)
        return "/sha256" in str(exc)  # the settings passed; only the made-up hash did not
    raise AssertionError("a plan with a made-up hash was accepted")


def _label(row: tuple[dict[str, Any], bool]) -> str:
    return ",".join(f"{k}={v!r}" for k, v in row[0].items())


@pytest.mark.parametrize("row", SERVER_VALUES, ids=[_label(r) for r in SERVER_VALUES])
def test_server_settings_agree(row: tuple[dict[str, Any], bool], tmp_path: Path) -> None:
    values, expected = row
    config = {"format_version": 1, "servers": [{"name": "study", **values}]}
    by_validate = _validate_accepts(tmp_path, "config_fed_server.json", config)
    by_runtime = _runtime_accepts("server_settings", values)
    assert by_validate == by_runtime == expected


@pytest.mark.parametrize("row", CLIENT_VALUES, ids=[_label(r) for r in CLIENT_VALUES])
def test_client_settings_agree(row: tuple[dict[str, Any], bool], tmp_path: Path) -> None:
    values, expected = row
    config = {
        "format_version": 1,
        "servers": [{"name": "study"}],
        "client_trainer": {"name": "ClientTrainer", "args": values},
    }
    by_validate = _validate_accepts(tmp_path, "config_fed_client.json", config)
    by_runtime = _runtime_accepts("client_settings", values)
    assert by_validate == by_runtime == expected


@pytest.mark.parametrize(
    ("weights", "expected"),
    [({"site-1": 0.5}, True), ({"site-1": 0}, True), ({"site-1": -1}, False), ({"a": "x"}, False)],
)
def test_aggregation_weights_agree(weights: dict[str, Any], expected: bool, tmp_path: Path) -> None:
    config = {
        "format_version": 1,
        "servers": [{"name": "study"}],
        "aggregator": {
            "name": "InTimeAccumulateWeightedAggregator",
            "args": {"aggregation_weights": weights},
        },
    }
    by_validate = _validate_accepts(tmp_path, "config_fed_server.json", config)
    by_runtime = _runtime_accepts("server_settings", {"aggregation_weights": weights})
    assert by_validate == by_runtime == expected


def test_every_setting_has_a_row() -> None:
    numeric = {
        name
        for model in (FLServerSettings, FLClientSettings)
        for name, field in model.model_fields.items()
        if field.annotation in (int, float)
    }
    covered = {k for values, _ in SERVER_VALUES + CLIENT_VALUES for k in values}
    assert len(numeric) == 10 and numeric <= covered, numeric - covered


def test_the_runtime_reads_the_defaults_the_plan_holds() -> None:
    compiled = api.compile_plan(Path(__file__).resolve().parents[2] / "examples" / "digits_fl")
    plan = compiled.plan
    assert isinstance(plan, Plan) and plan.server_settings is not None
    # absent from config_fed_server.json, so Clara's default, applied once by the compiler
    assert plan.document["fl"]["server_settings"]["max_num_clients"] == 100
    assert plan.server_settings.weight_of("nobody") == 1.0
