"""The study spec is untrusted YAML: every problem located, the grid as the seed's.

No torch here: loading a spec and expanding its grid are schema-level work.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import EXAMPLES, run_cli

from mmarc.api import UsageError
from mmarc.study import StudySpecError, expand, load_spec


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yml"
    path.write_text(text)
    return path


def test_the_shipped_spec_is_the_seed_grid() -> None:
    spec, mmar = load_spec(EXAMPLES / "mnist_seed" / "study.yml")
    assert mmar == (EXAMPLES / "mnist_seed").resolve()
    settings = expand(spec)
    by_id = {s.id: s for s in settings}
    assert len(by_id) == len(settings)  # the baseline is run once, not once per sweep
    clients = sorted(s.clients for s in settings if "clients" in s.sweeps)
    assert clients == [1, 2, 4, 8]
    assert all(s.epochs_per_round == 2 for s in settings if "clients" in s.sweeps)
    rates = sorted(s.epochs_per_round for s in settings if "epochs_per_round" in s.sweeps)
    assert rates == [1, 2, 5]
    assert all(s.clients == 8 for s in settings if "epochs_per_round" in s.sweeps)
    # the same total local epochs everywhere
    assert {s.rounds * s.epochs_per_round for s in settings} == {spec.total_epochs}
    half_sites = by_id["c8-e2-sites0.5-s0"].simulation()
    assert (half_sites.clients, half_sites.sites, half_sites.train_share) == (4, 8, 1.0)
    assert by_id["c8-e2-sites0.5-s0"].data_share == 0.5
    half_data = by_id["c8-e2-data0.5-s0"].simulation()
    assert (half_data.clients, half_data.sites, half_data.train_share) == (8, 8, 0.5)
    assert by_id["c8-e2-data0.5-s0"].data_share == 0.5
    assert {str(s.simulation().split) for s in settings} == {"iid"}
    assert by_id["c8-e2-all-s0"].simulation().model_dump() == {
        "clients": 8,
        "sites": 8,
        "split": {"method": "iid", "value": None},
        "seed": 0,
        "train_share": 1.0,
    }


def test_schema_errors_are_located_every_one_in_one_pass(tmp_path: Path) -> None:
    path = _spec(
        tmp_path,
        "name: bad name\n"
        "total_epochs: 10\n"
        "seeds: [0, -1]\n"
        "baseline:\n"
        "  clients: 8\n"
        "  epochs_per_round: 2\n"
        "  extra: 1\n"
        "sweeps:\n"
        "  data_share: [all, half]\n",
    )
    with pytest.raises(StudySpecError) as caught:
        load_spec(path)
    found = {(d.code, d.line, d.column, d.pointer) for d in caught.value.diagnostics}
    assert found == {
        ("S004", 1, 7, "/name"),
        ("S004", 3, 12, "/seeds/1"),
        ("S001", 7, 3, "/baseline/extra"),
        ("S004", 9, 21, "/sweeps/data_share/1"),
    }


def test_rounds_must_be_whole_and_shares_must_leave_a_site(tmp_path: Path) -> None:
    path = _spec(
        tmp_path,
        "total_epochs: 10\n"
        "baseline: {clients: 4, epochs_per_round: 2}\n"
        "sweeps:\n"
        "  epochs_per_round: [1, 3]\n"
        "  data_share: [sites:0.1]\n",
    )
    with pytest.raises(StudySpecError) as caught:
        load_spec(path)
    diagnostics = {d.pointer: d for d in caught.value.diagnostics}
    assert set(diagnostics) == {"/sweeps/epochs_per_round/1", "/sweeps/data_share/0"}
    assert "does not divide total_epochs 10" in diagnostics["/sweeps/epochs_per_round/1"].message
    assert diagnostics["/sweeps/epochs_per_round/1"].line == 4


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("total_epochs: [unclosed\n", "P001"),
        ("a: 1\na: 2\n", "P002"),
        ("- just\n- a list\n", "S003"),
        ("total_epochs: 10\n", "S002"),
        ("total_epochs: '10'\nbaseline: {clients: 1, epochs_per_round: 1}\n", "S003"),
    ],
)
def test_broken_specs_get_their_code(tmp_path: Path, text: str, code: str) -> None:
    with pytest.raises(StudySpecError) as caught:
        load_spec(_spec(tmp_path, text))
    assert code in {d.code for d in caught.value.diagnostics}


def test_the_cli_prints_the_located_error_and_exits_1(tmp_path: Path) -> None:
    path = _spec(tmp_path, "total_epochs: 10\nbaseline: {clients: 0, epochs_per_round: 1}\n")
    done = run_cli("study", path.name, cwd=tmp_path)
    assert done.returncode == 1
    assert "study.yml:2:21" in done.stdout and "/baseline/clients" in done.stdout
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().endswith("1 error(s) in the study spec")


def test_a_missing_or_huge_spec_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such study spec"):
        load_spec(tmp_path / "nope.yml")
    big = _spec(tmp_path, "# " + "x" * 70_000 + "\n")
    with pytest.raises(StudySpecError, match="at most 64 KiB"):
        load_spec(big)
