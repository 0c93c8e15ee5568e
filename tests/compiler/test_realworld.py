"""The compatibility report on real Clara/NVFlare files nobody here wrote (issue 11).

``../shared/corpus`` (beside the checkout; CI puts ``shared`` beside the clone) holds
NVIDIA's clara-train-examples at Clara 4.0 and 4.1, NVFlare 1.0 examples and MONAI's
NVFlare 1.0 tutorial. Each test below pins what mmarc says about one real file, for one
cause of a former false alarm, crash or miss; :func:`test_the_whole_corpus_report` pins
every warning and error over the whole corpus, and the figures of the closing note.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mmarc import api
from mmarc.compiler.kinds import FileKind, detect_kind
from mmarc.compiler.source import load_source
from mmarc.diagnostics import Severity

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
from realworld_report import find_corpus, pins, report  # noqa: E402

CORPUS = find_corpus(REPO)
pytestmark = pytest.mark.skipif(
    CORPUS is None, reason="../shared/corpus is not beside the checkout"
)
REAL = (CORPUS or Path()) / "realworld"
CTE41 = REAL / "clara-train-examples" / "HEAD-4.1"
CTE40 = REAL / "clara-train-examples" / "v4.0-3df8a31"
NVF1 = REAL / "nvflare" / "v1-7228ec5" / "examples"
SPLEEN = REAL / "monai-tutorials" / "nvflare1-9defeaac" / "federated_learning" / "nvflare"


PINS = REPO / "tests" / "fixtures" / "realworld_pins.json"

#: Why each code still reported on the corpus is true, from MONAI's or Clara's own source.
#: A code without a reason here fails the whole-corpus test: defend it or fix its cause.
DEFENDED = {
    "C005": "an argument the installed MONAI renamed, removed, re-typed or re-defaulted "
    "(UNet/BasicUNet dimensions -> spatial_dims and AsDiscreted's n_classes/threshold_values/"
    "logit_thresh/to_onehot: MONAI 1.0; deepgrow batched; PatchWSIDataset region_size/"
    "grid_shape/image_reader_name; LoadImaged image_only=True while the file reads "
    "image_meta_dict): each checked against the installed signature by test_catalog.py",
    "C006": "a class the installed MONAI no longer has (AddChanneld, SegmentationSaver, "
    "TorchVisionFullyConvModel, the MONAI 0.5 pathology datasets)",
    "V001": "a Clara 3.x (TensorFlow) file: TF components, image_pipeline, fields",
    "X001": "an enabled component names a variable no environment.json, setting or --set "
    "defines (clara/mmar-4.0 is a config copied without its environment.json; FL "
    "adminMMARs' validation configs load {MMAR_TORCHSCRIPT} with dont_load_ts_model false)",
    "X004": "clara/mmar-4.0 has no environment.json beside its config",
    "L007": "aggregation_weights name client0; FL/project1.yml provisions client1-client4, so "
    "that weight never applies",
}


def test_the_whole_corpus_report(tmp_path: Path) -> None:
    """Every MMAR folder and standalone file of the corpus: lint's warnings and errors
    (code, file, line) and whether each Clara 4.x training MMAR compiles after migrate.

    Each pinned diagnostic is one defended from MONAI's or Clara's own behaviour (see the
    closing note of issue 11); a change here is a change of verdict on a real file.
    Rewrite with ``python benchmarks/realworld_report.py --write-pins PINS`` after review.
    """
    assert CORPUS is not None
    rep = report(CORPUS, tmp_path)
    figures = rep.figures()
    assert figures["crashes"] == 0, [r.crash for r in rep.results if r.crash]
    expected = json.loads(PINS.read_text(encoding="utf-8"))
    got = pins(rep)
    codes_left = {line.split()[1] for entry in got.values() for line in entry["diagnostics"]}
    assert codes_left <= set(DEFENDED), codes_left - set(DEFENDED)
    assert sorted(got) == sorted(expected)
    for target, pinned in expected.items():
        assert got[target] == pinned, target
    # every Clara 4.x MMAR compiles after migrate, or migrate lists what it could not do
    # and validate on the output reports nothing else
    for r in rep.results:
        if r.clara4:
            assert r.compiled or r.unmigrated, r.target
            assert r.unlisted == [], (r.target, r.unlisted)


def codes(result: api.Validation, severity: Severity | None = None) -> list[tuple[str, str, int]]:
    """(code, file name, line) of each diagnostic, errors and warnings unless told."""
    return sorted(
        (d.code, Path(d.file).name, d.line or 0)
        for d in result.diagnostics
        if (d.severity is severity if severity else d.severity is not Severity.INFO)
    )


# --- data that is not on this machine -----------------------------------------------------


def test_data_not_on_this_machine_is_one_note_not_errors() -> None:
    result = api.lint(CTE41 / "PyTorch" / "NoteBooks" / "GettingStarted")
    assert not [d for d in result.diagnostics if d.code in ("L003", "L004")]
    [note] = [d for d in result.diagnostics if d.code == "L010"]
    assert note.severity is Severity.INFO
    assert "/claraDevDay/Data/sampleData is not on this machine" in note.message


def test_require_data_makes_absent_data_an_error() -> None:
    result = api.lint(CTE41 / "PyTorch" / "NoteBooks" / "GettingStarted", require_data=True)
    assert not [d for d in result.diagnostics if d.code == "L010"]
    missing = [d for d in result.diagnostics.errors if d.code == "L003"]
    assert missing and all(
        "/claraDevDay/Data/sampleData/dataset.json" in d.message for d in missing
    )


def test_present_data_folder_with_missing_files_stays_an_error(tmp_path: Path) -> None:
    """The spleen tutorial's datalists are in the corpus; its images are not."""
    data = tmp_path / "data"
    data.mkdir()
    datalist = CTE41 / "PyTorch" / "NoteBooks" / "Data" / "sampleData" / "dataset.json"
    (data / "dataset.json").write_bytes(datalist.read_bytes())
    mmar = CTE41 / "PyTorch" / "NoteBooks" / "GettingStarted"
    result = api.lint(mmar, sets=[f"DATA_ROOT={data}", f"DATASET_JSON={data}/dataset.json"])
    assert not [d for d in result.diagnostics if d.code == "L010"]
    assert {d.code for d in result.diagnostics.errors} >= {"L004"}


