"""FL settings from plans and corpus configs, registration checks, datalist splits, events.

Fast: no sockets, no torch training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import plan_envelope
from mmarc.runtime.client.config import client_config
from mmarc.runtime.client.site import with_datalist
from mmarc.runtime.server.admission import (
    plan_difference,
    plan_sections,
    registration_meta,
    version_problem,
)
from mmarc.runtime.server.config import FLConfigError, filter_chain, server_config
from mmarc.runtime.server.events import EventLog, events_path_for
from mmarc.runtime.server.selection import BestModelSelector, Report, combine
from mmarc.runtime.sim.split import parse_split, split_datalist

from mmarc import api
from mmarc.plan import Plan, simulation_settings
from mmarc.plan.fl import client_settings, server_settings

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus" / "fl"
EXAMPLES = REPO / "examples"


def corpus(name: str) -> Any:
    return json.loads((CORPUS / name).read_text())


def bare_plan(**content: Any) -> Plan:
    """A small, hashed plan with ``content`` in place of the defaults."""
    return Plan.sealed({**plan_envelope(), **content})


# -- server and client settings ------------------------------------------------------------


def test_clara40_server_config_from_the_corpus() -> None:
    cfg = server_settings(corpus("clara40_config_fed_server.json"))
    assert (cfg.min_num_clients, cfg.max_num_clients) == (2, 100)
    assert (cfg.start_round, cfg.num_rounds, cfg.end_round) == (0, 2, 2)
    assert cfg.wait_after_min_clients == 10 and cfg.heart_beat_timeout == 600
    assert cfg.weight_of("client1") == 1.5 and cfg.weight_of("someone-else") == 1.0
    assert cfg.persistor_exclude == "dummy"
    assert cfg.model_pointer == "/fl/server/model_persistor/args/model"


def test_earlier_server_form_reads_exclude_vars_from_servers() -> None:
    raw = corpus("clara3x_config_fed_server.json")
    raw["aggregator"] = {"name": "InTimeAccumulateWeightedAggregator", "args": {}}
    cfg = server_settings(raw)
    assert cfg.aggregator_exclude == "dummy" and cfg.num_rounds == 2
    assert cfg.model_pointer == "/train/model"


def test_compiled_plan_settings_sit_under_extra() -> None:
    compiled = api.compile_plan(EXAMPLES / "digits_fl")
    assert compiled.plan is not None
    cfg = server_config(compiled.plan)
    assert cfg.num_rounds == 10 and cfg.min_num_clients == 2 and cfg.heart_beat_timeout == 60
    assert cfg.model_pointer == "/fl/server/model_persistor/args/model"
    client = client_config(compiled.plan)
    assert client.local_epochs == 1 and client.cross_validate
    assert compiled.plan.fl is not None and compiled.plan.fl.server is not None
    assert compiled.plan.fl.server["servers"][0]["extra"]["num_rounds"] == 10


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"min_num_clients": 0}, "must be greater than or equal to 1, got 0"),
        ({"min_num_clients": 3, "max_num_clients": 2}, "below min_num_clients"),
        ({"heart_beat_timeout": 0}, "heart_beat_timeout"),
        ({"num_rounds": "ten"}, "num_rounds must be a valid integer"),
    ],
)
def test_bad_server_settings_name_their_pointer(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(FLConfigError, match=message) as err:
        server_settings({"servers": [{"name": "s", **entry}]})
    assert str(err.value).startswith("/fl/server/servers/0")


def test_missing_fl_section_says_what_is_missing() -> None:
    with pytest.raises(FLConfigError, match=r"no config_fed_server\.json"):
        server_config(bare_plan())
    with pytest.raises(FLConfigError, match=r"no config_fed_client\.json"):
        client_config(bare_plan(fl={"server": {}, "server_settings": {}}))


def test_clara40_client_with_svt_filter() -> None:
    cfg = client_settings(corpus("clara40_config_fed_client_w_SVT.json"))
    assert cfg.local_epochs == 2 and cfg.steps_aggregation == 0 and cfg.cross_validate
    chain = filter_chain(cfg.outbound_filters, "/fl/client/client/outbound_filters")
    assert type(chain[0]).__name__ == "SVTPrivacy"


def test_early_access_client_form() -> None:
    cfg = client_settings(corpus("clara40ea_config_fed_client.json"))
    assert cfg.local_epochs == 5 and cfg.cross_validate
    assert cfg.outbound_filters[0] == {"name": "ExcludeVars", "args": {"exclude_vars": "dummy"}}


def test_client_that_would_train_nothing_is_refused() -> None:
    bad = {"client_trainer": {"args": {"local_epochs": 0, "steps_aggregation": 0}}}
    with pytest.raises(FLConfigError, match="train nothing"):
        client_settings(bad)


# -- registration --------------------------------------------------------------------------


def test_plan_difference_names_sections_and_short_values() -> None:
    ours = bare_plan(settings={"lr": 0.1, "epochs": 3}, train={"model": {"x": 1}})
    theirs = bare_plan(
        settings={"lr": 0.2, "epochs": 3}, train={"model": {"x": 2}}, custom={"net.py": "ff"}
    )
    reason = plan_difference(ours, registration_meta(theirs))
    assert reason is not None
    assert "settings.lr (0.2 on the client, 0.1 on the server)" in reason
    assert "train.model differ;" in reason and "custom.net.py (only on the client)" in reason
    assert "settings.epochs" not in reason
    assert plan_difference(ours, registration_meta(ours)) is None
    assert {"settings.lr", "settings.epochs", "train.model"} <= set(plan_sections(ours))
    assert "custom" in plan_sections(ours)  # an empty object is one entry


def test_version_rule_is_major_minor() -> None:
    assert version_problem("0.1.7", "0.1.0") is None
    problem = version_problem("0.2.0", "0.1.0")
    assert problem is not None and "0.2.0" in problem and "0.1.0" in problem
    assert version_problem(None, "0.1.0") is not None


# -- best model selection ------------------------------------------------------------------


def test_selection_weights_reports_by_validation_samples() -> None:
    reports = [Report("a", "acc", 1.0, 30), Report("b", "acc", 0.0, 10)]
    assert combine(reports) == ("acc", 0.75)
    selector = BestModelSelector()
    assert selector.offer(0, reports) == {"metric": "acc", "value": 0.75, "round": 0}
    assert selector.offer(1, [Report("a", "acc", 0.5, 1)]) is None
    lower = BestModelSelector(lower_is_better=True, best={"metric": "acc", "value": 0.5})
    assert lower.offer(2, [Report("a", "acc", 0.4, 1)]) is not None


# -- datalist splits -----------------------------------------------------------------------


def datalist(n_train: int = 40, n_val: int = 20, classes: int = 4) -> dict[str, Any]:
    def items(prefix: str, n: int) -> list[dict[str, Any]]:
        return [{"image": f"{prefix}{i}.npy", "label": i % classes} for i in range(n)]

    return {"training": items("t", n_train), "validation": items("v", n_val), "other": [1]}


def split(doc: dict[str, Any], n: int, text: str, seed: int, **share: Any) -> list[Any]:
    """``doc`` split for ``n`` clients, its ``training`` and ``validation`` keys."""
    validation = ["validation"] if "validation" in doc else []
    return split_datalist(
        doc, ["training"], validation, simulation_settings(n, text, seed, **share)
    )


def images(parts: list[dict[str, Any]], key: str) -> list[str]:
    return sorted(item["image"] for part in parts for item in part[key])


@pytest.mark.parametrize("text", ["iid", "dirichlet:0.3", "fraction:0.25"])
def test_splits_are_deterministic_and_never_empty(text: str) -> None:
    first = split(datalist(), 4, text, seed=7)
    assert first == split(datalist(), 4, text, seed=7)
    assert first != split(datalist(), 4, text, seed=8)
    for part in first:
        assert part["training"] and part["validation"] and part["other"] == [1]


def test_iid_split_is_a_partition_of_near_equal_parts() -> None:
    parts = split({"training": datalist(41)["training"]}, 4, "iid", seed=1)
    assert images(parts, "training") == sorted(f"t{i}.npy" for i in range(41))
    assert sorted(len(p["training"]) for p in parts) == [10, 10, 10, 11]


def test_dirichlet_split_skews_labels_and_keeps_every_item() -> None:
    parts = split({"training": datalist(400)["training"]}, 4, "dirichlet:0.1", seed=3)
    assert sum(len(p["training"]) for p in parts) == 400
    dominant = [
        max(sum(1 for i in p["training"] if i["label"] == c) for c in range(4)) / len(p["training"])
        for p in parts
    ]
    assert max(dominant) > 0.6  # with alpha 0.1 some client is dominated by one class


def test_fraction_split_shares_training_only_and_validates_on_every_item() -> None:
    parts = split(datalist(40, 21), 2, "fraction:0.25", seed=0)
    assert [len(p["training"]) for p in parts] == [10, 10]
    a, b = ({i["image"] for i in p["training"]} for p in parts)
    assert not a & b
    # validation is not reduced: every item goes to exactly one client
    assert images(parts, "validation") == sorted(f"v{i}.npy" for i in range(21))


@pytest.mark.parametrize("text", ["iid", "dirichlet:0.5", "fraction:0.2"])
def test_reduced_training_keeps_the_whole_validation_set(text: str) -> None:
    """sites:F and data:F (the study's data shares) reduce the training items only."""
    doc = datalist(400, 41)
    every = split(doc, 4, text, seed=2)
    half_data = split(doc, 4, text, seed=2, train_share=0.5)
    half_sites = split(doc, 2, text, seed=2, sites=4)
    for parts in (every, half_data, half_sites):
        assert images(parts, "validation") == sorted(f"v{i}.npy" for i in range(41))
    for whole, half in zip(every, half_data, strict=True):
        kept = [i["image"] for i in half["training"]]
        assert len(kept) == round(len(whole["training"]) / 2)
        assert set(kept) < {i["image"] for i in whole["training"]}  # a subset of its share
    assert [p["training"] for p in half_sites] == [p["training"] for p in every[:2]]


@pytest.mark.parametrize(
    "text", ["", "iid:2", "dirichlet", "dirichlet:0", "dirichlet:1e9", "fraction:1.5", "x"]
)
def test_bad_split_texts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--split"):
        parse_split(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"clients": 0}, "--sim 0"),
        ({"clients": 2, "seed": -1}, "--seed -1"),
        ({"clients": 3, "sites": 2}, "2 sites cannot hold 3 clients"),
        ({"clients": 2, "train_share": 0.0}, "training share"),
    ],
)
def test_bad_simulation_settings_are_refused(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulation_settings(**args)


# -- site datalist binding and events --------------------------------------------------------


def test_with_datalist_rebinds_every_dataset_and_keeps_the_base_dir(tmp_path: Path) -> None:
    plan = bare_plan(
        train={"dataset": {"data_list_file_path": "data/d.json", "data_list_key": "training"}},
        validate={
            "dataset": {
                "data_list_file_path": "data/d.json",
                "data_file_base_dir": "images",
                "data_list_key": "validation",
            }
        },
    )
    site = with_datalist(plan, tmp_path / "mine.json")
    train, val = site.train["dataset"], site.validate_["dataset"]
    assert train["data_list_file_path"] == str((tmp_path / "mine.json").resolve())
    assert train["data_file_base_dir"] == "data"
    assert val["data_file_base_dir"] == "images"
    assert plan.train["dataset"]["data_list_file_path"] == "data/d.json"  # a copy
    assert site.sha256 == plan.sha256


def test_events_path_and_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MMARC_EVENTS", raising=False)
    monkeypatch.delenv("FL_BENCH_EVENTS", raising=False)
    assert events_path_for(tmp_path) == tmp_path / "events.jsonl"
    monkeypatch.setenv("FL_BENCH_EVENTS", str(tmp_path / "bench.jsonl"))
    assert events_path_for(tmp_path) == tmp_path / "bench.jsonl"
    monkeypatch.setenv("MMARC_EVENTS", "1")
    assert events_path_for(tmp_path) == tmp_path / "bench.jsonl"
    assert events_path_for(tmp_path, tmp_path / "x.jsonl") == tmp_path / "x.jsonl"
    log = EventLog(tmp_path / "e.jsonl")
    log.emit("round_start", round=1, clients=2)
    event = json.loads((tmp_path / "e.jsonl").read_text())
    assert event["event"] == "round_start" and event["round"] == 1 and "t" in event


def test_every_supported_fl_component_target_exists() -> None:
    import importlib

    from mmarc.compiler.fl_components import FL_COMPONENTS, Support

    for row in FL_COMPONENTS:
        if row.support is Support.SUPPORTED:
            assert row.target is not None
            module, _, name = row.target.rpartition(".")
            assert hasattr(importlib.import_module(module), name), row.target
