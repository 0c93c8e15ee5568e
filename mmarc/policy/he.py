"""The homomorphic-encryption settings of ``project.yml``: one model for validate and runtime.

Why here: a project's ``he`` section (Clara 4.0's ``he: {lib: tenseal, config: {...}}``)
or NVIDIA FLARE's ``HEBuilder`` arguments decide the CKKS context every site and the
server will hold, and SEAL refuses most combinations (a degree it does not know, more
modulus bits than 128-bit security allows, a scale no level can hold). ``mmarc validate``
and ``lint`` report those at the value at fault (F008,
:mod:`mmarc.compiler.project_rules`), ``provision`` refuses exactly what they report, and
the runtime (:mod:`mmarc.runtime.security.ckks`, :mod:`mmarc.runtime.provision.he`) makes
its contexts from the same :class:`CKKSParams`. The compiler may not import the runtime,
so the model lives in :mod:`mmarc.policy`, which both may import; it is plain Python and
imports no TenSEAL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mmarc.errors import MmarcError

__all__ = [
    "HE_BUILDER",
    "HE_SETTINGS",
    "MAX_MODULUS_BITS",
    "CKKSParams",
    "HEError",
    "HEPointer",
    "he_params",
    "he_section",
]

#: The largest total of coefficient-modulus bits SEAL allows (128-bit security), by degree.
MAX_MODULUS_BITS = {4096: 109, 8192: 218, 16384: 438, 32768: 881}
#: The settings of Clara's ``he.config`` and NVFlare's ``HEBuilder`` arguments.
HE_SETTINGS = ("poly_modulus_degree", "coeff_mod_bit_sizes", "scale_bits", "scheme")
#: The class name of NVFlare's provisioning builder for HE (``...impl.he.HEBuilder``).
HE_BUILDER = "HEBuilder"
#: Bits of one coefficient modulus SEAL accepts, and how many moduli.
_MODULUS_BITS = (17, 60)
_MODULUS_COUNT = (2, 16)
#: The smallest CKKS scale (bits) worth encrypting with; the largest is below the moduli.
_MIN_SCALE_BITS = 20

#: A location inside project.yml: keys and list indexes from the root.
HEPointer = tuple[str | int, ...]


class HEError(MmarcError, ValueError):
    """Homomorphic encryption cannot go on: bad settings, a missing or wrong context, a
    sealed layer that does not parse.

    Args:
        message: what is wrong, on one line.
        key: the setting at fault, when one is (``scale_bits``...).
        parts: where in ``project.yml`` the setting is, when known (:func:`he_params`).
    """

    def __init__(self, message: str, key: str = "", parts: HEPointer = ()) -> None:
        super().__init__(message)
        self.key = key
        self.parts = parts


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class CKKSParams:
    """The CKKS settings of a project (defaults: Clara 4.0's ``project.yml``), checked
    against what SEAL accepts when made; :class:`HEError` names the setting at fault."""

    poly_modulus_degree: int = 8192
    coeff_mod_bit_sizes: tuple[int, ...] = (60, 40, 40)
    scale_bits: int = 40

    def __post_init__(self) -> None:
        degree = self.poly_modulus_degree
        if not _is_int(degree) or degree not in MAX_MODULUS_BITS:
            raise HEError(
                f"poly_modulus_degree {degree!r} is not one of {sorted(MAX_MODULUS_BITS)}",
                "poly_modulus_degree",
            )
        sizes = self.coeff_mod_bit_sizes
        low, high = _MODULUS_BITS
        if not _MODULUS_COUNT[0] <= len(sizes) <= _MODULUS_COUNT[1] or any(
            not _is_int(s) or not low <= s <= high for s in sizes
        ):
            raise HEError(
                f"coeff_mod_bit_sizes must list {_MODULUS_COUNT[0]} to {_MODULUS_COUNT[1]} "
                f"integers in [{low}, {high}]",
                "coeff_mod_bit_sizes",
            )
        if sum(sizes) > MAX_MODULUS_BITS[degree]:
            raise HEError(
                f"coeff_mod_bit_sizes add up to {sum(sizes)} bits; poly_modulus_degree "
                f"{degree} allows at most {MAX_MODULUS_BITS[degree]} (128-bit security)",
                "coeff_mod_bit_sizes",
            )
        scale = self.scale_bits
        if not _is_int(scale) or not _MIN_SCALE_BITS <= scale < max(sizes):
            raise HEError(
                f"scale_bits {scale!r} must be an integer in [{_MIN_SCALE_BITS}, {max(sizes)})",
                "scale_bits",
            )

    @classmethod
    def from_section(cls, section: Any) -> CKKSParams:
        """Read a project's ``he`` section: Clara 4.0's ``{lib: tenseal, config: {...}}``
        or NVFlare's HE builder arguments ``{poly_modulus_degree, ..., scheme}``."""
        if not isinstance(section, Mapping):
            raise HEError("he must be a mapping", "he")
        lib = section.get("lib", "tenseal")
        if lib != "tenseal":
            raise HEError(f"he.lib {lib!r} is not supported; use tenseal", "lib")
        config = section.get("config", section)
        if not isinstance(config, Mapping):
            raise HEError("he.config must be a mapping", "config")
        allowed = set(HE_SETTINGS) | ({"lib", "config"} if config is section else set())
        extra = sorted(str(k) for k in set(config) - allowed)
        if extra:
            raise HEError(
                f"unknown he setting {extra[0]!r}; known: {sorted(HE_SETTINGS)}", extra[0]
            )
        scheme = config.get("scheme", "CKKS")
        if scheme != "CKKS":
            raise HEError(f"he scheme {scheme!r} is not supported; use CKKS", "scheme")
        sizes = config.get("coeff_mod_bit_sizes", cls.coeff_mod_bit_sizes)
        if not isinstance(sizes, list | tuple):
            raise HEError("coeff_mod_bit_sizes must be a list", "coeff_mod_bit_sizes")
        return cls(
            poly_modulus_degree=config.get("poly_modulus_degree", cls.poly_modulus_degree),
            coeff_mod_bit_sizes=tuple(sizes),
            scale_bits=config.get("scale_bits", cls.scale_bits),
        )


def he_section(project: Mapping[str, Any]) -> tuple[Any, HEPointer] | None:
    """A project file's HE settings and where they are, or None without HE: Clara's
    ``he`` section, else the arguments of NVFlare's first ``HEBuilder``."""
    section = project.get("he")
    if section is not None:
        return section, ("he",)
    for index, builder in enumerate(project.get("builders") or []):
        if isinstance(builder, Mapping) and str(builder.get("path", "")).endswith(f".{HE_BUILDER}"):
            return builder.get("args") or {}, ("builders", index, "args")
    return None


def he_params(project: Mapping[str, Any]) -> CKKSParams | None:
    """The CKKS settings of a project file's content, or None without HE.

    Raises :class:`HEError` whose ``parts`` locate the bad value in the file (the
    setting itself where it is written, else the mapping it is missing from).
    """
    found = he_section(project)
    if found is None:
        return None
    section, parts = found
    try:
        return CKKSParams.from_section(section)
    except HEError as exc:
        raise HEError(str(exc), exc.key, _where(section, parts, exc.key)) from None


def _where(section: Any, parts: HEPointer, key: str) -> HEPointer:
    if not isinstance(section, Mapping) or not key:
        return parts
    config = section.get("config")
    if key in section:
        return (*parts, key)
    if isinstance(config, Mapping):  # the setting, or the mapping it is missing from
        return (*parts, "config", key) if key in config else (*parts, "config")
    return parts
