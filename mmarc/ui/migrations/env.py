"""Alembic's environment, run by Alembic as a file (package data, never imported).

It migrates over the connection :func:`mmarc.ui.db.open_database` hands over
(``config.attributes["connection"]``), so no ``alembic.ini`` is needed.
"""

from __future__ import annotations

from alembic import context

from mmarc.ui.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
