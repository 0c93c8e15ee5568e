"""Alembic migrations of the UI database, shipped as package data and applied on start."""
