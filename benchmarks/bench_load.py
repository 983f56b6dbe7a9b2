"""Load throughput: staged JSONL -> validated Arrow -> DuckDB upsert, for N mentions.

Prints rows/s for each stage, for a first load (all new) and a re-load of the same rows
(all updates: what an idempotent re-run costs). Not a timed test: run it by hand.

    python benchmarks/bench_load.py            # 100,000 mentions
    python benchmarks/bench_load.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.staging import read_staging_file

WORDS = "bezorging pakket klantenservice retour prijs kwaliteit snel traag vriendelijk kapot netjes nooit".split()


def write_staging(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            rating = rng.randint(1, 5)
            published = start + timedelta(minutes=rng.randrange(60 * 24 * 300))
            handle.write(
                json.dumps(
                    {
                        "source": rng.choice(["trustpilot", "webshop-reviews"]),
                        "brand": rng.choice(["Snelkoop", "Winkelwagen", "Bestelhuis"]),
                        "external_id": f"r{i:08d}",
                        "url": f"https://nl.trustpilot.com/reviews/r{i:08d}",
                        "kind": "review",
                        "published_at": published.isoformat(),
                        "title": " ".join(rng.choices(WORDS, k=3)),
                        "text": " ".join(rng.choices(WORDS, k=rng.randint(8, 60))),
                        "rating": rating, "rating_min": 1, "rating_max": 5,
                        "rating_normalised": (rating - 1) / 4,
                        "language": "nl",
                        "author": f"{rng.getrandbits(64):016x}",
                        "reply": None,
                        "fetched_at": (published + timedelta(days=1)).isoformat(),
                    }
                )
                + "\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "bench.jsonl"
        write_staging(staged, args.rows)
        db = Path(tmp) / "bench.duckdb"
        with connect(db) as con:
            migrate(con)

        t0 = time.perf_counter()
        batch = read_staging_file(staged)
        t_parse = time.perf_counter() - t0
        print(f"rows: {args.rows:,} ({staged.stat().st_size / 1e6:.0f} MB JSONL)")
        print(f"read + validate JSONL -> Arrow: {t_parse:6.2f} s  {args.rows / t_parse:>10,.0f} rows/s")
        for label in ("upsert, all new", "upsert again, all updates"):
            with connect(db) as con:
                t0 = time.perf_counter()
                result = upsert_mentions(con, batch.table)
                elapsed = time.perf_counter() - t0
            print(f"{label + ':':<31} {elapsed:6.2f} s  {args.rows / elapsed:>10,.0f} rows/s  (new={result.new:,}, updated={result.updated:,})")
        with connect(db, read_only=True) as con:
            stored = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
        print(f"stored mentions: {stored:,} (each once)")


if __name__ == "__main__":
    main()
