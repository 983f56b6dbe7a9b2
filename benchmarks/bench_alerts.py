"""Alert detection time over a synthetic history of N mentions (default 1,000,000).

Builds a year of mentions for three brands on two sources with weekly seasonality and a
few injected incidents, loads it into a fresh DuckDB warehouse (mentions + scores), then
times what the daily flow does (``run_alerts``: one evaluation with state, details and
bookkeeping, no delivery) and a full-year backtest. Not a timed test: run it by hand.

    python benchmarks/bench_alerts.py
    python benchmarks/bench_alerts.py --rows 200000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from alerts.backtest import backtest
from alerts.engine import history_range
from alerts.history import load_history
from alerts.pipeline import run_alerts
from klantstem.config import parse_config
from warehouse.connection import connect
from warehouse.migrate import migrate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the synthetic data lives with the tests
from tests.synthetic_history import HistorySpec, Injection, LevelShift, amsterdam, generate, write_history

BRANDS = ("Snelkoop", "Winkelwagen", "Bestelhuis")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    first = date(2025, 11, 24)
    last = first + timedelta(days=args.days - 1)
    per_day = args.rows / (args.days * len(BRANDS) * 1.6 * 0.97)  # 1.6: source weights, 0.97: mean weekly factor
    spec = HistorySpec(
        first_day=first, days=args.days, brands=BRANDS, daily_volume=per_day, weekend_negative_share=0.18,
        injections=(
            Injection("negative", "Snelkoop", amsterdam(last - timedelta(days=1), 20), 10, 0.6),  # the night before the run
            Injection("volume", "Winkelwagen", amsterdam(first + timedelta(days=200)), 24, 3.0),
            Injection("rating", "Bestelhuis", amsterdam(first + timedelta(days=250)), 24, 0.6, source="trustpilot"),
        ),
        level_shifts=(LevelShift("Bestelhuis", amsterdam(first + timedelta(days=300)), 0.3),),
    )
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(
            "".join(f'[[brands]]\nname = "{b}"\n' for b in BRANDS) + '[warehouse]\npath = "wh.duckdb"\n', base=Path(tmp)
        )
        t0 = time.perf_counter()
        table = generate(spec)
        t1 = time.perf_counter()
        with connect(config.warehouse.path) as con:
            migrate(con)
            write_history(con, table)
        t2 = time.perf_counter()
        print(f"mentions: {table.num_rows:,} over {args.days} days, {len(BRANDS)} brands x 2 sources")
        print(f"generate: {t1 - t0:.2f} s, load into DuckDB: {t2 - t1:.2f} s")

        at = amsterdam(last, 6)  # the morning run on the last day
        with connect(config.warehouse.path, read_only=True) as con:
            t3 = time.perf_counter()
            load_history(con, *history_range(config.alerts, at, at))
            t4 = time.perf_counter()
        print(f"hourly history for one run (baseline + windows): {t4 - t3:.2f} s")

        t5 = time.perf_counter()
        result = run_alerts(config, at, deliver=False)
        t6 = time.perf_counter()
        print(f"alert detection (run_alerts, one daily run incl. details and bookkeeping): {t6 - t5:.2f} s "
              f"-> {len(result.notified)} event(s) to message, {result.messages} message(s)")
        t7 = time.perf_counter()
        replay = backtest(config, first + timedelta(days=30), last)  # every morning after the first month
        t8 = time.perf_counter()
        print(f"backtest over {len(replay.runs)} daily runs: {t8 - t7:.2f} s "
              f"-> {len(replay.episodes)} alert(s), {replay.messages} message(s)")


if __name__ == "__main__":
    main()
