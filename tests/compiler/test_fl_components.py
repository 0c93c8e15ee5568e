"""FL component names: the alias table, and F001/C002/C004 on real and broken FL configs."""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mmarc.compiler.check_fl_components import check_fl_components
from mmarc.compiler.component_sites import iter_components
from mmarc.compiler.fl_components import (
    FL_COMPONENTS,
    SLOT_ROLES,
    Support,
    fl_component,
    handled_by_fl,
    runtime_path,
    runtime_target,
)
from mmarc.compiler.kinds import FileKind, detect_kind
from mmarc.compiler.source import SourceFile, load_source, parse_text
from mmarc.diagnostics import Diagnostic, Severity

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"

#: The names real Clara 4.0 configs use, and the mmarc runtime class each becomes.
EXPECTED_TARGETS = {
    "InTimeAccumulateWeightedAggregator": "mmarc.runtime.aggregation.InTimeAccumulator",
    "PTFileModelPersistor": "mmarc.runtime.server.persistor.ModelPersistor",
    "FullModelShareableGenerator": "mmarc.runtime.server.shareable.FullModelShareable",
    "IntimeModelSelectionHandler": "mmarc.runtime.server.selection.BestModelSelector",
    "ClientTrainer": "mmarc.runtime.client.trainer.ClientTrainer",
    "ClientValidator": "mmarc.runtime.client.validator.ClientValidator",
    "PercentilePrivacy": "mmarc.runtime.filters.PercentilePrivacy",
    "SVTPrivacy": "mmarc.runtime.filters.SVTPrivacy",
    "ExcludeVars": "mmarc.runtime.filters.ExcludeVars",
    "PTModelReaderWriter": "mmarc.runtime.client.trainer.ModelReaderWriter",
}


def check(config: Mapping[str, Any], kind: FileKind = FileKind.FED_CLIENT) -> list[Diagnostic]:
    text = json.dumps(config, indent=2)
    source, diagnostics = parse_text(text, Path(f"{kind.value}.json"))
    assert not diagnostics and source.root is not None
    return check_fl_components(source, kind, source.root)


def corpus(relative: str) -> tuple[SourceFile, FileKind]:
    path = CORPUS / relative
    source, diagnostics = load_source(path, relative)
    assert not diagnostics
    kind = detect_kind(path, source.root)
    assert kind is not None
    return source, kind


def client(*filters: Mapping[str, Any], trainer_args: Mapping[str, Any] | None = None) -> dict:
    return {
        "format_version": 1,
        "client": {"outbound_filters": list(filters), "inbound_filters": []},
        "client_trainer": {"name": "ClientTrainer", "args": dict(trainer_args or {})},
    }


# -- the table ---------------------------------------------------------------------------------


def test_every_clara_name_maps_to_its_runtime_class() -> None:
    for name, target in EXPECTED_TARGETS.items():
        assert runtime_target(name) == target, name


def test_runtime_path_takes_name_or_path() -> None:
    assert runtime_path("SVTPrivacy#dp", None) == "mmarc.runtime.filters.SVTPrivacy"
    path = "medl.apps.fed_learn.trainers.client_trainer.ClientTrainer"
    assert runtime_path(None, path) == "mmarc.runtime.client.trainer.ClientTrainer"
    assert runtime_path("ModelEncryptor", None) is None  # ignored: nothing is built
    assert runtime_path("UNet", "monai.networks.nets.UNet") is None


def test_corpus_dotted_paths_resolve() -> None:
    paths = {
        "medl.apps.fed_learn.trainers.client_trainer.ClientTrainer": "ClientTrainer",
        "medl.apps.fed_learn.validators.client_validator.ClientValidator": "ClientValidator",
        "nvflare.components.handlers.intime_model_selection_handler.IntimeModelSelectionHandler": (
            "IntimeModelSelectionHandler"
        ),
    }
    for path, name in paths.items():
        found = fl_component(path)
        assert found is not None and found.name == name
    # the class name identifies a component anywhere under Clara's and NVFlare's roots
    assert fl_component("nvflare.app_common.filters.SVTPrivacy") is not None
    assert fl_component("some_package.SVTPrivacy") is None
    assert fl_component("SVTPrivacy#private") is not None


