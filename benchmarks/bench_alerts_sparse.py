"""Calibration of the alerts for quiet brands: false alarms per brand-year and detection delay.

Synthetic three-year histories of one brand on one review site with a few organic reviews a
week (30% negative) and an invitation campaign of 4 invited reviews a day for three weeks
every five months (the mix of issue 17). Quiet histories measure false alarms (every new
sentiment or volume alert is one); histories with one injected organic deterioration of ten
weeks (the negative share rising to 30% + size) measure how soon the first sentiment alert
comes. Backtests replay a daily 06:00 run over the last 2.5 years with the default
``[alerts]`` settings. Not a timed test: run it by hand.

    python benchmarks/bench_alerts_sparse.py [--seeds 10]
"""

from __future__ import annotations

import argparse
import sys
import platform
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from alerts.backtest import backtest_history, run_times
from klantstem.config import AlertConfig
from warehouse.connection import connect
from warehouse.migrate import migrate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the synthetic data lives with the tests
from tests.synthetic_history import HistorySpec, Injection, InvitationCampaign, amsterdam, generate, write_history

START = date(2022, 1, 3)
DAYS = 3 * 365
FIRST_RUN = 180  # days of history before the first replayed run
SENTIMENT = ("negative_share", "rating_drop")


def _cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def _spec(per_day: float, seed: int, injections: tuple[Injection, ...]) -> HistorySpec:
    day = lambda n: amsterdam(START + timedelta(days=n))  # noqa: E731
    campaigns = tuple(InvitationCampaign("Kleinbank", day(d), day(d + 21), 4.0) for d in range(60, DAYS, 150))
    return HistorySpec(first_day=START, days=DAYS, brands=("Kleinbank",), sources=("trustpilot",), source_weights=(1.0,),
                       daily_volume=per_day, volume_cv=0.3, negative_share=0.3, invitations=campaigns,
                       injections=injections, seed=seed)


def _replay(spec: HistorySpec) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "wh.duckdb"
        with connect(db) as con:
            migrate(con)
            write_history(con, generate(spec))
        times = run_times(START + timedelta(days=FIRST_RUN), START + timedelta(days=DAYS - 1))
        result = backtest_history(db, AlertConfig(), times, None)
    return [e for e in result.notified if e.event == "new" and e.alert.rule in (*SENTIMENT, "volume")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    print(f"CPU: {_cpu()} (numpy/scipy in float64; no bf16 involved)")
    years = (DAYS - FIRST_RUN) / 365
    started = time.perf_counter()
    print(f"{'organic reviews/week':>20} {'case':<22} {'histories':>9} {'found':>6} {'median delay':>13} "
          f"{'p90 delay':>10} {'false alarms/brand-year':>24}")
    for per_day in (0.42, 1.0):
        alarms = sum(len(_replay(_spec(per_day, 100 + seed, ()))) for seed in range(args.seeds))
        print(f"{per_day * 7:>20.1f} {'no incident':<22} {args.seeds:>9} {'':>6} {'':>13} {'':>10} "
              f"{alarms / (years * args.seeds):>24.2f}")
        for size in (0.3, 0.4, 0.5):
            delays, false = [], 0
            for seed in range(args.seeds):
                start = amsterdam(START + timedelta(days=400 + 23 * seed), 0)
                end = start + timedelta(weeks=10)
                fired = _replay(_spec(per_day, seed, (Injection("negative", "Kleinbank", start, 24 * 70, 0.3 + size),)))
                hits = [e.evaluated_at for e in fired if e.alert.rule in SENTIMENT and start < e.evaluated_at <= end]
                false += sum(1 for e in fired if not start < e.evaluated_at <= end + timedelta(weeks=4))
                if hits:
                    delays.append((min(hits) - start).days)
            median = f"{statistics.median(delays):.0f} days" if delays else "-"
            p90 = f"{sorted(delays)[int(0.9 * (len(delays) - 1))]:.0f} days" if delays else "-"
            print(f"{per_day * 7:>20.1f} {f'+{size * 100:.0f} points for 10 weeks':<22} {args.seeds:>9} "
                  f"{len(delays):>6} {median:>13} {p90:>10} {false / (years * args.seeds):>24.2f}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
