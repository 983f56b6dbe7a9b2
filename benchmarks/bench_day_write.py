"""Where writing one day goes as the history grows: a statement-by-statement profile of
``flows.steps.load_staged`` (the day's 9 staged files, fixed size) on warehouses of N synthetic
mentions. Not a timed test: run it by hand, e.g. at 1M and 10M mentions.

    python benchmarks/bench_day_write.py --mentions 1000000 --keep /tmp/day-write
    python benchmarks/bench_day_write.py --mentions 3000000 --keep /tmp/day-write
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402  (the same synthetic history and day)

from klantstem.config import load_config  # noqa: E402
from warehouse.connection import connect  # noqa: E402
from warehouse.load import upsert_mentions  # noqa: E402
from warehouse.migrate import migrate  # noqa: E402
from warehouse.staging import read_staging_file  # noqa: E402


class Timed:
    """A connection that adds up the seconds of each statement (by its first 60 characters)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.seconds = con, {}

    def execute(self, sql: str, *args: Any) -> Any:
        key = " ".join(sql.split())[:60]
        started = time.perf_counter()
        result = self.con.execute(sql, *args)
        self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--day-new", type=int, default=5000)
    parser.add_argument("--day-edits", type=int, default=500)
    parser.add_argument("--keep", type=Path, required=True, help="folder for the warehouses (a history is built once)")
    args = parser.parse_args()
    base = args.keep / f"n{args.mentions}"
    base.mkdir(parents=True, exist_ok=True)
    config_path = base / "monitor.toml"
    config_path.write_text("".join(f'[[brands]]\nname = "{b}"\n' for b in bench_scale.BRANDS)
                           + '[warehouse]\npath = "klantstem.duckdb"\nstaging_dir = "staging"\n', encoding="utf-8")
    history = base / "history.duckdb"
    if not history.exists():
        print(f"building {args.mentions:,} mentions of history (once) ...", flush=True)
        bench_scale.build_history(config_path, args.mentions, 730, 250_000, seed=7)
        shutil.move(base / "klantstem.duckdb", history)
    config = load_config(config_path)
    shutil.copy(history, config.warehouse.path)
    with connect(config.warehouse.path) as con:  # a history built by older code gets this code's schema
        started = time.perf_counter()
        if migrate(con):
            print(f"migrated the copy in {time.perf_counter() - started:.1f} s (once, not counted)")
    shutil.rmtree(config.warehouse.staging_dir, ignore_errors=True)
    rows = bench_scale.stage_day(config_path, np.random.default_rng(11), args.mentions, args.day_new, args.day_edits,
                                 args.mentions)
    started = time.perf_counter()
    with connect(config.warehouse.path) as con:
        timed = Timed(con)
        for file in sorted(config.warehouse.staging_dir.glob("*/*.jsonl")):
            upsert_mentions(timed, read_staging_file(file).table)  # type: ignore[arg-type]
        timed.execute("CHECKPOINT")  # what closing the connection does
    total = time.perf_counter() - started
    print(f"\nCPU: {cpu_model()} (float64, no bf16); load average {os.getloadavg()[0]:.1f}; "
          f"history {args.mentions:,} mentions; day {rows:,} rows in 9 files: {total:.2f} s")
    for key, seconds in sorted(timed.seconds.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {seconds:6.3f} s  {key}")


if __name__ == "__main__":
    main()
