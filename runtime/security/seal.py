"""CKKS at SEAL's level: what a sealed layer is made of, four times smaller than a TenSEAL vector.

Why not TenSEAL's ``CKKSVector``: it puts one real value in each of a ciphertext's N/2
slots and encrypts with the public key. The federation needs only two operations on
ciphertexts, adding them and multiplying them by a real constant, and both act on a
slot's real and imaginary parts alike, so this module puts two values in each complex
slot (N values per ciphertext: half the ciphertexts). A site holds the secret key, so it
encrypts *symmetrically*: about a third of the work of public-key encryption, and SEAL
then writes the ciphertext's uniformly random half as a 64-byte seed, which halves the
upload again. The server loads (expanding the seed), adds and scales ciphertexts with no
key at all; only a secret key decrypts.

TenSEAL's bindings of SEAL itself (``tenseal.sealapi``) do the work. The parameters and
the secret key come from the project's TenSEAL context (the kit files do not change),
copied at the data level, through SEAL's own serialisation, never by handing C++ objects
from one of TenSEAL's extension modules to the other. SEAL's ``save``/``load`` take a
path: they go through a private in-memory file (``memfd``) of the process.

The bytes of a sealed value list are the SEAL serialisations of its ciphertexts, one
after another; each starts with SEAL's 16-byte header, which holds its size. Ciphertext
``j`` holds values ``[j*N, (j+1)*N)``: the first N/2 as the real parts of its slots, the
next N/2 as the imaginary parts; the last one is padded with zeros.
"""

from __future__ import annotations

import os
import struct
import tempfile
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from mmarc.policy.he import HEError

__all__ = ["CKKSEngine", "CipherVector", "engine_of"]

#: SEAL's serialisation header: magic, header size, version major/minor, compression,
#: reserved, total size (little-endian).
_HEADER = struct.Struct("<HBBBBHQ")
_SEAL_MAGIC = 0xA15E


def _sealapi() -> Any:
    try:
        from tenseal import sealapi
    except ImportError:
        raise HEError("homomorphic encryption needs TenSEAL: pip install 'mmarc[he]'") from None
    return sealapi


