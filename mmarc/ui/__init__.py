"""``mmarc ui``: the federation in a browser, every run recorded in a database.

A server-rendered web application (FastAPI, Jinja2 templates, the CSS and the small
script shipped in the package) over one workspace: provision, download kits, upload an
MMAR, server and client settings, training, results, and the run records. It drives the
federation as an admin client through the admin service, with the logged-in admin's own
kit and rights. The application factory is :func:`mmarc.ui.app.create_app`; importing it
needs the ``ui`` extra, so this package imports nothing itself and the CLI imports the
app only when ``mmarc ui`` runs.
"""

from __future__ import annotations

__all__: list[str] = []
