"""Homomorphic encryption with real TenSEAL contexts: settings, sealed layers, the HE
strategy against plain FedAvg, the site filters, and kits provisioned with ``he``.

One secret CKKS context (Clara's settings) serves the module; the server side gets its
public copy, as a kit's ``server_context.tenseal`` would give it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mmarc.runtime.aggregation import AggregationError, fedavg
from mmarc.runtime.aggregation.he import HEFedAvg
from mmarc.runtime.filters import HEModelDecryptor, HEModelEncryptor, build_filter
from mmarc.runtime.provision import provision, verify_kit
from mmarc.runtime.provision.he import he_params
from mmarc.runtime.security.ckks import (
    CLIENT_CONTEXT,
    SEAL_SUFFIX,
    SERVER_CONTEXT,
    CKKSParams,
    HEError,
    context_fingerprint,
    load_context,
    new_context,
    open_layer,
    public_context_bytes,
    read_context,
    read_sealed,
    seal_layer,
    secret_context_bytes,
    vector_of,
)

from mmarc.provisioning import check_inputs

PROJECT = Path(__file__).parents[1] / "fixtures" / "corpus" / "provision" / "clara40_project1.yml"


@pytest.fixture(scope="module")
def secret() -> Any:
    return new_context(CKKSParams())


@pytest.fixture(scope="module")
def public(secret: Any) -> Any:
    return read_context(public_context_bytes(secret), secret=False)


def model(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "conv.weight": rng.standard_normal((4, 1, 3, 3)).astype(np.float32),
        "fc.weight": rng.standard_normal((10, 700)).astype(np.float32),  # two ciphertexts
        "fc.bias": rng.standard_normal(10).astype(np.float32),
        "bn.num_batches_tracked": np.array(seed * 10, dtype=np.int64),
    }


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-12))


# -- settings -------------------------------------------------------------------------------


def test_clara_and_nvflare_he_sections_read_the_same() -> None:
    clara = {"lib": "tenseal", "config": {"poly_modulus_degree": 8192, "scheme": "CKKS"}}
    flare = {"builders": [{"path": "nvflare.lighter.impl.he.HEBuilder", "args": {}}]}
    assert CKKSParams.from_section(clara) == he_params(flare) == CKKSParams()
    assert he_params({"name": "no he"}) is None


@pytest.mark.parametrize(
    ("config", "key", "match"),
    [
        ({"poly_modulus_degree": 1000}, "poly_modulus_degree", "not one of"),
        ({"coeff_mod_bit_sizes": [60, 60, 60, 60]}, "coeff_mod_bit_sizes", "at most 218"),
        ({"coeff_mod_bit_sizes": [60, 0]}, "coeff_mod_bit_sizes", r"\[17, 60\]"),
        ({"scale_bits": 70}, "scale_bits", "scale_bits 70"),
        ({"scheme": "BFV"}, "scheme", "use CKKS"),
        ({"polymodulus": 8192}, "polymodulus", "unknown he setting"),
    ],
)
def test_bad_he_settings_are_refused_naming_the_key(
    config: dict[str, Any], key: str, match: str
) -> None:
    with pytest.raises(HEError, match=match) as refused:
        CKKSParams.from_section({"lib": "tenseal", "config": config})
    assert refused.value.key == key


# -- contexts and sealed layers --------------------------------------------------------------


def test_the_public_context_cannot_decrypt_and_roles_are_enforced(secret: Any, public: Any) -> None:
    assert secret.is_private() and not public.is_private()
    assert context_fingerprint(secret) == context_fingerprint(public)
    sealed = seal_layer(secret, "w", np.arange(6, dtype=np.float32).reshape(2, 3), 2.0)
    layer = read_sealed(sealed, "w")
    assert sealed["w"].dtype == np.uint8 and layer.shape == (2, 3) and layer.weight == 2.0
    np.testing.assert_allclose(open_layer(secret, layer), np.arange(6).reshape(2, 3), atol=1e-4)
    with pytest.raises(HEError, match="no secret key"):
        open_layer(public, layer)
    with pytest.raises(HEError, match="no secret key"):
        vector_of(public, layer).decrypt()
    with pytest.raises(HEError, match="no secret key"):
        seal_layer(public, "w", np.ones(3), 1.0)
    with pytest.raises(HEError, match="holds a secret key"):
        read_context(secret_context_bytes(secret), secret=False)
    with pytest.raises(HEError, match="holds no secret key"):
        read_context(public_context_bytes(secret), secret=True)
    with pytest.raises(HEError, match="not a TenSEAL context"):
        read_context(b"\x00" * 64, secret=False)


def test_hostile_sealed_layers_are_refused(public: Any, secret: Any) -> None:
    good = seal_layer(secret, "w", np.ones(5, dtype=np.float32), 1.0)
    cases: list[tuple[dict[str, np.ndarray], str]] = [
        ({**good, "w#he": np.array([1.0, 1.0, -5.0])}, "weight >= 0"),
        ({**good, "w#he": np.array([np.nan, 1.0, 5.0])}, "NaN"),
        ({**good, "w#he": np.array([1.0, 1.0, 5.0], np.float32)}, "float64"),
        ({**good, "w#he": np.array([1.0, 2.0, 5.0])}, "weight >= 0, ndim"),
        ({**good, "w": np.ones(5, np.float32)}, "uint8"),
    ]
    for weights, match in cases:
        with pytest.raises(HEError, match=match):
            read_sealed(weights, "w")
    garbage = {**good, "w": np.frombuffer(b"not a ciphertext" * 4, np.uint8)}
    with pytest.raises(HEError, match="not a CKKS vector"):
        vector_of(public, read_sealed(garbage, "w"))
    data = good["w"]
    hostile: list[tuple[np.ndarray, str]] = [
        (data[:-10], "ends inside a ciphertext"),
        (data[:10], "ends inside a ciphertext's header"),
        (np.concatenate([data, data]), "more than the 1 ciphertext"),
        (np.concatenate([data[:8], np.full(8, 255, np.uint8), data[16:]]), "claims"),
    ]
    for sealed, match in hostile:
        with pytest.raises(HEError, match=match):
            vector_of(public, read_sealed({**good, "w": sealed}, "w"))
    longer = {**good, "w#he": np.array([1.0, 1.0, 8193.0])}  # N = 8192 values a ciphertext
    with pytest.raises(HEError, match="holds 1 ciphertext"):
        vector_of(public, read_sealed(longer, "w"))
    other = new_context(CKKSParams(coeff_mod_bit_sizes=(60, 40, 40, 60)))
    with pytest.raises(HEError, match="not one of this context"):
        vector_of(other, read_sealed(good, "w"))


# -- the strategy: ciphertext sums open to plain FedAvg --------------------------------------


def seal_all(
    secret: Any, weights: dict[str, np.ndarray], factor: float, site: str = "site-1"
) -> dict[str, np.ndarray]:
    encryptor = HEModelEncryptor()
    encryptor.attach(secret, site)
    return encryptor(weights, local_steps=factor)


def test_he_fedavg_opens_to_plain_fedavg_with_server_weights(secret: Any, public: Any) -> None:
    start = model(0)
    sites = {"a": (model(1), 3.0), "b": (model(2), 5.0), "c": (model(3), 1.0)}
    server_weight = {"a": 1.0, "b": 2.0, "c": 1.0}  # b's ciphertexts are scaled on the server
    strategy = HEFedAvg(public, weight_of=server_weight.__getitem__)
    strategy.begin_round(start)
    for site, (weights, steps) in sites.items():
        sealed = seal_all(secret, weights, steps)
        assert sealed["bn.num_batches_tracked"].dtype == np.int64  # integers stay plain
        strategy.accept(sealed, server_weight[site] * steps, kind="weights", source=site)
    new = strategy.finish()
    plain = fedavg([(w, server_weight[s] * steps) for s, (w, steps) in sites.items()])
    assert {n for n in new if n.endswith(SEAL_SUFFIX)} == {
        f"{n}{SEAL_SUFFIX}" for n in ("conv.weight", "fc.weight", "fc.bias")
    }
    assert new["bn.num_batches_tracked"] == plain["bn.num_batches_tracked"]
    decrypt = HEModelDecryptor()
    decrypt.attach(secret, "site-1")
    opened = decrypt(new)
    assert set(opened) == set(start)
    for name in ("conv.weight", "fc.weight", "fc.bias"):
        assert opened[name].shape == start[name].shape
        assert relative_error(opened[name], plain[name]) < 1e-3, name
    # the next round starts from the sealed model: sums of sums still open to the average
    strategy.begin_round(new)
    fresh = seal_all(secret, model(4), 2.0)
    strategy.accept(fresh, 2.0, kind="weights", source="a")
    averaged = strategy.finish()
    # no server weight used the level: the server divided (weight 1), a ciphertext one
    # modulus smaller than a sum it did not divide
    assert read_sealed(averaged, "fc.weight").weight == 1.0
    upload = vector_of(public, read_sealed(fresh, "fc.weight"))
    assert averaged["fc.weight"].size < 0.6 * len((upload + upload).serialize())
    again = decrypt(averaged)
    assert relative_error(again["fc.weight"], model(4)["fc.weight"]) < 1e-3


def test_he_fedavg_refuses_what_it_cannot_add_and_keeps_no_trace(secret: Any, public: Any) -> None:
    start = model(0)
    strategy = HEFedAvg(public)
    strategy.begin_round(start)
    honest = seal_all(secret, model(1), 1.0)
    strategy.accept(honest, 1.0, kind="weights", source="a")
    leaked = {**seal_all(secret, model(2), 1.0), "fc.bias": model(2)["fc.bias"]}
    del leaked["fc.bias#he"]
    other_shape = dict(seal_all(secret, model(2), 1.0))
    other_shape["fc.bias#he"] = np.array([1.0, 2.0, 2.0, 5.0])
    foreign = seal_all(
        new_context(
            CKKSParams(poly_modulus_degree=4096, coeff_mod_bit_sizes=(40, 20, 40), scale_bits=21)
        ),
        model(2),
        1.0,
    )
    mixed = seal_all(secret, model(2), 1.0)
    mixed["fc.bias#he"] = np.array([7.0, 1.0, 10.0])
    refusals = [
        (leaked, "weights", "must be encrypted"),
        (other_shape, "weights", r"shape \[2, 5\]"),
        (foreign, "weights", "not a CKKS vector of this context"),
        (mixed, "weights", "different weights"),
        (honest, "diff", "must be weights"),
        ({"w#he": np.array([1.0, 1.0, 1.0])}, "weights", "no sealed layer beside it"),
    ]
    for update, kind, match in refusals:
        with pytest.raises(AggregationError, match=match):
            strategy.accept(update, 1.0, kind=kind, source="evil")  # type: ignore[arg-type]
    decrypt = HEModelDecryptor()
    decrypt.attach(secret, "a")
    opened = decrypt(strategy.finish())
    assert strategy.count == 1
    assert relative_error(opened["fc.weight"], model(1)["fc.weight"]) < 1e-3


def test_the_strategy_refuses_a_secret_context(secret: Any) -> None:
    with pytest.raises(HEError, match="secret key"):
        HEFedAvg(secret)


# -- the site filters ------------------------------------------------------------------------


def test_encryptor_seals_the_chosen_layers_with_the_site_weight(secret: Any) -> None:
    encryptor = build_filter(
        "nvflare.experimental.homomorphic_encryption.he_model_encryptor.HEModelEncryptor",
        {"encrypt_layers": "^fc\\.", "aggregation_weights": {"site-2": 0.5}},
    )
    assert isinstance(encryptor, HEModelEncryptor)
    with pytest.raises(HEError, match="no TenSEAL context"):
        encryptor(model(1))
    encryptor.attach(secret, "site-2")
    sealed = encryptor(model(1), local_steps=4)
    assert sealed["conv.weight"].dtype == np.float32  # not chosen: plain
    assert read_sealed(sealed, "fc.weight").weight == 2.0  # 0.5 x 4 local steps
    opened = build_filter("HEEvalDecryptor")
    opened.attach(secret, "site-1")  # type: ignore[attr-defined]
    back = opened(sealed)
    assert set(back) == set(model(1))
    assert relative_error(back["fc.weight"], model(1)["fc.weight"]) < 1e-3


# -- provisioning ----------------------------------------------------------------------------


def test_kits_carry_the_secret_context_for_sites_and_the_public_one_for_the_server(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "ws"
    provision(check_inputs(PROJECT), workspace)
    server = verify_kit(workspace / "localhost", role="server")
    client = verify_kit(workspace / "client1", role="client")
    assert server.he_context == server.startup / SERVER_CONTEXT
    assert client.he_context == client.startup / CLIENT_CONTEXT
    assert stat.S_IMODE(os.stat(client.startup / CLIENT_CONTEXT).st_mode) == 0o600
    assert not (server.startup / CLIENT_CONTEXT).exists()
    assert not (workspace / "admin@admin.com" / "startup" / SERVER_CONTEXT).exists()
    public = load_context(server.he_context, secret=False)
    site = load_context(client.he_context, secret=True)
    assert not public.is_private() and site.is_private()
    assert context_fingerprint(public) == context_fingerprint(site)
    manifest = (server.startup / "MANIFEST.json").read_text()
    assert (
        SERVER_CONTEXT in manifest
        and CLIENT_CONTEXT in (client.startup / "MANIFEST.json").read_text()
    )
    # provisioning again keeps the key that sealed a saved global model
    provision(check_inputs(PROJECT), workspace)
    again = load_context(client.startup / CLIENT_CONTEXT, secret=True)
    assert context_fingerprint(again) == context_fingerprint(site)
    # a site's context edited after signing: the kit is refused
    (client.startup / CLIENT_CONTEXT).write_bytes(b"x")
    with pytest.raises(Exception, match=CLIENT_CONTEXT):
        verify_kit(workspace / "client1", role="client")


def test_a_bad_he_setting_is_located_in_project_yml(tmp_path: Path) -> None:
    from mmarc.provisioning import load_project

    text = PROJECT.read_text().replace("scale_bits: 40", "scale_bits: 99")
    path = tmp_path / "project.yml"
    path.write_text(text)
    spec, validation = load_project(path)
    assert spec is None
    (found,) = [d for d in validation.diagnostics if d.code == "F008"]
    assert found.pointer == "/he/config/scale_bits" and "scale_bits 99" in found.message
    assert found.line == text.splitlines().index("    scale_bits: 99") + 1


def test_a_ciphertext_with_no_level_left_is_refused_or_summed_without_dividing(
    secret: Any, public: Any
) -> None:
    from mmarc.runtime.security.ckks import pack

    start = {"w": np.zeros(8, np.float32)}
    values = np.arange(8, dtype=np.float64)
    spent = vector_of(secret, read_sealed(seal_layer(secret, "w", values, 2.0), "w")) * 1.0
    used_up = pack("w", spent, (8,), 2.0)  # rescaled once: Clara's settings allow no more
    scaling = HEFedAvg(public, weight_of=lambda site: 2.0)
    scaling.begin_round(start)
    with pytest.raises(AggregationError, match="cannot be added"):
        scaling.accept(used_up, 1.0, kind="weights", source="evil")
    assert scaling.count == 0
    plain = HEFedAvg(public)
    plain.begin_round(start)
    plain.accept(used_up, 1.0, kind="weights", source="a")
    out = plain.finish()  # the server cannot divide: it sends the sum and its weight
    assert read_sealed(out, "w").weight == 2.0
    np.testing.assert_allclose(open_layer(secret, read_sealed(out, "w")), values, atol=1e-3)


def test_a_site_packs_two_values_a_slot_and_sends_seeded_ciphertexts(
    secret: Any, public: Any
) -> None:
    degree = 8192  # Clara's poly_modulus_degree: N/2 complex slots, N values a ciphertext
    values = np.linspace(-3.0, 3.0, degree + 1)
    sealed = seal_layer(secret, "w", values, 1.0)
    vector = vector_of(public, read_sealed(sealed, "w"))
    assert len(vector.ciphertexts) == 2
    full = 2 * 2 * degree * 8  # two polynomials at the top data level ([60, 40]), 8 bytes a word
    assert sealed["w"].size < 0.55 * 2 * full  # the random half travels as a seed
    np.testing.assert_allclose(open_layer(secret, read_sealed(sealed, "w")), values, atol=1e-6)
    with pytest.raises(HEError, match="NaN or infinity"):
        seal_layer(secret, "w", np.array([1.0, np.inf]), 1.0)
