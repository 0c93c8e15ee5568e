"""CKKS contexts and sealed layers: what mmarc keeps in kits and sends over the wire.

Homomorphic encryption (the project's ``he`` section, Clara 4.0 / NVFlare) lets the
server add the sites' updates without being able to read them. This module owns the
contexts (TenSEAL, imported lazily: it is the ``he`` extra) and the sealed-layer format;
:mod:`.seal` does the arithmetic:

* :class:`CKKSParams`: the ``he`` settings of ``project.yml``, checked against what SEAL
  accepts before a context is made (defined in :mod:`mmarc.policy.he`, which ``validate``
  shares, and re-exported here with :class:`HEError`);
* contexts: a site's *secret* context (the secret key, which never leaves the site) and
  the server's *public* context (serialised without the secret key: it can add and scale
  ciphertexts, never decrypt them); :func:`load_context` refuses the wrong kind for a
  role, so a server handed a secret key will not start;
* sealed layers: an encrypted variable travels and is stored as two ordinary arrays,
  ``name`` (``uint8``: SEAL's own serialisation of its ciphertexts, :mod:`.seal`, which
  packs two values per slot and encrypts with the secret key; no pickle) and
  ``name#he`` (``float64``: the weight the values were multiplied by, then the shape).
  The wire chunks and bounds them like any tensor, the persistor saves them like any
  tensor, and a model that holds them is opened only by :func:`open_layer`, with a
  secret context.

A sealed layer holds ``weight * values``; ``open_layer`` divides by ``weight``. Adding
sealed layers (the server's aggregation) adds both, so the opened sum is the weighted
average; the server may also multiply a sum by ``1 / weight`` itself (a plaintext
scalar) and send weight 1. Clara's settings (``[60, 40, 40]``) allow one such
multiplication per ciphertext.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mmarc.policy.he import CKKSParams, HEError

from .seal import CipherVector, engine_of

__all__ = [
    "CLIENT_CONTEXT",
    "MAX_CONTEXT_BYTES",
    "SEAL_SUFFIX",
    "SERVER_CONTEXT",
    "CKKSParams",
    "HEError",
    "SealedLayer",
    "ciphertext_nbytes",
    "context_fingerprint",
    "is_companion",
    "load_context",
    "new_context",
    "open_layer",
    "pack",
    "public_context_bytes",
    "read_context",
    "read_sealed",
    "seal_layer",
    "sealed_names",
    "secret_context_bytes",
    "vector_of",
]

#: The kit files (Clara's names): the server's public context, a site's secret one.
SERVER_CONTEXT = "server_context.tenseal"
CLIENT_CONTEXT = "client_context.tenseal"
#: The largest context file read (a secret 32768-degree context is ~10 MB).
MAX_CONTEXT_BYTES = 64 * 1024 * 1024
#: The name suffix of a sealed layer's companion array (weight, then shape).
SEAL_SUFFIX = "#he"
#: The most values one sealed layer may claim (a float32 tensor of 8 GiB).
MAX_VALUES = 2**31


def _tenseal() -> Any:
    try:
        import tenseal
    except ImportError:
        raise HEError("homomorphic encryption needs TenSEAL: pip install 'mmarc[he]'") from None
    return tenseal


def new_context(params: CKKSParams) -> Any:
    """A fresh secret CKKS context (keys generated here; no Galois keys: never rotated)."""
    ts = _tenseal()
    context = ts.context(
        ts.SCHEME_TYPE.CKKS,
        poly_modulus_degree=params.poly_modulus_degree,
        coeff_mod_bit_sizes=list(params.coeff_mod_bit_sizes),
    )
    context.global_scale = float(2**params.scale_bits)
    return context


def secret_context_bytes(context: Any) -> bytes:
    """A site's context file: the secret key included."""
    return bytes(
        context.serialize(save_secret_key=True, save_galois_keys=False, save_relin_keys=False)
    )


def public_context_bytes(context: Any) -> bytes:
    """The server's context file: public key only (a copy is made public; the caller's
    context keeps its secret key)."""
    public = context.copy()
    public.make_context_public()
    return bytes(public.serialize(save_galois_keys=False, save_relin_keys=False))


def context_fingerprint(context: Any) -> str:
    """What a site and the server compare at registration: the hash of the public part."""
    return hashlib.sha256(public_context_bytes(context)).hexdigest()[:32]


def read_context(data: bytes, *, secret: bool, where: str = "the context") -> Any:
    """Parse a context; ``secret``: it must hold the secret key (a site), else it must
    not (the server)."""
    if len(data) > MAX_CONTEXT_BYTES:
        raise HEError(f"{where} is {len(data)} bytes, more than {MAX_CONTEXT_BYTES}")
    ts = _tenseal()
    try:
        context = ts.context_from(data)
    except Exception as exc:  # TenSEAL raises ValueError/RuntimeError for any bad stream
        raise HEError(f"{where} is not a TenSEAL context ({exc})") from None
    if secret and not context.is_private():
        raise HEError(f"{where} holds no secret key: a site needs its full context")
    if not secret and context.is_private():
        raise HEError(f"{where} holds a secret key: the server must get the public context only")
    return context


