"""One row per crawl of one source: the history of what was fetched and what failed.

Kept in the warehouse (not only in Prefect's database) so analysts can see, next to a dip
in volume, that the source was down that day.

Also each source's watermark (``source_watermarks``): the start time of its last crawl that
got to its end (no failed page, paging reached the previous watermark's reviews or the last
page). Everything published before it is stored, so the next crawl may stop paging there; a
crawl that failed halfway does not move it, so the one after it pages on past the ids the
failed crawl stored and fetches the pages it missed.
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
    status: str  # 'ok', 'degraded' (format drift), 'failed' or 'skipped'
    pages: int | None
    items_scraped: int | None
    items_new: int | None
    items_seen: int | None
    items_dropped: int | None
    error: str | None
    #: The crawl reached its end (see ``source_watermarks``); not a column of crawl_runs.
    complete: bool = False
    note: str | None = None  # e.g. a backfill cut at max_pages (migration 032)


def record_crawl_runs(con: duckdb.DuckDBPyConnection, runs: Sequence[CrawlRun]) -> None:
    """Append the runs and move the watermark of each source whose crawl was complete."""
    if not runs:
        return
    rows = [asdict(r) for r in runs]
    for row in rows:
        del row["complete"]
    table = pa.Table.from_pylist(rows)
    columns = ", ".join(table.column_names)
    con.register("incoming_runs", table)
    try:
        con.execute(f"INSERT INTO crawl_runs ({columns}) SELECT {columns} FROM incoming_runs")
    finally:
        con.unregister("incoming_runs")
    for run in runs:
        if run.complete and run.status == "ok":
            con.execute(
                """
                INSERT INTO source_watermarks (source, brand, complete_through, updated_at) VALUES (?, ?, ?, now())
                ON CONFLICT (source, brand) DO UPDATE SET
                    complete_through = greatest(source_watermarks.complete_through, excluded.complete_through),
                    updated_at = excluded.updated_at
                """,
                [run.source, run.brand, run.started_at],
            )


def source_watermark(con: duckdb.DuckDBPyConnection, source: str, brand: str) -> datetime | None:
    """Start of the source's last complete crawl; None before its first (then crawls page to the end)."""
    found = con.execute(
        "SELECT complete_through FROM source_watermarks WHERE source = ? AND brand = ?", [source, brand]
    ).fetchall()
    return found[0][0] if found else None
