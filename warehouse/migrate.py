"""Versioned schema migrations and the analysts' views.

Migrations (``migrations/NNN_name.sql``) run once each, in order, inside a transaction, and
are recorded in ``schema_migrations``; they only ever add (041 rebuilds two tables, keeping every
row and column, to drop their key indexes). Views (``views/*.sql``) are plain
``CREATE OR REPLACE VIEW`` statements re-applied on every run, so a changed view definition
reaches the warehouse with the code that needs it and analysts can read the SQL as-is.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import duckdb

from warehouse import incremental
from warehouse.connection import transaction

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def _sql_files(folder: str) -> list[Traversable]:
    root = resources.files("warehouse").joinpath(folder)
    return sorted((f for f in root.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)


def available_migrations() -> list[Migration]:
    migrations = []
    for file in _sql_files("migrations"):
        match = _MIGRATION_NAME.match(file.name)
        if not match:
            raise ValueError(f"warehouse/migrations/{file.name}: name must look like 001_what_it_does.sql")
        migrations.append(Migration(int(match[1]), match[2], file.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"warehouse/migrations: duplicate version numbers in {versions}")
    return migrations


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"""
    )
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply pending migrations, then (re)create the views. Returns the migrations applied."""
    done = applied_versions(con)
    applied = []
    for migration in available_migrations():
        if migration.version in done:
            continue
        log.info("applying migration %03d_%s", migration.version, migration.name)
        with transaction(con):
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [migration.version, migration.name]
            )
        applied.append(migration)
    refresh_views(con)
    # Tables kept up to date by loads and scoring (migration 004): filled on first use, and
    # rebuilt when rows were written past them since the last run (reads the views above).
    incremental.ensure_in_sync(con)
    return applied


def refresh_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Re-apply every view definition; returns the view files applied."""
    names = []
    for file in _sql_files("views"):
        con.execute(file.read_text(encoding="utf-8"))
        names.append(file.name)
    return names
