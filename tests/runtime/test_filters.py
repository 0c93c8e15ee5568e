"""Clara outbound filters: semantics, determinism, and building from config entries."""

from __future__ import annotations

import numpy as np
import pytest
from mmarc.runtime.filters import (
    ExcludeVars,
    FilterConfigError,
    PercentilePrivacy,
    SVTPrivacy,
    apply_filters,
    build_filter,
    build_filters,
    supported_filters,
)


def diff_model(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "conv.weight": (rng.standard_normal((16, 1, 3, 3)) * 1e-3).astype(np.float32),
        "fc.weight": (rng.standard_normal((64, 100)) * 1e-3).astype(np.float32),
        "fc.bias": (rng.standard_normal(64) * 1e-3).astype(np.float32),
        "bn.num_batches_tracked": np.array(5, dtype=np.int64),
        "scale": np.array(0.5, dtype=np.float32),
    }


FLOAT_NAMES = ["conv.weight", "fc.weight", "fc.bias"]


def flat(weights: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([weights[name].astype(np.float64).ravel() for name in FLOAT_NAMES])


def test_exclude_vars_regex_and_names() -> None:
    model = diff_model()
    assert list(ExcludeVars("fc")(model)) == ["conv.weight", "bn.num_batches_tracked", "scale"]
    assert list(ExcludeVars("^.*bias$")(model)) == [n for n in model if n != "fc.bias"]
    assert list(ExcludeVars(["scale", "fc.bias"])(model)) == [
        "conv.weight",
        "fc.weight",
        "bn.num_batches_tracked",
    ]
    assert ExcludeVars()(model).keys() == model.keys()


@pytest.mark.parametrize("percentile", [0, 10, 50, 75, 99])
def test_percentile_keeps_exactly_the_top_fraction(percentile: float) -> None:
    model = diff_model()
    before = flat(model)
    out = PercentilePrivacy(percentile=percentile, gamma=1.0)(model)
    after = flat(out)
    cutoff = np.percentile(np.abs(before), percentile)
    keep = np.abs(before.astype(np.float32)) >= cutoff
    assert np.array_equal(after != 0, keep)
    expected_kept = before.size - int(np.ceil(percentile / 100 * (before.size - 1)))
    assert abs(int(keep.sum()) - expected_kept) <= 1
    np.testing.assert_array_equal(after[keep], before[keep].astype(np.float32))
    assert out["bn.num_batches_tracked"] is model["bn.num_batches_tracked"]
    assert out["scale"] is model["scale"]
    assert all(out[n].dtype == model[n].dtype for n in model)


def test_percentile_clips_to_gamma_and_respects_local_steps() -> None:
    model = diff_model()
    gamma = 5e-4
    out = PercentilePrivacy(percentile=10, gamma=gamma)(model)
    assert np.abs(flat(out)).max() <= gamma * (1 + 1e-6)
    scaled = PercentilePrivacy(percentile=10, gamma=gamma)(model, local_steps=4)
    assert np.abs(flat(scaled)).max() <= 4 * gamma * (1 + 1e-6)
    assert np.abs(flat(scaled)).max() > gamma


def test_inputs_are_not_modified() -> None:
    model = diff_model()
    copy = {k: v.copy() for k, v in model.items()}
    for view in model.values():
        view.flags.writeable = False  # like arrays decoded from network buffers
    PercentilePrivacy()(model)
    SVTPrivacy(seed=1)(model)
    assert all(np.array_equal(model[k], copy[k]) for k in model)


def test_svt_sparsity_is_close_to_the_fraction_and_values_are_clipped() -> None:
    model = diff_model()
    n = flat(model).size
    for fraction in (0.05, 0.1, 0.3):
        out = SVTPrivacy(fraction=fraction, epsilon=0.1, gamma=1e-3, tau=1e-6, seed=3)(model)
        released = flat(out)
        nonzero = np.count_nonzero(released) / n
        assert abs(nonzero - fraction) <= 0.02, (fraction, nonzero)
        assert np.abs(released).max() <= 1e-3 * (1 + 1e-6)
        assert out["bn.num_batches_tracked"] is model["bn.num_batches_tracked"]


def test_svt_defaults_match_clara_and_seed_makes_it_deterministic() -> None:
    default = SVTPrivacy()
    assert (default.fraction, default.epsilon, default.noise_var, default.gamma, default.tau) == (
        0.1,
        0.1,
        0.1,
        1e-5,
        1e-6,
    )
    model = diff_model()
    first = SVTPrivacy(seed=42)(model)
    again = SVTPrivacy(seed=42)(model)
    other = SVTPrivacy(seed=43)(model)
    assert all(np.array_equal(first[k], again[k]) for k in model)
    assert not np.array_equal(flat(first), flat(other))


def test_build_filter_from_clara_entries() -> None:
    chain = build_filters(
        [
            {"name": "ExcludeVars", "args": {"exclude_vars": "dummy"}},
            {"name": "PercentilePrivacy", "args": {"percentile": 75, "gamma": 1}},
            {"path": "nvflare.app_common.filters.svt_privacy.SVTPrivacy", "args": {"seed": 1}},
        ]
    )
    assert [type(f).__name__ for f in chain] == ["ExcludeVars", "PercentilePrivacy", "SVTPrivacy"]
    model = {**diff_model(), "dummy_var": np.ones(3, np.float32)}
    out = apply_filters(chain, model)
    assert "dummy_var" not in out and set(out) == set(diff_model())


@pytest.mark.parametrize(
    ("name", "args", "match"),
    [
        (
            "GaussianPrivacy",
            {},
            "supported: ExcludeVars, HEEvalDecryptor, HEModelDecryptor, HEModelEncryptor, "
            "PercentilePrivacy, SVTPrivacy",
        ),
        ("PercentilePrivacy", {"percentil": 3}, "does not accept 'percentil'"),
        ("PercentilePrivacy", {"percentile": 101}, "outside"),
        ("PercentilePrivacy", {"gamma": "big"}, "must be a number"),
        ("SVTPrivacy", {"fraction": 0}, "outside"),
        ("SVTPrivacy", {"epsilon": -1}, "outside"),
        ("SVTPrivacy", {"seed": 1.5}, "seed"),
        ("ExcludeVars", {"exclude_vars": "("}, "regular expression"),
    ],
)
def test_bad_filter_config_is_explained(name: str, args: dict[str, object], match: str) -> None:
    with pytest.raises(FilterConfigError, match=match):
        build_filter(name, args)


def test_registry_lists_the_clara_filters() -> None:
    assert supported_filters() == [
        "ExcludeVars",
        "HEEvalDecryptor",
        "HEModelDecryptor",
        "HEModelEncryptor",
        "PercentilePrivacy",
        "SVTPrivacy",
    ]
    with pytest.raises(FilterConfigError, match="no 'name'"):
        build_filters([{"args": {}}])
