"""Output formats: the text code frame, the JSON contract and SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path

from mmarc.compiler.source import parse_text
from mmarc.diagnostics import CODES, Diagnostic, Severity
from mmarc.report import OutputFormat, render
from mmarc.report.text import render_diagnostic

TEXT = '{\n  "epoch": 2,\n  "train": {}\n}\n'


def _diag() -> tuple[Diagnostic, dict]:
    source, _ = parse_text(TEXT, Path("config/config_train.json"))
    d = source.diagnostic(
        "S001", 'unknown key "epoch"', ["epoch"], key=True, hint='did you mean "epochs"?'
    )
    return d, {source.display: source}


def test_text_code_frame_points_at_the_key() -> None:
    d, sources = _diag()
    out = render_diagnostic(d, sources[d.file])
    assert out.splitlines() == [
        'error[S001]: unknown key "epoch"',
        " --> config/config_train.json:2:3",
        "  |",
        '2 |   "epoch": 2,',
        "  |   ^^^^^^^",
        "  = at: /epoch",
        '  = hint: did you mean "epochs"?',
    ]


def test_text_without_location_has_no_frame() -> None:
    d = Diagnostic(Severity.ERROR, "X003", "bad --set", "<command line>")
    assert render_diagnostic(d, None).splitlines() == [
        "error[X003]: bad --set",
        " --> <command line>",
    ]


def test_json_contract_shape() -> None:
    d, sources = _diag()
    out = json.loads(render(OutputFormat.JSON, "t", {"k": 1}, [d], sources))
    assert set(out) == {"mmarc_version", "target", "detected", "diagnostics", "summary"}
    assert out["summary"] == {"errors": 1, "warnings": 0}
    assert out["diagnostics"] == [
        {
            "severity": "error",
            "code": "S001",
            "message": 'unknown key "epoch"',
            "file": "config/config_train.json",
            "line": 2,
            "column": 3,
            "pointer": "/epoch",
            "hint": 'did you mean "epochs"?',
        }
    ]


def test_sarif_has_rules_results_and_regions() -> None:
    d, sources = _diag()
    warn = Diagnostic(Severity.WARNING, "L008", "unused", "config/config_train.json", 3, 3)
    sarif = json.loads(render(OutputFormat.SARIF, "t", {}, [d, warn], sources))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["L008", "S001"]
    assert all(r["shortDescription"]["text"] == CODES[r["id"]] for r in rules)
    first = run["results"][0]
    assert first["ruleId"] == "S001" and first["level"] == "error"
    assert rules[first["ruleIndex"]]["id"] == "S001"
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 3, "endLine": 2, "endColumn": 10}
    assert run["results"][1]["level"] == "warning"


def test_undeclared_codes_are_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        Diagnostic(Severity.ERROR, "Z999", "m", "f")
