"""One row per crawl of one source: the history of what was fetched and what failed.

Kept in the warehouse (not only in Prefect's database) so analysts can see, next to a dip
in volume, that the source was down that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import duckdb
import pyarrow as pa


@dataclass(frozen=True)
class CrawlRun:
    flow_run_id: str | None
    source: str
    brand: str
    url: str
    started_at: datetime
    finished_at: datetime
    status: str  # 'ok', 'failed' or 'skipped'
    pages: int | None
    items_scraped: int | None
    items_new: int | None
    items_seen: int | None
    items_dropped: int | None
    error: str | None
    note: str | None = None  # e.g. a backfill cut at max_pages (migration 032)


def record_crawl_runs(con: duckdb.DuckDBPyConnection, runs: Sequence[CrawlRun]) -> None:
    if not runs:
        return
    table = pa.Table.from_pylist([asdict(r) for r in runs])
    columns = ", ".join(table.column_names)
    con.register("incoming_runs", table)
    try:
        con.execute(f"INSERT INTO crawl_runs ({columns}) SELECT {columns} FROM incoming_runs")
    finally:
        con.unregister("incoming_runs")