# --- file kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        SPLEEN / "nvflare_example" / "spleen_example" / "config" / "config_train_1.json",
        CTE41
        / "PyTorch"
        / "NoteBooks"
        / "FL"
        / "adminMMAR_BYOT_monai"
        / "config"
        / "config_train.json",
    ],
    ids=["spleen_config_train_1", "byot_config_train"],
)
def test_a_custom_trainers_flat_settings_are_not_a_clara_config(path: Path) -> None:
    source, _ = load_source(path)
    assert detect_kind(path, source.root) is None
    result = api.lint(path.parent.parent)
    assert not [d for d in result.diagnostics if Path(d.file).name == path.name]
    with pytest.raises(api.UsageError, match="flat settings read by custom code"):
        api.validate(path)


def test_a_3x_validation_config_renamed_is_still_a_3x_verdict(tmp_path: Path) -> None:
    original = (
        CTE41 / "Tensorflow-Deprecated" / "GettingStarted" / "config" / "config_validation.json"
    )
    renamed = tmp_path / "evaluate_tf.json"
    renamed.write_bytes(original.read_bytes())
    source, _ = load_source(renamed)
    assert detect_kind(renamed, source.root) is FileKind.VALIDATION
    result = api.validate(renamed)
    assert {d.code for d in result.diagnostics.errors} == {"V001"}


# --- AutoML search-space syntax -------------------------------------------------------------


@pytest.mark.parametrize("snapshot", [CTE41, CTE40], ids=["4.1", "4.0"])
def test_automl_search_and_apply_are_not_references(snapshot: Path) -> None:
    mmar = snapshot / "PyTorch" / "NoteBooks" / "AutoML"
    result = api.validate(mmar)
    assert not [d for d in result.diagnostics if d.code in ("R001", "V002")]
    detected = {Path(f["file"]).name: f["clara_version"] for f in result.detected()["files"]}
    expected = "4.1" if snapshot is CTE41 else "4.0"
    assert detected["trn_autoML_Transform.json"] == expected
    assert detected["trn_autoML_Loss_Optimizer.json"] == expected


