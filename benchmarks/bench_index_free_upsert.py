"""What a day's upsert into ``mentions`` would cost without its primary-key index: the
groundwork for making a day's write independent of history (docs/operations.md).

Builds a table shaped like ``mentions``' key columns (md5 ``mention_id``, ``published_at``
spread over two years, loaded in time order) with and without ``PRIMARY KEY``, checkpoints,
reopens (as a daily run does) and times, for one day's 600 rows (500 new, 100 known):

* ``indexed``: ``INSERT ... ON CONFLICT DO UPDATE`` through the index (what the loader does);
* ``scan``: no index; the known rows found by a join on ``mention_id`` over the whole table,
  then ``UPDATE`` of those and plain ``INSERT`` of the rest (safe: finds a known row
  wherever its date moved);
* ``window``: the same join restricted to the batch's ``published_at`` range (zone maps skip
  the rest; misses a known row whose date moved out of the range, so not safe alone);
* the ``CHECKPOINT`` after each.

Not a timed test; run by hand:  python benchmarks/bench_index_free_upsert.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_day_write import cpu_model  # noqa: E402

DAY_NEW, DAY_KNOWN = 500, 100


def build(path: Path, rows: int, indexed: bool) -> None:
    with duckdb.connect(str(path)) as con:
        key = "PRIMARY KEY" if indexed else ""
        con.execute(f"CREATE TABLE m (mention_id VARCHAR {key}, published_at TIMESTAMPTZ, text VARCHAR)")
        con.execute(
            f"""INSERT INTO m SELECT md5(i::VARCHAR), TIMESTAMPTZ '2024-12-01' + to_seconds(i * (63072000 // {rows})),
                       'tekst ' || i FROM range({rows}) AS t(i) ORDER BY i"""
        )
        con.execute("CHECKPOINT")


def batch_sql(rows: int) -> str:
    """The day's rows: DAY_NEW new ones dated now, DAY_KNOWN re-crawled from the last day."""
    return f"""
        SELECT md5('new' || i::VARCHAR) AS mention_id, TIMESTAMPTZ '2026-11-30' + to_seconds(i) AS published_at,
               'nieuw' AS text FROM range({DAY_NEW}) AS t(i)
        UNION ALL
        SELECT md5(i::VARCHAR), TIMESTAMPTZ '2024-12-01' + to_seconds(i * (63072000 // {rows})), 'bewerkt'
        FROM range({rows - DAY_KNOWN}, {rows}) AS t(i)"""


def run(path: Path, rows: int, mode: str) -> tuple[float, float]:
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TEMP TABLE batch AS {batch_sql(rows)}")
        started = time.perf_counter()
        con.execute("BEGIN")
        if mode == "indexed":
            con.execute("INSERT INTO m SELECT * FROM batch ON CONFLICT (mention_id) DO UPDATE SET text = excluded.text")
        else:
            window = ("AND m.published_at BETWEEN (SELECT min(published_at) FROM batch) "
                      "AND (SELECT max(published_at) FROM batch)") if mode == "window" else ""
            con.execute(f"CREATE TEMP TABLE known AS SELECT b.* FROM batch b JOIN m USING (mention_id) WHERE TRUE {window}")
            con.execute("UPDATE m SET text = k.text FROM known k WHERE m.mention_id = k.mention_id")
            con.execute("INSERT INTO m SELECT * FROM batch ANTI JOIN known USING (mention_id)")
        con.execute("COMMIT")
        upsert = time.perf_counter() - started
        started = time.perf_counter()
        con.execute("CHECKPOINT")
        found = con.execute("SELECT count(*) FROM m").fetchall()[0][0]
        assert found == rows + DAY_NEW, (mode, found)
        return upsert, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}; load average {os.getloadavg()[0]:.1f}; {args.rows:,} rows; "
          f"day: {DAY_NEW} new + {DAY_KNOWN} known")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("indexed", "scan", "window"):
            path = Path(tmp) / f"{mode}.duckdb"
            build(path, args.rows, indexed=mode == "indexed")
            upsert, checkpoint = run(path, args.rows, mode)
            print(f"  {mode:<8} upsert {upsert * 1000:7.1f} ms   checkpoint {checkpoint * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
