"""Small DuckDB helpers shared by the insights modules (bulk inserts from Arrow)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

def insert_table(con: duckdb.DuckDBPyConnection, target: str, data: pa.Table,
                 extra: dict[str, str] | None = None) -> int:
    """Bulk ``INSERT INTO target (data's columns, extra's keys) SELECT ...`` in one statement;
    ``extra`` maps further target columns to SQL expressions (e.g. ``{"scored_at": "now()"}``)."""
    if data.num_rows == 0:
        return 0
    extra = extra or {}
    columns = [*data.column_names, *extra]
    values = [*data.column_names, *extra.values()]
    name = f"incoming_{target}"
    con.register(name, data)
    try:
        con.execute(f"INSERT INTO {target} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {name}")
    finally:
        con.unregister(name)
    return data.num_rows

def insert_rows(con: duckdb.DuckDBPyConnection, target: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                extra: dict[str, str] | None = None) -> int:
    """Insert Python rows through Arrow (never row by row)."""
    if not rows:
        return 0
    data = pa.Table.from_pylist([dict(zip(columns, r, strict=True)) for r in rows])
    return insert_table(con, target, data, extra)
