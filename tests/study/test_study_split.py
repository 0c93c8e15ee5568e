"""A study setting's data split is in its hashed plan; a data share trims training only.

Real compiles of a tiny examples/mnist_seed copy, and the real client datalists the
simulator writes from each plan (no training: the split is decided before any process
starts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import tiny_seed_mmar
from mmarc.runtime.sim.launcher import client_names, write_client_datalists

from mmarc.plan import Plan, load_plan
from mmarc.study import Setting, expand, load_spec
from mmarc.study.runner import compile_setting

SPEC = """\
mmar: mnist_seed
total_epochs: 2
seeds: [5]
baseline: {clients: 4, epochs_per_round: 1}
sweeps:
  data_share: [all, data:0.5, sites:0.5]
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Setting, Plan, Path]]:
    """Each setting of :data:`SPEC` by share (``all``, ``data:0.5``, ``sites:0.5``), with
    its plan and the MMAR root."""
    parent = tmp_path_factory.mktemp("split")
    tiny_seed_mmar(parent, n_train=48, n_val=22)
    spec_path = parent / "study.yml"
    spec_path.write_text(SPEC)
    spec, mmar = load_spec(spec_path)
    out = {}
    for setting in expand(spec):
        plan, root = compile_setting(mmar, setting, [])
        out[str(setting.share)] = (setting, plan, root)
    return out


def _datalists(plan: Plan, root: Path, run_dir: Path) -> list[dict[str, Any]]:
    assert plan.simulation is not None
    files = write_client_datalists(plan, root, run_dir, plan.simulation)
    assert list(files) == client_names(plan.simulation)
    return [json.loads(path.read_text()) for path in files.values()]


def _images(parts: list[dict[str, Any]], key: str) -> list[str]:
    return sorted(item["image"] for part in parts for item in part[key])


def test_the_plan_records_the_split_and_its_hash_covers_it(
    compiled: dict[str, tuple[Setting, Plan, Path]],
) -> None:
    hashes = {share: plan.sha256 for share, (_, plan, _) in compiled.items()}
    assert sorted(hashes) == ["all", "data:0.5", "sites:0.5"]
    assert len(set(hashes.values())) == 3  # settings differing only in data share differ
    for setting, plan, root in compiled.values():
        again, _ = compile_setting(root, setting, [])
        assert again.sha256 == plan.sha256 and again.to_json() == plan.to_json()
        assert plan.simulation == setting.simulation()
        assert load_plan(plan.to_json()).simulation == plan.simulation  # hashed, round-trips
    recorded = {share: plan.document["simulation"] for share, (_, plan, _) in compiled.items()}
    assert recorded["all"] == {
        "clients": 4,
        "sites": 4,
        "split": {"method": "iid", "value": None},
        "seed": 5,
        "train_share": 1.0,
    }
    assert recorded["data:0.5"] == {**recorded["all"], "train_share": 0.5}
    assert recorded["sites:0.5"] == {**recorded["all"], "clients": 2}


def test_a_data_share_halves_training_and_keeps_every_validation_item(
    compiled: dict[str, tuple[Setting, Plan, Path]], tmp_path: Path
) -> None:
    lists = {
        share: _datalists(plan, root, tmp_path / share.replace(":", ""))
        for share, (_, plan, root) in compiled.items()
    }
    every, half_data, half_sites = lists["all"], lists["data:0.5"], lists["sites:0.5"]
    assert [len(p["training"]) for p in every] == [12, 12, 12, 12]
    assert [len(p["training"]) for p in half_data] == [6, 6, 6, 6]  # each site's share halved
    for whole, half in zip(every, half_data, strict=True):
        assert {i["image"] for i in half["training"]} < {i["image"] for i in whole["training"]}
    assert [p["training"] for p in half_sites] == [p["training"] for p in every[:2]]
    # every setting validates on the same 22 items, each on exactly one site
    validation = _images(every, "validation")
    assert len(validation) == len(set(validation)) == 22
    for parts in (half_data, half_sites):
        assert _images(parts, "validation") == validation