def test_table_is_consistent() -> None:
    names = [c.name for c in FL_COMPONENTS]
    assert len(names) == len(set(names))
    roles = set(SLOT_ROLES.values())
    for c in FL_COMPONENTS:
        assert c.role in roles, c
        assert (c.target is not None) == (c.support is Support.SUPPORTED), c
        assert c.target is None or c.target.startswith("mmarc.runtime."), c
        assert c.support is Support.SUPPORTED or c.note, c


def test_filter_arguments_match_the_runtime_filters() -> None:
    """The table's filter arguments are exactly what mmarc.runtime.filters accepts."""
    import mmarc.runtime.filters as filters

    for name in ("PercentilePrivacy", "SVTPrivacy", "ExcludeVars"):
        row = fl_component(name)
        assert row is not None and row.target == f"mmarc.runtime.filters.{name}"
        cls = getattr(filters, name)
        accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        assert [a.name for a in row.args] == accepted, name


def test_brief_arguments_are_accepted() -> None:
    wanted = {
        "InTimeAccumulateWeightedAggregator": {"aggregation_weights", "exclude_vars"},
        "PTFileModelPersistor": {"exclude_vars", "model"},
        "PercentilePrivacy": {"percentile", "gamma"},
        "SVTPrivacy": {"fraction", "epsilon", "noise_var", "gamma", "tau"},
        "ExcludeVars": {"exclude_vars"},
        "ClientTrainer": {"local_epochs", "steps_aggregation", "model_reader_writer"},
    }
    for name, args in wanted.items():
        row = fl_component(name)
        assert row is not None and args <= {a.name for a in row.args}, name


# -- the corpus --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    [
        "fl/clara40_config_fed_server.json",
        "fl/clara40_config_fed_client.json",
        "fl/clara40_config_fed_client_w_SVT.json",
    ],
)
def test_clara40_fl_configs_are_clean(relative: str) -> None:
    source, kind = corpus(relative)
    assert source.root is not None
    assert check_fl_components(source, kind, source.root) == []


def test_early_access_client_internals() -> None:
    source, kind = corpus("fl/clara40ea_config_fed_client.json")
    assert source.root is not None
    found = check_fl_components(source, kind, source.root)
    infos = [d for d in found if d.severity is Severity.INFO]
    errors = [d for d in found if d.severity is Severity.ERROR]
    assert all(d.code == "F001" for d in found)
    # 4 pre, 2 post and 11 request processors: a stock Early Access client is accepted
    assert len(infos) == 17 and not errors
    mgpu = infos[-1]
    assert "StartClientMGpuProcessor" in mgpu.message and "multi-GPU" in mgpu.message
    assert (mgpu.line, mgpu.column) == (80, 21)
    assert mgpu.pointer == "/client/req_processors/10/name"
    assert (infos[0].line, infos[0].column) == (17, 23)
    assert "IteratorNumberGenerator" in infos[0].message


def test_persistor_model_goes_to_the_catalog_reader_writer_stays_here() -> None:
    server, kind = corpus("fl/clara40_config_fed_server.json")
    sites = {s.parts: s for s in iter_components(kind, server.root)}
    assert not handled_by_fl(sites[("model_persistor", "args", "model")])
    assert handled_by_fl(sites[("model_persistor",)])
    client_source, client_kind = corpus("fl/clara40_config_fed_client.json")
    sites = {s.parts: s for s in iter_components(client_kind, client_source.root)}
    assert handled_by_fl(sites[("client_trainer", "args", "model_reader_writer")])


# -- broken configs --------------------------------------------------------------------------------


def test_unknown_component_lists_what_is_supported() -> None:
    config = {"format_version": 1, "aggregator": {"name": "Krum"}}
    (d,) = check(config, FileKind.FED_SERVER)
    assert d.code == "F001" and d.severity is Severity.ERROR
    assert d.hint == (
        "supported aggregators: InTimeAccumulateWeightedAggregator, FedAdamAggregator, "
        "FedYogiAggregator, AccumulateWeightedAggregator, HEInTimeAccumulateWeightedAggregator"
    )
    assert d.pointer == "/aggregator/name"