# --- federated learning ---------------------------------------------------------------------


@pytest.mark.parametrize("example", ["hello-numpy", "hello-pt", "hello-tf2"])
def test_nvflare_10_apps_are_accepted(example: str) -> None:
    """No servers in the client, no server name, "platform", AccumulateWeightedAggregator,
    and BYO trainer/persistor classes from the app's custom/ folder."""
    result = api.lint(NVF1 / example)
    assert codes(result) == []


def test_clara_he_components_are_supported() -> None:
    """adminMMAR_HE's seven HE components are mmarc runtime classes now: no F001 at all."""
    result = api.validate(CTE41 / "PyTorch" / "NoteBooks" / "FL" / "adminMMAR_HE")
    assert not [d for d in result.diagnostics if d.code == "F001"]


def test_a_byo_aggregator_from_custom_is_accepted() -> None:
    result = api.validate(CTE41 / "PyTorch" / "NoteBooks" / "FL" / "adminMMAR_privacy")
    assert not [d for d in result.diagnostics if d.code == "F001"]


def test_nvflare_10_project_file_with_config_validator_is_accepted() -> None:
    path = SPLEEN / "nvflare_example" / "fl_utils" / "workspace_gen" / "project.yml"
    assert codes(api.validate(path)) == []


# --- components ---------------------------------------------------------------------------


def test_a_component_with_name_and_path_is_built_from_its_custom_path() -> None:
    """deepgrow's "name": "ClickInteraction", "path": "deepgrow.interaction.ClickInteraction"."""
    result = api.validate(CTE41 / "PyTorch" / "NoteBooks" / "AIAA" / "deepgrow_2D")
    assert not [d for d in result.diagnostics if d.code == "C001"]


@pytest.mark.parametrize(
    ("path", "component", "argument"),
    [
        (
            CTE41 / "PyTorch/NoteBooks/DomainExamples/DigitalPathology/MMAR_DP/config"
            "/config_train_smartcache.json",
            "SmartCacheHandler",
            "smartcacher",
        ),
        (
            CTE40 / "PyTorch/NoteBooks/GettingStarted/config/config_train_segresnet.json",
            "SupervisedTrainer",
            "max_epochs",
        ),
        (
            CTE41 / "PyTorch/NoteBooks/AIAA/deepgrow_2D/config/config_train.json",
            "PersistentDataset",
            "cache_dir",
        ),
    ],
    ids=["SmartCacheHandler.smartcacher", "SupervisedTrainer.max_epochs", "cache_dir"],
)
def test_clara40_implicit_wiring_is_not_missing(path: Path, component: str, argument: str) -> None:
    result = api.validate(path)
    missing = [d for d in result.diagnostics if d.code == "C003" and component in d.message]
    assert missing == []


def test_migrate_writes_clara40_implicit_wiring_in(tmp_path: Path) -> None:
    mmar = CTE41 / "PyTorch/NoteBooks/DomainExamples/DigitalPathology/MMAR_DP"
    report = api.migrate(mmar, tmp_path / "out")
    text = (tmp_path / "out/config/config_train_smartcache.json").read_text(encoding="utf-8")
    assert '"smartcacher": "@dataset"' in text
    assert any("smartcacher" in line for line in report.lines())


# --- versions -----------------------------------------------------------------------------


def test_an_early_access_server_is_4_0_ea_like_its_client(tmp_path: Path) -> None:
    """The 4.0 Early Access server kept 3.x's slots and ModelAggregator around PyTorch
    components; the 3.x server of the corpus with its TFModelSaver swapped for the EA
    PTModelSaver is the EA shape."""
    assert CORPUS is not None
    text = (CORPUS / "clara/fl/clara3x_config_fed_server.json").read_text(encoding="utf-8")
    ea = tmp_path / "config_fed_server.json"
    ea.write_text(text.replace('"TFModelSaver"', '"PTModelSaver"'), encoding="utf-8")
    result = api.validate(ea)
    [entry] = result.detected()["files"]
    assert entry["clara_version"] == "4.0-ea"
    # the admin command modules are EA internals mmarc ignores; what it cannot run as
    # written is the EA aggregator and model saver, each with the 4.0 replacement
    refused = sorted((d.code, d.line) for d in result.diagnostics.errors)
    assert refused == [("F001", 23), ("F001", 56)]
    three = api.validate(CORPUS / "clara/fl/clara3x_config_fed_server.json")
    assert three.detected()["files"][0]["clara_version"] == "3.x"


