"""The warehouse as Parquet files, partitioned by day: readable by any engine.

``klantstem export parquet --out DIR`` writes one folder per dataset with Hive-style day
partitions (``DIR/mentions/day=2026-11-20/part-0.parquet``), which DuckDB, Spark, Trino,
Athena, BigQuery, Polars and pyarrow read as one table with a ``day`` column::

    SELECT * FROM read_parquet('DIR/mentions/*/*.parquet', hive_partitioning = true)

``--since DAY`` rewrites only the partitions from that day on (what a daily run changed), so
the cost of a nightly export grows with the new data, not with the history. Partitions are
written into a temporary folder and moved into place one by one, so a reader never sees a
half-written day. Nothing secret is in the warehouse, so nothing secret is exported: authors
are pseudonyms and delivery targets are stored as ``scheme:hash``.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

# dataset -> SELECT with a ``day`` column; {where} restricts it to the exported days.
DATASETS: dict[str, str] = {
    "mentions": "SELECT * FROM mentions_scored WHERE TRUE {where}",
    "sentiment_scores": (
        "SELECT s.*, ms.day FROM sentiment_scores AS s "
        "JOIN (SELECT mention_id, day FROM mentions_scored WHERE TRUE {where}) AS ms USING (mention_id)"
    ),
    "daily_sentiment": "SELECT * FROM daily_sentiment WHERE TRUE {where}",
    "crawl_runs": (
        "SELECT * FROM (SELECT *, amsterdam_day(started_at) AS day FROM crawl_runs) "
        "WHERE TRUE {where}"
    ),
}


@dataclass
class ExportResult:
    out: Path
    since: date | None
    rows: dict[str, int] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        parts = ", ".join(f"{name} {self.rows[name]:,} rows in {self.partitions[name]} day(s)" for name in self.rows)
        scope = f"days from {self.since}" if self.since else "all days"
        return f"{self.out}: {scope}: {parts} ({self.seconds:.1f} s)"


def _partitions(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.glob("day=*") if p.is_dir()} if folder.is_dir() else {}


def _day_of(partition: str) -> date:
    return date.fromisoformat(partition.removeprefix("day="))


def export_parquet(con: duckdb.DuckDBPyConnection, out: Path, since: date | None = None) -> ExportResult:
    """Write every dataset to ``out`` (read-only work on ``con``); see the module doc."""
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult(out, since)
    where = f"AND day >= DATE '{since.isoformat()}'" if since else ""  # a date, formatted by us
    for name, select in DATASETS.items():
        final = out / name
        staging = out / f".{name}.writing"
        shutil.rmtree(staging, ignore_errors=True)
        query = select.format(where=where)
        rows = con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
        if rows:
            con.execute(
                f"COPY ({query}) TO '{_sql_path(staging)}' "
                "(FORMAT parquet, PARTITION_BY (day), FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE true)"
            )
        written = _partitions(staging)
        final.mkdir(exist_ok=True)
        for partition, old in _partitions(final).items():  # days in range that have no rows now
            if partition not in written and (since is None or _day_of(partition) >= since):
                shutil.rmtree(old)
        for partition, new in written.items():
            target = final / partition
            if target.exists():
                retired = out / f".{name}.{partition}.old"
                shutil.rmtree(retired, ignore_errors=True)
                target.rename(retired)
                new.rename(target)
                shutil.rmtree(retired)
            else:
                new.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
        result.rows[name] = int(rows)
        result.partitions[name] = len(written)
    result.seconds = time.perf_counter() - started
    manifest = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "since": since.isoformat() if since else None,
        "datasets": {name: {"path": f"{name}/day=*/part-*.parquet", "rows_written": result.rows[name],
                            "partitions_written": result.partitions[name]} for name in DATASETS},
        "read_with": "SELECT * FROM read_parquet('<out>/mentions/*/*.parquet', hive_partitioning = true)",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return result


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
