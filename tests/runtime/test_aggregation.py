"""FedAvg against an independent float64 numpy computation."""

from __future__ import annotations

import importlib
import itertools
import threading
from typing import Any

import numpy as np
import pytest
import torch
from mmarc.runtime.aggregation import (
    AggregationError,
    InTimeAccumulator,
    VarSelector,
    fedavg,
    update_weight,
)

SHAPES = {
    "conv.weight": (8, 1, 3, 3),
    "conv.bias": (8,),
    "bn.running_mean": (8,),
    "fc.weight": (10, 200_000),  # several accumulation blocks
    "dummy_head": (4,),
}


def make_model(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in SHAPES.items()}
    model["bn.num_batches_tracked"] = np.array(100 + seed, dtype=np.int64)
    return model


def reference(
    updates: list[tuple[dict[str, np.ndarray], float]], names: list[str]
) -> dict[str, np.ndarray]:
    """The textbook formula, everything in float64."""
    total = sum(w for _, w in updates)
    return {name: sum(u[name].astype(np.float64) * w for u, w in updates) / total for name in names}


CLIENT_WEIGHTS = [update_weight(1.0, 10), update_weight(2.0, 5), update_weight(0.5, 40)]


def test_full_weights_match_numpy_with_exclude_vars() -> None:
    global_model = make_model(0)
    updates = [(make_model(i + 1), w) for i, w in enumerate(CLIENT_WEIGHTS)]
    out = fedavg(updates, exclude=r"^.*running.*$|dummy", global_model=global_model)
    averaged = [n for n in SHAPES if n not in ("bn.running_mean", "dummy_head")]
    want = reference(updates, [*averaged, "bn.num_batches_tracked"])
    for name in averaged:
        assert out[name].dtype == np.float32
        np.testing.assert_allclose(out[name], want[name].astype(np.float32), rtol=0, atol=1e-6)
        # float64 accumulation: only the final rounding to float32 differs.
        assert np.abs(out[name].astype(np.float64) - want[name]).max() <= 1e-6
    for name in ("bn.running_mean", "dummy_head"):
        assert out[name] is global_model[name]
    assert out["bn.num_batches_tracked"].dtype == np.int64
    assert out["bn.num_batches_tracked"] == np.rint(want["bn.num_batches_tracked"])
    assert list(out) == list(global_model)


def test_diffs_are_added_to_the_global_model() -> None:
    global_model = make_model(0)
    clients = [make_model(i + 1) for i in range(3)]
    diffs = [
        ({k: c[k] - global_model[k] for k in c}, w)
        for c, w in zip(clients, CLIENT_WEIGHTS, strict=True)
    ]
    out = fedavg(diffs, exclude=["dummy_head"], global_model=global_model, diffs=True)
    want_delta = reference(diffs, [*SHAPES, "bn.num_batches_tracked"])
    for name in SHAPES:
        if name == "dummy_head":
            assert out[name] is global_model[name]
            continue
        want = global_model[name].astype(np.float64) + want_delta[name]
        np.testing.assert_allclose(out[name], want.astype(np.float32), rtol=0, atol=1e-6)
    delta = np.rint(want_delta["bn.num_batches_tracked"])
    assert out["bn.num_batches_tracked"] == global_model["bn.num_batches_tracked"] + delta


def test_in_time_accumulation_equals_batch_and_reset_reuses_buffers() -> None:
    updates = [(make_model(i + 1), w) for i, w in enumerate(CLIENT_WEIGHTS)]
    batch = fedavg(updates)
    accumulator = InTimeAccumulator()
    for round_ in range(2):
        for model, weight in updates:
            accumulator.add({k: torch.from_numpy(v) for k, v in model.items()}, weight)
        streamed = accumulator.result()
        assert accumulator.count == 3 and accumulator.total_weight == sum(CLIENT_WEIGHTS)
        for name in batch:
            assert streamed[name].tobytes() == batch[name].tobytes(), (round_, name)
        accumulator.reset()