def test_fedadam_fedyogi_and_fedprox_arguments_are_checked_where_written() -> None:
    for name in ("FedAdamAggregator", "FedYogiAggregator"):
        args = {"aggregation_weights": {"a": 1}, "eta": 0.1, "beta1": 0.9, "beta2": 0.99}
        good = {"format_version": 1, "aggregator": {"name": name, "args": {**args, "tau": 1e-3}}}
        assert check(good, FileKind.FED_SERVER) == []
        bad = {"eta": 0, "beta1": 1.0, "tau": "small", "lr": 0.1}
        config = {"format_version": 1, "aggregator": {"name": name, "args": bad}}
        found = {d.pointer: (d.code, d.message) for d in check(config, FileKind.FED_SERVER)}
        assert found == {
            "/aggregator/args/eta": ("C004", f'{name} argument "eta" must be > 0, got 0'),
            "/aggregator/args/beta1": ("C004", f'{name} argument "beta1" must be < 1, got 1.0'),
            "/aggregator/args/tau": (
                "C004",
                f'{name} argument "tau" expects a number, got the string "small"',
            ),
            "/aggregator/args/lr": ("C002", f'{name} has no argument "lr"'),
        }
    assert check(client(trainer_args={"local_epochs": 1, "fedprox_mu": 0.01})) == []
    (d,) = check(client(trainer_args={"fedprox_mu": -0.5}))
    assert (d.code, d.pointer) == ("C004", "/client_trainer/args/fedprox_mu")
    assert d.message == 'ClientTrainer argument "fedprox_mu" must be >= 0, got -0.5'


def test_a_fedprox_aggregator_says_where_fedprox_is_set() -> None:
    config = {"format_version": 1, "aggregator": {"name": "FedProxAggregator"}}
    (d,) = check(config, FileKind.FED_SERVER)
    assert d.code == "F001" and d.severity is Severity.ERROR
    assert "fedprox_mu" in d.message and "InTimeAccumulateWeightedAggregator" in d.message
    assert d.pointer == "/aggregator/name"


def test_misspelt_component_gets_did_you_mean() -> None:
    (d,) = check(client({"name": "SVTPrivac", "args": {}}))
    assert d.code == "F001" and d.hint is not None
    assert d.hint.startswith('did you mean "SVTPrivacy"?')


def test_component_in_the_wrong_slot() -> None:
    config = {"format_version": 1, "aggregator": {"name": "SVTPrivacy"}}
    (d,) = check(config, FileKind.FED_SERVER)
    assert d.code == "F001" and "filter" in d.message and "aggregator" in d.message


def test_arguments_checked_by_name_and_type() -> None:
    good = {"name": "SVTPrivacy", "args": {"fraction": 0.1, "epsilon": 1, "tau": 1e-6}}
    assert check(client(good)) == []
    typo = {"name": "SVTPrivacy", "args": {"epsilom": 0.1}}
    (d,) = check(client(typo))
    assert (d.code, d.hint) == ("C002", 'did you mean "epsilon"?')
    assert d.pointer == "/client/outbound_filters/0/args/epsilom"
    quoted = {"name": "PercentilePrivacy", "args": {"percentile": "10"}}
    (d,) = check(client(quoted))
    assert d.code == "C004" and 'the string "10"' in d.message
    flag = {"name": "PercentilePrivacy", "args": {"gamma": True}}
    assert [d.code for d in check(client(flag))] == ["C004"]


def test_aggregation_weights_are_numbers() -> None:
    def server(weights: object) -> dict:
        return {
            "format_version": 1,
            "aggregator": {
                "name": "InTimeAccumulateWeightedAggregator",
                "args": {"aggregation_weights": weights},
            },
        }

    assert check(server({"site-1": 1, "site-2": 0.5}), FileKind.FED_SERVER) == []
    (d,) = check(server({"site-1": "1"}), FileKind.FED_SERVER)
    assert d.code == "C004" and '"site-1"' in d.message


def test_reader_writer_must_be_a_component() -> None:
    assert (
        check(client(trainer_args={"model_reader_writer": {"name": "PTModelReaderWriter"}})) == []
    )
    (d,) = check(client(trainer_args={"model_reader_writer": "PTModelReaderWriter"}))
    assert d.code == "C004" and "component" in d.message
    (d,) = check(client(trainer_args={"model_reader_writer": {"name": "TFModelReaderWriter"}}))
    assert d.code == "F001" and "PTModelReaderWriter" in d.message


def test_other_file_kinds_are_ignored() -> None:
    assert check({"train": {"loss": {"name": "Nope"}}}, FileKind.TRAIN) == []