def test_a_3x_mmar_gets_its_verdict_and_no_follow_on_warnings() -> None:
    result = api.lint(CTE41 / "Tensorflow-Deprecated" / "GettingStarted")
    assert {d.code for d in result.diagnostics if d.severity is not Severity.INFO} == {"V001"}


NVFLARE2_SERVER = """{
  "format_version": 2,
  "min_clients": 2,
  "num_rounds": 3,
  "workflows": [
    {"id": "sag", "path": "nvflare.app_common.workflows.scatter_and_gather.ScatterAndGather",
     "args": {"min_clients": "{min_clients}", "num_rounds": "{num_rounds}"}}
  ],
  "components": [
    {"id": "persistor", "path": "nvflare.app_opt.pt.file_model_persistor.PTFileModelPersistor"}
  ]
}
"""

NVFLARE24_AUTHORIZATION = """{
  "format_version": "1.0",
  "permissions": {
    "project_admin": "any",
    "org_admin": {"submit_job": "none", "manage_job": "o:submitter"},
    "lead": {"submit_job": "any"}
  }
}
"""


def test_an_nvflare2_app_config_gets_one_verdict_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "config_fed_server.json"
    path.write_text(NVFLARE2_SERVER, encoding="utf-8")
    result = api.validate(path)
    assert [d.code for d in result.diagnostics if d.severity is not Severity.INFO] == ["V003"]
    assert "NVIDIA FLARE 2.x" in result.diagnostics.errors[0].message


def test_nvflare24_authorization_json_is_not_a_clara_authz_file(tmp_path: Path) -> None:
    path = tmp_path / "authorization.json"
    path.write_text(NVFLARE24_AUTHORIZATION, encoding="utf-8")
    source, _ = load_source(path)
    assert detect_kind(path, source.root) is None
    clara = CTE41 / "PyTorch/NoteBooks/FL/project1auth.json"
    source, _ = load_source(clara)
    assert detect_kind(clara, source.root) is FileKind.AUTHZ


