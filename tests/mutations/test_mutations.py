"""The mutation corpus: every case is well-formed, real, and located by ``mmarc lint``.

What must hold (issue 12): every unmutated base lints without an error or warning (no
false positives), at least 95 % of the cases are located at the expected line, and every
``proof: build`` case is refused by the real MONAI/torch/ignite while its base builds.
The runner itself is tested on cases made up here, so a broken scorer cannot pass.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mutations.runner import (
    CASES_DIR,
    CLASSES,
    CaseError,
    Edit,
    Expect,
    apply_edits,
    base_findings,
    check_case,
    faults,
    load_case,
    load_cases,
    run_corpus,
)

#: Issue 12's targets.
MIN_RECALL = 0.95
#: The classes this corpus owns, and how many cases they hold at least.
EARLIER_CLASSES = (
    "syntax",
    "schema",
    "variables",
    "references",
    "versions",
    "renames",
    "arguments",
)
MIN_EARLIER_CASES = 70
#: The later classes: how many cases each holds at least, and the codes that show every
#: sub-class is covered (a key exists, its phase, keys through the chain, channels; the
#: engine's output transforms; the FL/provisioning rules).
MIN_LATER_CASES = {"values": 25, "reference-kinds": 10}
MIN_DATALIST_ENGINE_PROVISIONING = 25
LATER_CODES = {"L003", "L011", "L012", "L013", "L014", "F002", "F003", "F004", "F005", "F008"}
#: Codes whose diagnostics must carry a hint (the value or kind the library accepts).
HINTED_CODES = frozenset({"C010", "C011", "C012"})

CASES = load_cases()
BASES = sorted({(c.base, c.prepare) for c in CASES})


def test_cases_follow_the_format_and_cover_every_earlier_class() -> None:
    ids = {c.id for c in CASES}
    assert len(ids) == len(CASES)
    earlier = [c for c in CASES if c.klass in EARLIER_CLASSES]
    assert len(earlier) >= MIN_EARLIER_CASES
    for klass in EARLIER_CLASSES:
        assert any(c.klass == klass for c in CASES), f"no case of class {klass}"
    assert {c.klass for c in CASES} <= set(CLASSES)
    for folder in CASES_DIR.iterdir():
        assert folder.name in CLASSES, f"{folder} is not a class of the corpus"


def test_the_later_classes_keep_their_cases_and_sub_classes() -> None:
    for klass, least in MIN_LATER_CASES.items():
        assert len([c for c in CASES if c.klass == klass]) >= least, klass
    owned = [c for c in CASES if c.klass in ("datalist", "engine", "provisioning")]
    assert len(owned) >= MIN_DATALIST_ENGINE_PROVISIONING
    assert {c.expect.code for c in owned} >= LATER_CODES


def _made_up(tmp_path: Path, body: str, klass: str = "syntax", stem: str = "x") -> Path:
    path = tmp_path / klass / f"{stem}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """id: x
class: syntax
summary: s
base: examples/digits_cnn
file: config/config_train.json
mutate:
  - {old: '"shuffle": true', new: '"shuffle": ture'}
expect: {file: config/config_train.json, line: 89, code: null}
proof: build
"""


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (("id: x", "id: y"), "file stem"),
        (("class: syntax", "class: typo"), "must be one of"),
        (("proof: build", "proof: trust me"), "proof must be"),
        (("line: 89", "line: 0"), "1-based"),
        (("summary: s", "summary: s\nseverity: high"), "unknown keys"),
        (("new: '\"shuffle\": ture'", "new: '\"shuffle\": true'"), "two different strings"),
    ],
)
def test_a_malformed_case_is_refused_with_the_reason(
    tmp_path: Path, edit: tuple[str, str], reason: str
) -> None:
    assert load_case(_made_up(tmp_path, GOOD)).expect == Expect(
        "config/config_train.json", 89, None
    )
    with pytest.raises(CaseError, match=reason):
        load_case(_made_up(tmp_path, GOOD.replace(*edit)))


def test_an_edit_must_match_exactly_once() -> None:
    assert apply_edits("a b c", [Edit("b", "x")]) == "a x c"
    with pytest.raises(CaseError, match="0 times"):
        apply_edits("a b c", [Edit("z", "x")])
    with pytest.raises(CaseError, match="2 times"):
        apply_edits("a b b", [Edit("b", "x")])


def test_the_scorer_wants_the_right_line_and_a_new_finding(tmp_path: Path) -> None:
    case = load_case(_made_up(tmp_path, GOOD))
    base = base_findings(case.base, tmp_path / "s")
    assert check_case(case, tmp_path / "a", base).located
    wrong_line = dataclasses.replace(case, id="w", expect=Expect(case.expect.file, 88))
    assert not check_case(wrong_line, tmp_path / "b", base).located
    wrong_code = dataclasses.replace(case, id="c", expect=Expect(case.expect.file, 89, "S001"))
    assert not check_case(wrong_code, tmp_path / "c", base).located
    # a finding the base has already (its C009 note on line 3) locates nothing
    unchanged = dataclasses.replace(
        case, id="u", mutate=(Edit('"epochs": 10', '"epochs": 11'),), expect=Expect(case.file, 3)
    )
    assert not check_case(unchanged, tmp_path / "d", base).located


@pytest.mark.parametrize(("base", "prepare"), BASES, ids=[b for b, _ in BASES])
def test_every_unmutated_base_lints_without_errors_or_warnings(
    tmp_path: Path, base: str, prepare: bool
) -> None:
    assert faults(base_findings(base, tmp_path, prepare)) == []


def test_lint_locates_at_least_95_percent_of_the_corpus(tmp_path: Path) -> None:
    report = run_corpus(CASES, tmp_path)
    misses = "\n".join(o.describe() for o in report.misses)
    assert report.false_positives == 0, report.as_json()
    assert report.recall >= MIN_RECALL, f"recall {report.recall:.3f}; misses:\n{misses}"
    unhinted = [
        f"{o.case.id}: {f}"
        for o in report.outcomes
        if o.located
        for f in o.new
        if f.code in HINTED_CODES and f.line == o.case.expect.line and not f.hint
    ]
    assert not unhinted, "\n".join(unhinted)


BUILD_CASES = [c for c in CASES if c.is_build_proof]


@pytest.mark.slow
def test_every_build_proof_fails_with_the_real_libraries_and_its_base_builds(
    tmp_path: Path,
) -> None:
    from mutations.proof import base_copy, build_mmar, prove_case

    for base in sorted({c.base for c in BUILD_CASES}):
        # the control: the unmutated base builds, trains one epoch and evaluates
        build_mmar(base_copy(base, tmp_path / f"control-{Path(base).name}"))
    unproved: list[str] = []
    for case in BUILD_CASES:
        failure = prove_case(case, tmp_path)
        if failure is None:
            unproved.append(f"{case.id}: the mutated MMAR built and trained")
    assert not unproved, "\n".join(unproved)