def load_context(path: Path | str, *, secret: bool) -> Any:
    """Read a context file (see :func:`read_context`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONTEXT_BYTES:
            raise HEError(f"{path} is {size} bytes, more than {MAX_CONTEXT_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise HEError(f"cannot read the TenSEAL context {path}: {exc.strerror}") from None
    return read_context(data, secret=secret, where=str(path))


@dataclass(frozen=True)
class SealedLayer:
    """One encrypted variable: its ciphertext bytes, shape and the weight applied."""

    name: str
    ciphertext: np.ndarray
    shape: tuple[int, ...]
    weight: float

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def is_companion(name: str) -> bool:
    return name.endswith(SEAL_SUFFIX)


def sealed_names(weights: Mapping[str, Any]) -> list[str]:
    """The variables of ``weights`` that are sealed (their companion is there too)."""
    return [
        name[: -len(SEAL_SUFFIX)]
        for name in weights
        if is_companion(name) and name[: -len(SEAL_SUFFIX)] in weights
    ]


def _companion(shape: tuple[int, ...], weight: float) -> np.ndarray:
    return np.array([weight, len(shape), *shape], dtype=np.float64)


def read_sealed(weights: Mapping[str, Any], name: str) -> SealedLayer:
    """The sealed layer ``name`` of ``weights``, its companion checked (it came from
    the network or a file): a finite weight >= 0, a whole shape, uint8 ciphertext."""
    data = np.asarray(weights.get(name))
    info = np.asarray(weights.get(name + SEAL_SUFFIX))
    if data.dtype != np.uint8 or data.ndim != 1 or data.size == 0:
        raise HEError(f"sealed {name!r} is not a non-empty uint8 byte string")
    if info.dtype != np.float64 or info.ndim != 1 or not 2 <= info.size <= 34:
        raise HEError(f"{name + SEAL_SUFFIX!r} is not [weight, ndim, *shape] as float64")
    if not np.isfinite(info).all():
        raise HEError(f"{name + SEAL_SUFFIX!r} holds NaN or infinity")
    weight, ndim, dims = float(info[0]), info[1], info[2:]
    if weight < 0 or ndim != dims.size or (dims < 0).any() or (dims != np.floor(dims)).any():
        raise HEError(f"{name + SEAL_SUFFIX!r} is not [weight >= 0, ndim, *shape]")
    shape = tuple(int(d) for d in dims)
    if math.prod(shape) > MAX_VALUES:
        raise HEError(f"sealed {name!r} claims more than {MAX_VALUES} values")
    return SealedLayer(name, data, shape, weight)


def vector_of(context: Any, layer: SealedLayer) -> CipherVector:
    """The ciphertexts of a sealed layer under ``context``, their count checked against
    its shape (:mod:`.seal`)."""
    try:
        return engine_of(context).load(layer.ciphertext, layer.size)
    except HEError as exc:
        raise HEError(
            f"sealed {layer.name!r} is not a CKKS vector of this context: {exc}"
        ) from None


def pack(
    name: str, vector: CipherVector, shape: tuple[int, ...], weight: float
) -> dict[str, np.ndarray]:
    """The two arrays of a sealed layer (see the module docstring)."""
    data = np.frombuffer(vector.serialize(), dtype=np.uint8)
    return {name: data, name + SEAL_SUFFIX: _companion(shape, weight)}


def seal_layer(context: Any, name: str, array: Any, weight: float) -> dict[str, np.ndarray]:
    """Encrypt ``weight * array`` as the sealed layer ``name``."""
    values = np.asarray(array, dtype=np.float64).reshape(-1)
    if weight != 1.0:
        values = values * weight
    try:
        vector = engine_of(context).encrypt(values)
    except HEError as exc:
        raise HEError(f"{name!r}: {exc}") from None
    return pack(name, vector, tuple(np.shape(array)), weight)


def open_layer(context: Any, layer: SealedLayer, dtype: Any = np.float32) -> np.ndarray:
    """Decrypt a sealed layer with a secret context: ``values / weight`` in its shape."""
    if not context.is_private():
        raise HEError("this context holds no secret key: it cannot decrypt")
    if layer.weight <= 0:
        raise HEError(f"sealed {layer.name!r} has weight 0: nothing to decrypt")
    values = vector_of(context, layer).decrypt()
    values /= layer.weight
    return values.reshape(layer.shape).astype(dtype)


def ciphertext_nbytes(context: Any, values: int) -> int:
    """An upper bound of the serialised size of ``values`` encrypted (for frame budgets)."""
    engine = engine_of(context)
    return engine.count(values) * engine.max_ciphertext_bytes + 4096