# --- lint -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saver_args", "warned"),
    [
        (
            {
                "save_dir": "{MMAR_CKPT_DIR}",
                "save_dict": {"model": "@model"},
                "epoch_level": True,
                "save_interval": 10,
            },
            False,
        ),
        (
            {
                "save_dir": "{MMAR_CKPT_DIR}",
                "save_dict": {"model": "@model"},
                "save_key_metric": True,
            },
            True,
        ),
    ],
    ids=["periodic", "on-metric"],
)
def test_handler_order_warns_only_for_a_saver_that_saves_on_the_metric(
    tmp_path: Path, saver_args: dict[str, object], warned: bool
) -> None:
    """GettingStarted 4.1 with a CheckpointSaver moved in front of its ValidationHandler."""
    src = CTE41 / "PyTorch/NoteBooks/GettingStarted/config"
    config = json.loads((src / "config_train_Unet.json").read_text(encoding="utf-8"))
    handlers = config["train"]["handlers"]
    at = next(i for i, h in enumerate(handlers) if h.get("name") == "ValidationHandler")
    handlers.insert(at, {"name": "CheckpointSaver", "args": saver_args})
    dst = tmp_path / "mmar" / "config"
    dst.mkdir(parents=True)
    (dst / "config_train_Unet.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (dst / "environment.json").write_bytes((src / "environment.json").read_bytes())
    result = api.lint(tmp_path / "mmar")
    assert bool([d for d in result.diagnostics if d.code == "L005"]) is warned


# --- false negatives ------------------------------------------------------------------------


def test_pathology_patch_arguments_swallowed_by_kwargs_are_errors() -> None:
    path = (
        CTE41 / "PyTorch/NoteBooks/DomainExamples/DigitalPathology/MMAR_DP/config/config_train.json"
    )
    result = api.validate(path)
    found = {
        (d.code, d.line, d.severity)
        for d in result.diagnostics
        if "PatchWSIDataset" in d.message and d.code == "C005"
    }
    assert found == {("C005", line, Severity.ERROR) for line in (119, 120, 122, 240, 241, 243)}


def test_reading_image_meta_dict_with_image_only_default_is_an_error() -> None:
    config = CTE41 / "PyTorch/NoteBooks/GettingStarted/config"
    reads = api.validate(config / "config_validation.json")
    [d] = [d for d in reads.diagnostics if d.code == "C005" and "image_only" in d.message]
    assert d.severity is Severity.ERROR and "image_meta_dict" in d.message
    quiet = api.validate(config / "config_train_Unet.json")
    [d] = [d for d in quiet.diagnostics if d.code == "C005" and "image_only" in d.message]
    assert d.severity is Severity.INFO


def test_aggregation_weights_are_checked_against_the_project_file_one_folder_up() -> None:
    """FL/project1.yml provisions client1..client4; adminMMAR weights client0."""
    result = api.lint(CTE41 / "PyTorch/NoteBooks/FL/adminMMAR")
    [d] = [d for d in result.diagnostics if d.code == "L007"]
    assert "'client0'" in d.message and Path(d.file).name == "config_fed_server.json"
    assert d.line == 20


# --- migrate --------------------------------------------------------------------------------


def test_a_renamed_component_takes_its_references_along(tmp_path: Path) -> None:
    """deepgrow's {"ref": "AddChanneld"} follows AddChanneld -> EnsureChannelFirstd."""
    report = api.migrate(CTE41 / "PyTorch/NoteBooks/AIAA/deepgrow_2D", tmp_path / "out")
    assert any('ref "AddChanneld" -> "EnsureChannelFirstd"' in line for line in report.lines())
    result = api.validate(tmp_path / "out")
    assert not [d for d in result.diagnostics if d.code in ("R001", "R005")]


@pytest.mark.parametrize(
    "mmar",
    [
        CTE41 / "PyTorch/NoteBooks/AIAA/deepgrow_2D",
        CTE41 / "PyTorch/NoteBooks/DomainExamples/DigitalPathology/MMAR_DP",
        CTE40 / "PyTorch/NoteBooks/GettingStarted",
    ],
    ids=["deepgrow_2D", "MMAR_DP", "GettingStarted-4.0"],
)
def test_the_manual_fix_list_holds_every_error_validate_still_reports(
    mmar: Path, tmp_path: Path
) -> None:
    report = api.migrate(mmar, tmp_path / "out")
    result = api.validate(tmp_path / "out", cwd=tmp_path / "out")

    def component(pointer: str) -> str:  # a component's name and path are one finding
        return pointer.removesuffix("/name").removesuffix("/path")

    listed = {(u.file, component(u.pointer)) for u in report.unmigrated}
    for d in result.diagnostics.errors:
        pointer = component(d.pointer or "")
        assert any(
            f == d.file
            and (p == pointer or pointer.startswith(p + "/") or p.startswith(pointer + "/"))
            for f, p in listed
        ), d
    for u in report.unmigrated:
        assert u.line >= 1 and u.column >= 1 and u.file.startswith("config/")


def test_an_undefined_variable_in_a_disabled_component_is_not_an_error() -> None:
    """FL adminMMAR: CheckpointLoader {MMAR_CKPT} with "disabled": "{dont_load_ckpt_model}"
    (true); the enabled TorchScript loader's {MMAR_TORCHSCRIPT} stays an error."""
    config = CTE41 / "PyTorch/NoteBooks/FL/adminMMAR/config"
    train = api.validate(config / "config_train.json")
    [d] = [d for d in train.diagnostics if d.code == "X001"]
    assert d.severity is Severity.INFO and "disabled component" in d.message
    validation = api.validate(config / "config_validation.json")
    errors = [(d.code, d.line) for d in validation.diagnostics.errors if d.code == "X001"]
    assert errors == [("X001", 8)]


def test_clara_train_version_is_never_an_unused_variable(tmp_path: Path) -> None:
    src = CTE41 / "PyTorch/NoteBooks/GettingStarted/config"
    dst = tmp_path / "mmar" / "config"
    dst.mkdir(parents=True)
    (dst / "config_train_Unet.json").write_bytes((src / "config_train_Unet.json").read_bytes())
    env = json.loads((src / "environment.json").read_text(encoding="utf-8"))
    env["CLARA_TRAIN_VERSION"] = "4.1.0"
    (dst / "environment.json").write_text(json.dumps(env), encoding="utf-8")
    result = api.lint(tmp_path / "mmar")
    assert not [d for d in result.diagnostics if d.code == "L008"]


def test_the_he_server_config_compiles_to_mmarcs_he_runtime(tmp_path: Path) -> None:
    """The 4.1 GettingStarted configs with adminMMAR_HE's server: the plan names the HE
    aggregator, persistor and shareable generator's mmarc classes."""
    config = tmp_path / "mmar" / "config"
    config.mkdir(parents=True)
    src = CTE41 / "PyTorch/NoteBooks/GettingStarted/config"
    for name in ("config_train_Unet.json", "config_validation.json", "environment.json"):
        (config / name).write_bytes((src / name).read_bytes())
    he = CTE41 / "PyTorch/NoteBooks/FL/adminMMAR_HE/config/config_fed_server.json"
    (config / "config_fed_server.json").write_bytes(he.read_bytes())
    api.migrate(tmp_path / "mmar", tmp_path / "out")
    assert not [d for d in api.validate(tmp_path / "out").diagnostics.errors if d.code == "F001"]
    plan = api.compile_plan(tmp_path / "out").plan
    assert plan is not None and plan.fl is not None and plan.fl.server is not None
    server = plan.fl.server
    assert server["aggregator"]["path"] == "mmarc.runtime.aggregation.HEFedAvg"
    assert server["model_persistor"]["path"] == "mmarc.runtime.server.persistor.ModelPersistor"
    assert server["shareable_generator"]["path"].endswith("FullModelShareable")


def test_admin_mmar_he_migrates_and_compiles_to_an_he_federation(tmp_path: Path) -> None:
    """Clara's whole adminMMAR_HE, migrated, with the synthetic spleen data of
    examples/spleen_synth_fl: a plan whose sites encrypt the three layers Clara names."""
    from mmarc.runtime.client.config import client_config
    from mmarc.runtime.filters.he import HEModelEncryptor
    from mmarc.runtime.server.config import filter_chain
    from mmarc.runtime.sim.launcher import uses_he

    api.migrate(CTE41 / "PyTorch/NoteBooks/FL/adminMMAR_HE", tmp_path / "out")
    data = REPO / "examples" / "spleen_synth_fl" / "data"
    sets = ["MMAR_TORCHSCRIPT=models/model.ts", f"DATA_ROOT={data}"]
    plan = api.compile_plan(tmp_path / "out", [*sets, f"DATASET_JSON={data}/dataset.json"]).plan
    assert plan is not None and uses_he(plan)
    (encryptor,) = filter_chain(client_config(plan).outbound_filters, "/fl/client")
    assert isinstance(encryptor, HEModelEncryptor) and encryptor.select is not None
    assert encryptor.select("model.0.conv.unit0.conv.weight")
    assert not encryptor.select("model.0.conv.unit0.conv.bias")


def test_the_data_skip_note_is_shown_without_verbose() -> None:
    from mmarc.report import OutputFormat, render

    result = api.lint(CTE41 / "PyTorch/NoteBooks/GettingStarted")
    text = render(
        OutputFormat.TEXT,
        "GettingStarted",
        result.detected(),
        list(result.diagnostics),
        result.sources,
    )
    assert text.count("data checks skipped") == 1


def test_clara40_train_conf_in_save_dict_becomes_the_conf_reference(tmp_path: Path) -> None:
    """Clara 4.0 saved its training config as "train_conf"; 4.1 writes "@conf"."""
    api.migrate(CTE40 / "PyTorch/NoteBooks/GettingStarted", tmp_path / "out")
    config = json.loads((tmp_path / "out/config/config_train_Unet.json").read_text("utf-8"))
    saved = [
        h["args"]["save_dict"]
        for section in ("train", "validate")
        for h in config[section]["handlers"]
        if h.get("name") == "CheckpointSaver"
    ]
    assert {"model": "@model", "train_conf": "@conf"} in saved