def test_variables_a_client_did_not_send_are_averaged_over_the_others() -> None:
    a = {"w": np.full(3, 1.0, np.float32), "private": np.full(2, 5.0, np.float32)}
    b = {"w": np.full(3, 4.0, np.float32)}  # ExcludeVars removed "private"
    out = fedavg([(a, 1.0), (b, 2.0)], global_model={"w": np.zeros(3), "private": np.zeros(2)})
    np.testing.assert_array_equal(out["w"], np.full(3, 3.0))
    np.testing.assert_array_equal(out["private"], np.full(2, 5.0))


def test_zero_weight_contributes_nothing_and_booleans_vote() -> None:
    a = {"m": np.array([True, True, False]), "w": np.ones(2)}
    b = {"m": np.array([False, True, False]), "w": np.full(2, 9.0)}
    out = fedavg([(a, 3.0), (b, 1.0), ({"w": np.full(2, 1e9), "m": a["m"]}, 0.0)])
    assert out["m"].tolist() == [True, True, False]
    np.testing.assert_array_equal(out["w"], np.full(2, 3.0))


@pytest.mark.parametrize(
    ("updates", "match"),
    [
        ([({"w": np.ones(2)}, -1.0)], "finite and >= 0"),
        ([({"w": np.ones(2)}, float("nan"))], "finite and >= 0"),
        ([({"w": np.array([1.0, np.nan])}, 1.0)], "NaN"),
        ([({"w": np.ones(2)}, 1.0), ({"w": np.ones(3)}, 1.0)], "other updates sent"),
        ([({"w": np.ones(2)}, 1.0), ({"w": np.ones(2, np.float32)}, 1.0)], "other updates"),
        ([({"w": np.ones(2)}, 0.0)], "nothing to aggregate"),
    ],
)
def test_bad_updates_are_rejected(
    updates: list[tuple[dict[str, np.ndarray], float]], match: str
) -> None:
    with pytest.raises(AggregationError, match=match):
        fedavg(updates)


def test_rejected_update_leaves_no_trace() -> None:
    accumulator = InTimeAccumulator()
    accumulator.add({"a": np.ones(2), "b": np.ones(2)}, 1.0)
    with pytest.raises(AggregationError):
        accumulator.add({"a": np.full(2, 7.0), "b": np.array([np.inf, 0.0])}, 1.0)
    np.testing.assert_array_equal(accumulator.result()["a"], np.ones(2))
    assert accumulator.count == 1


def test_diffs_need_the_global_model() -> None:
    with pytest.raises(AggregationError, match="global model"):
        fedavg([({"w": np.ones(2)}, 1.0)], diffs=True)
    with pytest.raises(AggregationError, match="no global variable"):
        fedavg([({"w": np.ones(2)}, 1.0)], diffs=True, global_model={"v": np.ones(2)})


def test_var_selector_semantics() -> None:
    regex = VarSelector("running")
    assert regex("bn.running_var") and not regex("bn.weight")
    anchored = VarSelector("^.*running.*$")
    assert anchored("bn1.running_mean") and not anchored("fc.bias")
    names = VarSelector(["fc.bias"])
    assert names("fc.bias") and not names("fc.bias2")
    assert not VarSelector(None) and not VarSelector(None)("anything")
    with pytest.raises(ValueError, match="regular expression"):
        VarSelector("(")
    with pytest.raises(AggregationError):
        update_weight(1.0, float("inf"))


