"""Version detection: the corpus classified as released, V001/V002/V003 located exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmarc.compiler.kinds import FileKind, detect_kind
from mmarc.compiler.source import SourceFile, load_source, parse_text
from mmarc.compiler.versions import (
    ClaraVersion,
    VersionReport,
    detect_version,
    folder_version_diagnostics,
    version_diagnostics,
)
from mmarc.diagnostics import Severity

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"


def corpus(relative: str) -> tuple[SourceFile, FileKind]:
    path = CORPUS / relative
    source, diagnostics = load_source(path, relative)
    assert not diagnostics
    kind = detect_kind(path, source.root)
    assert kind is not None
    return source, kind


def parse(text: str, name: str = "config_train.json") -> SourceFile:
    source, diagnostics = parse_text(text, Path(name))
    assert not diagnostics
    return source


def classify(source: SourceFile, kind: FileKind | None = None) -> VersionReport:
    kind = kind or detect_kind(source.path, source.root)
    assert kind is not None
    return detect_version(source, kind)


@pytest.mark.parametrize(
    ("relative", "version"),
    [
        ("mmar-4.1/config_train_Unet.json", ClaraVersion.V41),
        ("mmar-4.1/config_validation.json", ClaraVersion.V41),
        ("mmar-4.0/config_train_Unet.json", ClaraVersion.V40),
        ("mmar-3x/trn_base.json", ClaraVersion.V3X),
        ("fl/clara40_config_fed_server.json", ClaraVersion.V40),
        ("fl/clara40_config_fed_client.json", ClaraVersion.V40),
        ("fl/clara40_config_fed_client_w_SVT.json", ClaraVersion.V40),
        ("fl/clara40ea_config_fed_client.json", ClaraVersion.V40_EA),
        ("fl/clara3x_config_fed_server.json", ClaraVersion.V3X),
        ("fl/clara3x_config_fed_client.json", ClaraVersion.V3X),
        ("mmar-4.1/environment.json", ClaraVersion.UNKNOWN),
    ],
)
def test_corpus_is_classified(relative: str, version: ClaraVersion) -> None:
    source, kind = corpus(relative)
    report = detect_version(source, kind)
    assert report.version is version
    if version is not ClaraVersion.UNKNOWN:
        assert report.evidence, "every classification carries evidence"


@pytest.mark.parametrize(
    "relative",
    [
        "mmar-4.1/config_train_Unet.json",
        "mmar-4.1/config_validation.json",
        "mmar-4.0/config_train_Unet.json",
        "fl/clara40_config_fed_server.json",
        "fl/clara40_config_fed_client.json",
        "fl/clara40ea_config_fed_client.json",
    ],
)
def test_clara4_files_get_no_version_diagnostics(relative: str) -> None:
    source, kind = corpus(relative)
    assert version_diagnostics(source, detect_version(source, kind)) == []


def test_41_evidence_names_the_marker_first() -> None:
    source, kind = corpus("mmar-4.1/config_train_Unet.json")
    report = detect_version(source, kind)
    assert report.evidence[0].parts == ("CLARA_TRAIN_VERSION",)
    assert any("@optimizer" in e.message for e in report.evidence)


def test_40_evidence_says_no_marker_and_no_wiring() -> None:
    source, kind = corpus("mmar-4.0/config_train_Unet.json")
    report = detect_version(source, kind)
    assert any("no CLARA_TRAIN_VERSION" in e.message for e in report.evidence)


@pytest.mark.parametrize(
    ("relative", "line", "column", "pointer", "mentions"),
    [
        ("mmar-3x/trn_base.json", 109, 5, "/train/image_pipeline", "image_pipeline"),
        (
            "fl/clara3x_config_fed_client.json",
            81,
            21,
            "/client/model_reader_writer/name",
            "TFModelReaderWriter",
        ),
        ("fl/clara3x_config_fed_server.json", 56, 17, "/model_saver/name", "TFModelSaver"),
    ],
)
def test_3x_files_get_v001_at_the_strongest_evidence(
    relative: str, line: int, column: int, pointer: str, mentions: str
) -> None:
    source, kind = corpus(relative)
    diagnostics = version_diagnostics(source, detect_version(source, kind))
    assert [(d.code, d.line, d.column, d.pointer) for d in diagnostics] == [
        ("V001", line, column, pointer)
    ]
    v001 = diagnostics[0]
    assert v001.severity is Severity.ERROR
    assert "Clara Train 3.x (TensorFlow)" in v001.message
    assert mentions in v001.message
    assert v001.hint is not None and "4.0/4.1" in v001.hint


def test_v001_hint_says_how_to_port_a_train_config() -> None:
    source, kind = corpus("mmar-3x/trn_base.json")
    hint = version_diagnostics(source, detect_version(source, kind))[0].hint
    assert hint is not None
    for step in (
        "image_pipeline → dataset + dataloader",
        "use_amp → amp",
        "num_training_epoch_per_valid → num_interval_per_valid",
        '"keys"',
    ):
        assert step in hint


def test_3x_evidence_lists_every_kind_of_marker() -> None:
    source, kind = corpus("mmar-3x/trn_base.json")
    found = " ".join(e.message for e in detect_version(source, kind).evidence)
    for marker in ("image_pipeline", "num_training_epoch_per_valid", "use_amp", "fields"):
        assert marker in found


def test_single_3x_marker_in_a_small_file() -> None:
    source = parse('{\n  "epochs": 1,\n  "train": {\n    "lr_policy": {"name": "X"}\n  }\n}')
    report = classify(source)
    assert report.version is ClaraVersion.V3X
    [d] = version_diagnostics(source, report)
    assert (d.code, d.line, d.column) == ("V001", 4, 5)
    assert d.hint is not None and "lr_policy → lr_scheduler" in d.hint


def test_at_reference_alone_makes_41() -> None:
    source = parse('{"train": {"lr_scheduler": {"name": "StepLR", "args": {"o": "@optimizer"}}}}')
    assert classify(source).version is ClaraVersion.V41


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ('"5.0"', "not a Clara Train 4.x version"),
        ('"3.1.0"', "not a Clara Train 4.x version"),
        ('"latest"', "not a version string"),
        ("4.1", "must be a version string"),
    ],
)
def test_bad_version_marker_is_v003(value: str, fragment: str) -> None:
    source = parse(
        '{\n  "CLARA_TRAIN_VERSION": ' + value + ',\n  "train": {"dataset": {"name": "Dataset"}}\n}'
    )
    diagnostics = version_diagnostics(source, classify(source))
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("V003", 2, 26)]
    assert fragment in diagnostics[0].message


def test_40_marker_contradicted_by_41_wiring_is_v003() -> None:
    source = parse(
        '{\n  "CLARA_TRAIN_VERSION": "4.0.0",\n'
        '  "train": {"dataloader": {"name": "DataLoader", "args": {"dataset": "@dataset"}}}\n}'
    )
    report = classify(source)
    assert report.version is ClaraVersion.V41
    [d] = version_diagnostics(source, report)
    assert (d.code, d.line, d.column) == ("V003", 2, 26)
    assert "4.1" in d.message and d.hint is not None and '"4.1.0"' in d.hint


def test_41_marker_on_a_3x_file_is_v001_and_v003() -> None:
    source = parse('{\n  "CLARA_TRAIN_VERSION": "4.1.0",\n  "use_amp": true\n}')
    report = classify(source)
    assert report.version is ClaraVersion.V3X
    diagnostics = version_diagnostics(source, report)
    assert [(d.code, d.line, d.column) for d in diagnostics] == [("V001", 3, 3), ("V003", 2, 26)]


def test_unknown_fl_format_version_is_v003() -> None:
    source = parse(
        '{\n  "format_version": 2,\n  "servers": [], "aggregator": {"name": "A"}\n}',
        "config_fed_server.json",
    )
    report = classify(source)
    assert report.version is ClaraVersion.UNKNOWN
    [d] = version_diagnostics(source, report)
    assert (d.code, d.line, d.column) == ("V003", 2, 21)


def test_fl_format_version_1_is_40() -> None:
    source = parse('{"format_version": 1, "servers": []}', "config_fed_client.json")
    assert classify(source).version is ClaraVersion.V40


def test_empty_config_is_unknown_without_diagnostics() -> None:
    source = parse("{}")
    report = classify(source, FileKind.TRAIN)
    assert report.version is ClaraVersion.UNKNOWN
    assert version_diagnostics(source, report) == []


# -- folders ---------------------------------------------------------------------------------


def reports(*relatives: str) -> list[tuple[SourceFile, VersionReport]]:
    out = []
    for relative in relatives:
        source, kind = corpus(relative)
        out.append((source, detect_version(source, kind)))
    return out


def test_consistent_folder_has_no_v002() -> None:
    assert (
        folder_version_diagnostics(
            reports(
                "mmar-4.1/config_train_Unet.json",
                "mmar-4.1/config_validation.json",
                "mmar-4.1/environment.json",
                "fl/clara40_config_fed_server.json",
                "fl/clara40_config_fed_client.json",
            )
        )
        == []
    )


def test_3x_next_to_4x_is_a_v002_error_on_the_3x_file() -> None:
    [d] = folder_version_diagnostics(
        reports("mmar-4.1/config_train_Unet.json", "mmar-3x/trn_base.json")
    )
    assert (d.code, d.severity, d.file, d.line, d.column) == (
        "V002",
        Severity.ERROR,
        "mmar-3x/trn_base.json",
        109,
        5,
    )
    assert "mmar-4.1/config_train_Unet.json is 4.1" in d.message
    assert "mmar-3x/trn_base.json is 3.x" in d.message


def test_40_train_with_41_validation_is_a_v002_warning() -> None:
    [d] = folder_version_diagnostics(
        reports("mmar-4.0/config_train_Unet.json", "mmar-4.1/config_validation.json")
    )
    assert d.code == "V002" and d.severity is Severity.WARNING
    assert "is 4.0" in d.message and "is 4.1" in d.message


def test_early_access_client_next_to_40_server_is_a_v002_error() -> None:
    [d] = folder_version_diagnostics(
        reports("fl/clara40_config_fed_server.json", "fl/clara40ea_config_fed_client.json")
    )
    assert (d.code, d.severity, d.file) == (
        "V002",
        Severity.ERROR,
        "fl/clara40ea_config_fed_client.json",
    )
