"""Finding stored rows of ``mentions`` and ``current_scores`` by ``mention_id`` without an index.

The two tables have no primary-key index (migration 041): an ART index over md5 ids made
every day's write cost more as the history grew (docs/operations.md). Each row carries
``id_hash``, the low 64 bits of ``md5(mention_id)``, written with the row. A lookup scans
that one integer column (a hash join against the few ids wanted: ~0.1 s at 10 million rows,
where the 32-character ids take ~1 s), then reads the candidate rows by ``rowid`` (DuckDB
reads only the row groups those rowids fall in) and keeps the ones whose ``mention_id``
really matches, so a hash collision never merges two reviews. Rows written past the loader
without ``id_hash`` (a hand-written INSERT) are still found: rows with a NULL ``id_hash``
are always candidates, and DuckDB skips every row group without NULLs by its statistics.

Writers keep each id once by looking up before writing, inside one transaction, with one
writer at a time (DuckDB's file lock, the run lock).
"""

from __future__ import annotations

import duckdb

KEYED_TABLES = ("mentions", "current_scores")


def id_hash_sql(column: str) -> str:
    """The ``id_hash`` of a ``mention_id`` expression (md5 is the same in every DuckDB version)."""
    return f"md5_number_lower({column})"


def find_stored(con: duckdb.DuckDBPyConnection, table: str, wanted: str, into: str, columns: str = "") -> int:
    """Create temp table ``into`` (``mention_id``, ``rid`` = rowid, then ``columns``: extra
    select items over alias ``t``) with the rows of ``table`` whose ``mention_id`` is in the
    table or view ``wanted``. Returns the number of rows found."""
    if table not in KEYED_TABLES:
        raise ValueError(f"{table} is not looked up by id_hash")
    # Three statements: DuckDB prunes the last scan by rowid only when the candidates are a table.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {into}_wanted AS
                    SELECT DISTINCT mention_id, {id_hash_sql("mention_id")} AS id_hash FROM {wanted}""")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {into}_candidates AS
            SELECT t.rowid AS rid FROM {table} AS t SEMI JOIN {into}_wanted USING (id_hash)
            UNION ALL
            SELECT t.rowid FROM {table} AS t WHERE t.id_hash IS NULL"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {into} AS
            SELECT t.mention_id, t.rowid AS rid {"," if columns else ""} {columns}
            FROM {table} AS t
            WHERE t.rowid IN (SELECT rid FROM {into}_candidates)
              AND t.mention_id IN (SELECT mention_id FROM {into}_wanted)"""
    )
    con.execute(f"DROP TABLE {into}_wanted")
    con.execute(f"DROP TABLE {into}_candidates")
    return int(con.execute(f"SELECT count(*) FROM {into}").fetchall()[0][0])
