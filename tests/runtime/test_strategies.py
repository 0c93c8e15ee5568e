"""Aggregation strategies against independent float64 numpy computations written here from
the papers' formulas (Reddi et al. 2021, Algorithm 2), over several rounds; and the
choice of strategy from a server config, as compiled and as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import sealed_fl_plan
from mmarc.runtime.aggregation import (
    MAX_WEIGHT,
    AggregationError,
    FedAdam,
    FedAvg,
    FedOptSettings,
    FedYogi,
    InTimeAccumulator,
    StrategyConfigError,
    StrategySpec,
    build_strategy,
    nonfinite,
    strategy_spec,
    update_weight,
)
from mmarc.runtime.aggregation.registry import STRATEGY_NAMES, STRATEGY_PATHS
from mmarc.runtime.client.config import client_config
from mmarc.runtime.server.config import FLConfigError, server_config, server_strategy

from mmarc.compiler.fl_components import fl_component
from mmarc.plan import Plan, load_plan

SHAPES = {"conv.weight": (4, 1, 3, 3), "fc.weight": (10, 7000), "fc.bias": (10,)}


def global_model(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = {n: rng.standard_normal(s) for n, s in SHAPES.items()}  # float64
    model["bn.num_batches_tracked"] = np.array(50, dtype=np.int64)
    return model


def client_diffs(round_: int, n: int = 3) -> list[tuple[dict[str, np.ndarray], float]]:
    out = []
    for i in range(n):
        rng = np.random.default_rng(1000 * round_ + i)
        diff = {name: 0.1 * rng.standard_normal(shape) for name, shape in SHAPES.items()}
        diff["bn.num_batches_tracked"] = np.array(10 + i, dtype=np.int64)
        out.append((diff, update_weight(1.0 + i, 5 + 3 * i)))
    return out


def reference_fedopt(
    rounds: int, settings: FedOptSettings, yogi: bool
) -> list[dict[str, np.ndarray]]:
    """Algorithm 2 of Reddi et al., one float64 numpy line per formula."""
    eta, b1, b2, tau = settings.eta, settings.beta1, settings.beta2, settings.tau
    w = {k: v.astype(np.float64) for k, v in global_model().items() if k in SHAPES}
    m = {k: np.zeros_like(v) for k, v in w.items()}
    v = {k: np.full_like(x, tau**2) for k, x in w.items()}
    models = []
    for r in range(rounds):
        updates = client_diffs(r)
        total = sum(weight for _, weight in updates)
        for k in w:
            delta = sum(weight * diff[k] for diff, weight in updates) / total
            m[k] = b1 * m[k] + (1 - b1) * delta
            if yogi:
                v[k] = v[k] - (1 - b2) * delta**2 * np.sign(v[k] - delta**2)
            else:
                v[k] = b2 * v[k] + (1 - b2) * delta**2
            w[k] = w[k] + eta * m[k] / (np.sqrt(v[k]) + tau)
        models.append({k: x.copy() for k, x in w.items()})
    return models


@pytest.mark.parametrize("yogi", [False, True])
def test_fedadam_and_fedyogi_match_the_paper_over_several_rounds(yogi: bool) -> None:
    settings = FedOptSettings(eta=0.05, beta1=0.8, beta2=0.95, tau=1e-2)
    strategy = FedYogi(settings) if yogi else FedAdam(settings)
    want = reference_fedopt(4, settings, yogi)
    model = global_model()
    for r in range(4):
        strategy.begin_round(model)
        for diff, weight in client_diffs(r):
            strategy.accept(diff, weight, kind="diff", source=f"c{weight}")
        new = strategy.finish()
        for name in SHAPES:
            assert new[name].dtype == np.float64
            np.testing.assert_allclose(new[name], want[r][name], rtol=1e-12, atol=1e-12)
        # integers are averaged as FedAvg does (rounded), not optimised
        counts = [(float(d["bn.num_batches_tracked"]), w) for d, w in client_diffs(r)]
        avg = sum(c * w for c, w in counts) / sum(w for _, w in counts)
        assert new["bn.num_batches_tracked"] == model["bn.num_batches_tracked"] + np.rint(avg)
        model = new
    # the optimiser moved the model differently from FedAvg
    fedavg = FedAvg()
    fedavg.begin_round(global_model())
    for diff, weight in client_diffs(0):
        fedavg.accept(diff, weight, kind="diff")
    assert not np.allclose(fedavg.finish()["fc.bias"], want[0]["fc.bias"])


def test_fedadam_on_weights_steps_with_weights_minus_global() -> None:
    settings = FedOptSettings(eta=0.1, beta1=0.9, beta2=0.99, tau=1e-3)
    start = {"w": np.array([1.0, -2.0, 3.0])}
    strategy = FedAdam(settings)
    strategy.begin_round(start)
    strategy.accept({"w": np.array([1.5, -2.0, 2.0])}, 1.0, kind="weights")
    strategy.accept({"w": np.array([2.5, -1.0, 2.0])}, 3.0, kind="weights")
    delta = (1.0 * np.array([1.5, -2.0, 2.0]) + 3.0 * np.array([2.5, -1.0, 2.0])) / 4 - start["w"]
    m = 0.1 * delta
    v = 0.99 * 1e-6 + 0.01 * delta**2
    np.testing.assert_allclose(
        strategy.finish()["w"], start["w"] + 0.1 * m / (np.sqrt(v) + 1e-3), rtol=1e-13
    )


def test_variables_nobody_sent_keep_their_value_and_moments() -> None:
    strategy = FedAdam(FedOptSettings(), exclude=["frozen"])
    start = {"a": np.ones(3, np.float32), "frozen": np.zeros(2, np.float32)}
    strategy.begin_round(start)
    strategy.accept(
        {"a": np.full(3, 0.5, np.float32), "frozen": np.ones(2, np.float32)}, 1.0, kind="diff"
    )
    out = strategy.finish()
    assert out["a"].dtype == np.float32 and np.all(out["a"] > 1)
    assert out["frozen"] is start["frozen"]


def test_float32_models_are_stepped_in_float64_and_cast_back() -> None:
    settings = FedOptSettings(eta=1e-3, tau=1e-6)
    strategy = FedYogi(settings)
    start = {"w": np.full(4, 1000.0, np.float32)}
    strategy.begin_round(start)
    strategy.accept({"w": np.full(4, 1e-3, np.float32)}, 1.0, kind="diff")
    out = strategy.finish()["w"]
    delta = np.float64(np.float32(1e-3))
    m = 0.1 * delta
    v = 1e-12 - 0.01 * delta**2 * np.sign(1e-12 - delta**2)  # v starts at tau**2
    want = np.float32(1000.0 + 1e-3 * m / (np.sqrt(v) + 1e-6))
    assert out.dtype == np.float32 and np.all(out == want)


def _fl_plan(aggregator: dict[str, Any]) -> Plan:
    """A sealed plan whose server config names ``aggregator``."""
    return sealed_fl_plan(
        {
            "fl": {
                "server": {"servers": [{}], "aggregator": aggregator},
                "client": {"client_trainer": {"args": {"local_epochs": 1}}},
            }
        }
    )


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ({"eta": 0}, "eta"),
        ({"beta1": 1.0}, "beta1"),
        ({"beta2": -0.1}, "beta2"),
        ({"tau": "x"}, "tau"),
    ],
)
def test_bad_optimiser_settings_name_their_argument(args: dict[str, Any], key: str) -> None:
    component = {"name": "FedAdamAggregator", "args": args}
    with pytest.raises(StrategyConfigError) as error:
        strategy_spec(component)
    assert error.value.key == f"args/{key}"
    plan = _fl_plan(component)
    with pytest.raises(FLConfigError, match=f"/fl/server/aggregator/args/{key}: {key} must"):
        server_config(plan)


def test_strategy_from_config_as_compiled_and_as_written() -> None:
    compiled = {"name": "FedYogiAggregator", "path": "mmarc.runtime.aggregation.FedYogi"}
    assert strategy_spec(compiled).name == "FedYogi"
    written = {"name": "FedAdamAggregator", "args": {"eta": 0.5, "aggregation_weights": {}}}
    spec = strategy_spec(written)
    assert spec == StrategySpec("FedAdam", FedOptSettings(eta=0.5))
    assert isinstance(build_strategy(spec), FedAdam)
    assert strategy_spec(None).name == "FedAvg"
    assert (
        type(build_strategy(strategy_spec({"name": "InTimeAccumulateWeightedAggregator"})))
        is FedAvg
    )
    with pytest.raises(StrategyConfigError, match="not one mmarc runs"):
        strategy_spec({"name": "x", "path": "os.system"})
    assert server_strategy(_fl_plan(written)).name == "FedAdam"


def test_runtime_and_compiler_agree_on_aggregator_names() -> None:
    for name, strategy in STRATEGY_NAMES.items():
        row = fl_component(name)
        assert row is not None and row.target is not None, name
        assert STRATEGY_PATHS[row.target] == strategy
        if strategy in ("FedAdam", "FedYogi"):
            assert {a.name for a in row.args} >= {"eta", "beta1", "beta2", "tau"}


# -- hostile updates at the strategy ------------------------------------------------------


def test_updates_are_checked_against_the_global_model_not_the_first_update() -> None:
    strategy = FedAvg()
    start = {"w": np.zeros((2, 3), np.float32)}
    strategy.begin_round(start)
    with pytest.raises(AggregationError, match=r"the global model has float32\[2, 3\]"):
        strategy.accept({"w": np.ones((3, 3), np.float32)}, 1.0, kind="diff", source="evil")
    with pytest.raises(AggregationError, match=r"float64.*the global model has float32"):
        strategy.accept({"w": np.ones((2, 3))}, 1.0, kind="diff")
    with pytest.raises(AggregationError, match="not in the global model"):
        strategy.accept({"extra": np.ones(1, np.float32)}, 1.0, kind="diff")
    strategy.accept({"w": np.ones((2, 3), np.float32)}, 1.0, kind="diff")  # honest: fine
    assert strategy.count == 1
    np.testing.assert_array_equal(strategy.finish()["w"], np.ones((2, 3)))


def test_huge_weights_are_multiplied_in_float64() -> None:
    """Finding 6: the float32 multiply of a huge weight gave infinity."""
    accumulator = InTimeAccumulator()
    big = np.full(3, 1e30, np.float32)  # 1e30 * 1e18 overflows float32, not float64
    accumulator.add({"w": big}, MAX_WEIGHT)
    accumulator.add({"w": big}, MAX_WEIGHT)
    out = accumulator.result()["w"]
    assert np.isfinite(out).all() and np.allclose(out, 1e30, rtol=1e-6)


@pytest.mark.parametrize("steps", [10**400, 10**13, -1, 1.5e300, float("nan"), True, "3"])
def test_steps_out_of_bounds_are_refused(steps: Any) -> None:
    with pytest.raises(AggregationError):
        update_weight(1.0, steps)


def test_an_integer_average_that_does_not_fit_is_refused() -> None:
    strategy = FedAvg()
    strategy.begin_round({"n": np.array(2**62, np.int64)})
    strategy.accept({"n": np.array(2**62, np.int64)}, 1.0, kind="diff")
    with pytest.raises(AggregationError, match="does not fit int64"):
        strategy.finish()


def test_nonfinite_names_the_variable() -> None:
    assert nonfinite({"a": np.ones(2), "n": np.array(3)}) is None
    assert nonfinite({"a": np.ones(2), "b": np.array([1.0, np.inf], np.float32)}) == "b"


# -- the example's switch ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "strategy", "mu"),
    [
        ((), "FedAvg", 0.0),
        (("FL_AGGREGATOR=FedAdamAggregator",), "FedAdam", 0.0),
        (("FL_AGGREGATOR=FedYogiAggregator", "FEDPROX_MU=0.01"), "FedYogi", 0.01),
    ],
)
def test_digits_fl_switches_strategy_and_fedprox_by_variable(
    tmp_path: Path, sets: tuple[str, ...], strategy: str, mu: float
) -> None:
    out = tmp_path / "plan.json"
    example = Path(__file__).resolve().parents[2] / "examples" / "digits_fl"
    command = [
        str(Path(sys.executable).with_name("mmarc")),
        "compile",
        str(example),
        "-o",
        str(out),
    ]
    for item in sets:
        command += ["--set", item]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    plan = load_plan(out)
    assert server_strategy(plan).name == strategy
    assert client_config(plan).fedprox_mu == mu
