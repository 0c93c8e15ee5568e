"""Provisioning with homomorphic encryption: one CKKS context per project, split by role.

A project's ``he`` section (Clara 4.0: ``he: {lib: tenseal, config: {...}}``; NVFlare:
the ``HEBuilder`` in ``builders``) makes :func:`~.build.provision` create one TenSEAL
context and put it in the kits: every site's kit gets the full context with the secret
key (``client_context.tenseal``, mode 0600), the server's kit the public context only
(``server_context.tenseal``, serialised without the secret key). Both are listed in the
kit's signed manifest like every other file. Admin kits get neither.

The context is kept in the workspace's private folder (``.project/he_context.tenseal``)
so that provisioning again (a new site) keeps the key that sealed the saved global
model; ``rotate_keys`` or changed settings make a new one (and say so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmarc.policy.he import he_params as read_he_params

from ..security.ckks import (
    CLIENT_CONTEXT,
    SERVER_CONTEXT,
    CKKSParams,
    HEError,
    new_context,
    public_context_bytes,
    read_context,
    secret_context_bytes,
)
from . import keys as keystore
from .kit import Role
from .project import ProvisionError

__all__ = [
    "context_file",
    "he_params",
    "project_context",
    "run_contexts",
    "write_context",
]

#: The workspace's copy of the project context (secret).
PROJECT_CONTEXT = "he_context.tenseal"
PROJECT_PARAMS = "he_params.json"


def he_params(plain: Mapping[str, Any]) -> CKKSParams | None:
    """The CKKS settings of a project file's content, or None without HE
    (:func:`mmarc.policy.he.he_params`, which ``validate`` reports as F008); a bad
    setting is a :class:`ProvisionError` naming where it is."""
    try:
        return read_he_params(plain)
    except HEError as exc:
        where = "/".join(str(part) for part in exc.parts)
        raise ProvisionError(f"{where}: {exc}" if where else str(exc)) from None


def context_file(role: Role) -> str | None:
    """The context file a kit of ``role`` carries under HE (admins: none)."""
    return {"server": SERVER_CONTEXT, "client": CLIENT_CONTEXT}.get(role)


def project_context(workspace: Path, params: CKKSParams, *, rotate: bool) -> tuple[Any, str]:
    """The project's secret context: kept from the last run or new; (context, status)."""
    folder = keystore.private_dir(workspace / keystore.PROJECT_DIR)
    path, settings = folder / PROJECT_CONTEXT, folder / PROJECT_PARAMS
    wanted = json.dumps(
        {
            "poly_modulus_degree": params.poly_modulus_degree,
            "coeff_mod_bit_sizes": list(params.coeff_mod_bit_sizes),
            "scale_bits": params.scale_bits,
        },
        sort_keys=True,
    )
    if path.exists() and not rotate:
        same = settings.is_file() and settings.read_text(encoding="utf-8") == wanted
        if same:
            try:
                data = keystore.read_private(path)
                return read_context(data, secret=True, where=str(path)), "kept"
            except HEError as exc:
                raise ProvisionError(str(exc)) from None
    status = "rotated" if path.exists() else "new"
    try:
        context = new_context(params)
        keystore.write_private(path, secret_context_bytes(context))
    except HEError as exc:
        raise ProvisionError(str(exc)) from None
    keystore.write_private(settings, wanted.encode())
    return context, status


def write_context(staging: Path, role: Role, context: Any) -> str | None:
    """Put the ``role``'s part of the context into a kit being built; its file name."""
    name = context_file(role)
    if name == SERVER_CONTEXT:
        (staging / name).write_bytes(public_context_bytes(context))
    elif name == CLIENT_CONTEXT:
        keystore.write_private(staging / name, secret_context_bytes(context))
    return name


def run_contexts(folder: Path, params: CKKSParams | None = None) -> tuple[Path, Path]:
    """Context files for a federation without kits (the simulator): ``folder`` gets the
    server's public context and the sites' secret one, made once and kept, so that a
    resumed run opens the encrypted global model it saved; (server file, client file)."""
    folder = keystore.private_dir(folder)
    server, client = folder / SERVER_CONTEXT, folder / CLIENT_CONTEXT
    if not (server.is_file() and client.is_file()):
        try:
            context = new_context(params or CKKSParams())
        except HEError as exc:
            raise ProvisionError(str(exc)) from None
        keystore.write_private(client, secret_context_bytes(context))
        keystore.write_private(server, public_context_bytes(context))
    return server, client