def test_large_variables_split_across_threads_give_the_same_bits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above PARALLEL_MIN a pass runs in ranges on several threads; every element is
    computed as on one thread, so the average is bit-for-bit the single-thread one."""
    module = importlib.import_module("mmarc.runtime.aggregation.fedavg")  # not the function
    monkeypatch.setattr(module, "PARALLEL_MIN", 2 * module.BLOCK)
    rng = np.random.default_rng(7)
    size = 9 * module.BLOCK + 17  # ranges of whole blocks and a ragged tail
    base = {"w": rng.standard_normal(size).astype(np.float32), "n": np.arange(size)}
    updates = [
        ({"w": rng.standard_normal(size).astype(np.float32), "n": np.arange(size) * k}, w)
        for k, w in ((1, 3.0), (2, 5.0), (3, 0.25))
    ]

    def run() -> dict[str, np.ndarray]:
        return fedavg(updates, global_model=base, diffs=True)

    threaded = run()
    monkeypatch.setattr(module, "_threads", lambda: 1)
    single = run()
    for name in base:
        assert threaded[name].tobytes() == single[name].tobytes(), name


def test_ranges_run_on_several_threads_and_report_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("mmarc.runtime.aggregation.fedavg")
    monkeypatch.setattr(module, "PARALLEL_MIN", module.BLOCK)
    monkeypatch.setattr(module, "_threads", lambda: 3)
    seen: list[tuple[int, int, str]] = []

    def record(start: int, stop: int) -> None:
        seen.append((start, stop, threading.current_thread().name))

    size = 7 * module.BLOCK + 5
    module.in_ranges(size, record)
    spans = sorted((a, b) for a, b, _ in seen)
    assert spans[0][0] == 0 and spans[-1][1] == size
    assert all(b == a2 for (_, b), (a2, _) in itertools.pairwise(spans))
    assert all(a % module.BLOCK == 0 for a, _ in spans)
    names = {name for *_, name in seen}
    assert threading.current_thread().name in names and len(names) >= 2  # caller and pool

    bad = np.zeros(size, np.float32)
    bad[-1] = np.nan  # in the last range, on a pool thread
    assert not module.all_finite(bad)
    with pytest.raises(AggregationError, match="does not fit"):  # raised on a pool thread
        big = np.zeros(size, np.int8)
        big[-3:] = 100
        fedavg([({"c": big}, 1.0), ({"c": big}, 1.0)], global_model={"c": big}, diffs=True)


def test_a_settle_that_fails_midway_leaves_the_rest_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Summing the held update variable by variable: a failure (say, no memory for a sum)
    leaves the variables not yet summed held, and the result counts every one once."""
    fedavg_module = importlib.import_module("mmarc.runtime.aggregation.fedavg")
    updates = [(make_model(i + 1), w) for i, w in enumerate(CLIENT_WEIGHTS)]
    expected = fedavg(updates)
    accumulator = InTimeAccumulator()
    accumulator.add(*updates[0])
    accumulator.add(*updates[1])  # the first is summed, the second held
    real, calls = fedavg_module.in_ranges, []

    def fails_on_the_second_variable(size: int, work: Any) -> Any:
        calls.append(size)
        if len(calls) == 2:
            raise MemoryError("no room for the sum")
        return real(size, work)

    monkeypatch.setattr(fedavg_module, "in_ranges", fails_on_the_second_variable)
    with pytest.raises(MemoryError):
        accumulator.settle()
    monkeypatch.setattr(fedavg_module, "in_ranges", real)
    accumulator.add(*updates[2])  # sums what the failed settle left, holds the third
    for name, array in accumulator.result().items():
        assert array.tobytes() == expected[name].tobytes(), name


def test_the_held_last_update_is_folded_in_bit_for_bit() -> None:
    """The latest update is summed only when the next comes; ``result`` folds it into the
    average's pass. Same bits as summing it first, ``result`` may be asked again, and an
    update added after a ``result`` still counts the held one."""
    updates = [(make_model(i + 1), w) for i, w in enumerate(CLIENT_WEIGHTS)]
    base = make_model(0)
    accumulator = InTimeAccumulator()
    for model, weight in updates:
        accumulator.add(model, weight)
    folded = accumulator.result(base, diffs=True)
    again = accumulator.result(base, diffs=True)
    accumulator.means()  # sums the held update
    summed = accumulator.result(base, diffs=True)
    for name in base:
        assert folded[name].tobytes() == again[name].tobytes() == summed[name].tobytes(), name

    settled = InTimeAccumulator()  # what the workflow does while updates are still coming
    for model, weight in updates:
        settled.add(model, weight)
        settled.settle()
        settled.settle()  # nothing held any more: a no-op
    for name, array in settled.result(base, diffs=True).items():
        assert array.tobytes() == folded[name].tobytes(), name

    later = InTimeAccumulator()
    later.add(*updates[0])
    later.add(*updates[1])
    later.result()
    later.add(*updates[2])
    expected = fedavg(updates)
    for name, array in later.result().items():
        assert array.tobytes() == expected[name].tobytes(), name