class _Scratch:
    """The in-memory file SEAL's path-based save and load go through (one per process:
    a forked child makes its own, so processes never share one)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._keep: Any = None
        if hasattr(os, "memfd_create"):
            self.fd = os.memfd_create("mmarc-ckks", os.MFD_CLOEXEC)
            self.path = f"/proc/self/fd/{self.fd}"
        else:  # not Linux: a 0600 temporary file, removed when closed
            self._keep = tempfile.NamedTemporaryFile(prefix="mmarc-ckks-")  # noqa: SIM115
            self.fd, self.path = self._keep.fileno(), self._keep.name

    def read(self) -> bytes:
        return os.pread(self.fd, os.fstat(self.fd).st_size, 0)

    def write(self, data: bytes | memoryview) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)


_SCRATCH: _Scratch | None = None
_LOCK = threading.Lock()


def _scratch() -> _Scratch:
    global _SCRATCH
    if _SCRATCH is None or _SCRATCH.pid != os.getpid():
        _SCRATCH = _Scratch()
    return _SCRATCH


class CKKSEngine:
    """SEAL's objects for one TenSEAL context: encoder and evaluator always; encryptor
    and decryptor only when the context holds the secret key.

    Args:
        context: a TenSEAL CKKS context (a site's secret one or the server's public one).
    """

    def __init__(self, context: Any) -> None:
        seal = _sealapi()
        parms = context.seal_context().data.key_context_data().parms()
        self.degree = int(parms.poly_modulus_degree())
        primes = [int(modulus.value()) for modulus in parms.coeff_modulus()]
        ours = seal.EncryptionParameters(seal.SCHEME_TYPE.CKKS)
        ours.set_poly_modulus_degree(self.degree)
        ours.set_coeff_modulus([seal.Modulus(prime) for prime in primes])
        self.seal = seal.SEALContext(ours, True, seal.SEC_LEVEL_TYPE.TC128)
        if list(self.seal.first_parms_id()) != list(context.seal_context().data.first_parms_id()):
            raise HEError("the TenSEAL context's parameters could not be reproduced")
        self.slots = self.degree // 2
        self.scale = float(context.global_scale)
        self.encoder = seal.CKKSEncoder(self.seal)
        self.evaluator = seal.Evaluator(self.seal)
        self.first = list(self.seal.first_parms_id())
        self.last = list(self.seal.last_parms_id())
        data_primes = len(primes) - 1 if len(primes) > 1 else 1
        #: The largest serialised ciphertext accepted: two polynomials at the top data
        #: level, uncompressed, and SEAL's header and metadata.
        self.max_ciphertext_bytes = 2 * data_primes * self.degree * 8 + 1024
        self.encryptor: Any = None
        self.decryptor: Any = None
        if context.is_private():
            secret = seal.SecretKey()
            with _LOCK:
                scratch = _scratch()
                context.secret_key().data.save(scratch.path)
                secret.load(self.seal, scratch.path)
                scratch.write(b"")
            self.encryptor = seal.Encryptor(self.seal, secret)
            self.decryptor = seal.Decryptor(self.seal, secret)

    def count(self, values: int) -> int:
        """How many ciphertexts hold ``values`` values."""
        return max(1, -(-values // self.degree))

    def encrypt(self, values: np.ndarray) -> CipherVector:
        """Encrypt a flat float array (the secret context only)."""
        if self.encryptor is None:
            raise HEError("this context holds no secret key: a site encrypts, the server cannot")
        flat = np.asarray(values, dtype=np.float64).reshape(-1)
        if not np.isfinite(flat).all():
            raise HEError("the values hold NaN or infinity, which CKKS cannot encrypt")
        seal = _sealapi()
        blocks = np.zeros((self.count(flat.size), 2, self.slots))
        blocks.reshape(-1)[: flat.size] = flat
        plain = seal.Plaintext()
        seeded = []
        try:
            for block in blocks:
                self.encoder.encode((block[0] + 1j * block[1]).tolist(), self.scale, plain)
                seeded.append(self.encryptor.encrypt_symmetric(plain))
        except (ValueError, RuntimeError) as exc:  # values too large for the scale
            raise HEError(f"the values cannot be encrypted at this scale ({exc})") from None
        return CipherVector(self, seeded, flat.size)

    def times(self, ciphertext: Any, factor: float) -> Any:
        """``ciphertext * factor`` (a real constant), rescaled: one level down."""
        if list(ciphertext.parms_id()) == self.last:
            raise HEError("no level is left to multiply these ciphertexts")
        seal = _sealapi()
        plain = seal.Plaintext()
        self.encoder.encode(float(factor), ciphertext.parms_id(), self.scale, plain)
        product = seal.Ciphertext()
        self.evaluator.multiply_plain(ciphertext, plain, product)
        self.evaluator.rescale_to_next_inplace(product)
        return product

    def load(self, data: bytes | np.ndarray, values: int) -> CipherVector:
        """The ciphertexts of ``data`` (untrusted), which must hold ``values`` values."""
        if isinstance(data, bytes):
            view = memoryview(data)
        else:
            view = memoryview(np.ascontiguousarray(data, dtype=np.uint8).data).cast("B")
        want = self.count(values)
        pieces = self._split(view, want)
        seal = _sealapi()
        out = []
        with _LOCK:
            scratch = _scratch()
            for piece in pieces:
                scratch.write(piece)
                ciphertext = seal.Ciphertext()
                try:
                    ciphertext.load(self.seal, scratch.path)
                except (ValueError, RuntimeError, TypeError) as exc:
                    raise HEError(f"a ciphertext is not one of this context ({exc})") from None
                if ciphertext.size() != 2 or not ciphertext.is_ntt_form():
                    raise HEError("a ciphertext is not a fresh or rescaled CKKS ciphertext")
                out.append(ciphertext)
            scratch.write(b"")
        return CipherVector(self, out, values)

    def _split(self, view: memoryview, want: int) -> list[memoryview]:
        pieces: list[memoryview] = []
        offset = 0
        while offset < len(view):
            if len(pieces) == want:
                raise HEError(f"it holds more than the {want} ciphertext(s) its shape needs")
            if len(view) - offset < _HEADER.size:
                raise HEError("it ends inside a ciphertext's header")
            magic, header, _, _, _, _, size = _HEADER.unpack_from(view, offset)
            if magic != _SEAL_MAGIC or header != _HEADER.size:
                raise HEError(f"byte {offset} does not start a SEAL ciphertext")
            if not _HEADER.size < size <= self.max_ciphertext_bytes:
                raise HEError(
                    f"a ciphertext claims {size} bytes (at most {self.max_ciphertext_bytes})"
                )
            if offset + size > len(view):
                raise HEError("it ends inside a ciphertext")
            pieces.append(view[offset : offset + size])
            offset += size
        if len(pieces) != want:
            raise HEError(f"it holds {len(pieces)} ciphertext(s), its shape needs {want}")
        return pieces


class CipherVector:
    """Encrypted values: ciphertexts (fresh ones as SEAL's seeded form) and how many
    values they hold. ``+`` adds, ``* c`` multiplies by a real constant (one level)."""

    def __init__(self, engine: CKKSEngine, ciphertexts: Sequence[Any], values: int) -> None:
        self.engine = engine
        self.ciphertexts = list(ciphertexts)
        self.values = values

    def size(self) -> int:
        return self.values

    def _loaded(self) -> list[Any]:
        """Ciphertexts to compute on (a seeded one is loaded once, its seed expanded)."""
        if self.ciphertexts and not hasattr(self.ciphertexts[0], "parms_id"):
            self.ciphertexts = self.engine.load(self.serialize(), self.values).ciphertexts
        return self.ciphertexts

    def __add__(self, other: CipherVector) -> CipherVector:
        """The sum; a ciphertext a level above its partner is first multiplied by 1
        (one site's update scaled by the server and another's not end up alike)."""
        if other.values != self.values or other.engine is not self.engine:
            raise HEError("only ciphertexts of the same length and context add up")
        seal, engine = _sealapi(), self.engine
        out = []
        try:
            for left, right in zip(self._loaded(), other._loaded(), strict=True):
                while left.coeff_modulus_size() > right.coeff_modulus_size():
                    left = engine.times(left, 1.0)
                while right.coeff_modulus_size() > left.coeff_modulus_size():
                    right = engine.times(right, 1.0)
                total = seal.Ciphertext()
                engine.evaluator.add(left, right, total)
                out.append(total)
        except (ValueError, RuntimeError) as exc:  # another scale
            raise HEError(f"the ciphertexts cannot be added ({exc})") from None
        return CipherVector(engine, out, self.values)

    def __mul__(self, factor: float) -> CipherVector:
        try:
            out = [self.engine.times(ciphertext, factor) for ciphertext in self._loaded()]
        except (ValueError, RuntimeError) as exc:  # a zero factor, say
            raise HEError(f"the ciphertexts cannot be multiplied by {factor} ({exc})") from None
        return CipherVector(self.engine, out, self.values)

    def serialize(self) -> bytes:
        """SEAL's serialisations, one after another (see the module docstring)."""
        parts = []
        with _LOCK:
            scratch = _scratch()
            for ciphertext in self.ciphertexts:
                ciphertext.save(scratch.path)
                parts.append(scratch.read())
            scratch.write(b"")
        return b"".join(parts)

    def decrypt(self) -> np.ndarray:
        """The values (float64), with the secret context only."""
        engine = self.engine
        if engine.decryptor is None:
            raise HEError("this context holds no secret key: it cannot decrypt")
        seal = _sealapi()
        plain = seal.Plaintext()
        out = np.empty((len(self.ciphertexts), 2, engine.slots))
        for block, ciphertext in zip(out, self._loaded(), strict=True):
            engine.decryptor.decrypt(ciphertext, plain)
            slots = np.asarray(engine.encoder.decode_complex(plain))
            block[0], block[1] = slots.real, slots.imag
        return out.reshape(-1)[: self.values]


_ENGINES: weakref.WeakKeyDictionary[Any, CKKSEngine] = weakref.WeakKeyDictionary()


def engine_of(context: Any) -> CKKSEngine:
    """The engine of a TenSEAL context, made once per context object."""
    with _LOCK:
        engine = _ENGINES.get(context)
    if engine is None:
        engine = CKKSEngine(context)
        with _LOCK:
            _ENGINES[context] = engine
    return engine
