"""``mmarc ui``: the federation in a browser, every run recorded in a database.

A server-rendered web application (FastAPI, Jinja2 templates, the CSS and the small
script shipped in the package) over one workspace: provision, download kits, upload an
MMAR, server and client settings, training, results, and the run records. It drives the
federation as an admin client through the admin service, with the logged-in admin's own
kit and rights. Importing this package needs the ``ui`` extra; the CLI imports it only
when ``mmarc ui`` runs.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args: object, **kwargs: object) -> object:
    """See :func:`mmarc.ui.app.create_app` (imported on first use)."""
    from mmarc.ui.app import create_app as _create_app

    return _create_app(*args, **kwargs)  # type: ignore[arg-type]
