"""Report generation time for a synthetic warehouse of N mentions (default 1,000,000).

Builds the warehouse once (mentions, sentiment scores, aspect tags with their own sentiment,
content terms, survey answers, key drivers, alerts: what the real pipeline fills), then
times `klantstem report` as a user runs it (a fresh process: start-up, DuckDB queries, page
written) and the in-process report, and prints seconds. The target is under 10 s for 1M.

    python benchmarks/bench_report.py                      # 1,000,000 mentions over 2 years
    python benchmarks/bench_report.py --mentions 100000 --days 365 --keep /tmp/bench.duckdb
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from report.build import write_report
from report.data import BrandInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the synthetic data lives with the tests
from tests.synthetic_warehouse import SourceSpec, build_warehouse

BRANDS = (
    ("Snelkoop", True, 0.34, 0.20),
    ("Winkelwagen", False, 0.22, 0.15),
    ("Bestelhuis", False, 0.18, 0.30),
    ("Pakjesplein", False, 0.14, 0.22),
    ("Koopgoed", False, 0.12, 0.18),
)
SOURCES = (
    (SourceSpec("trustpilot", "review", 5), 0.40),
    (SourceSpec("kiyoh", "review", 10), 0.20),
    (SourceSpec("google", "review", 5), 0.20),
    (SourceSpec("webwinkelkeur", "review", 10), 0.10),
    (SourceSpec("forum", "post", None), 0.10),
)
END = date(2026, 11, 24)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730, help="history length (default two years)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each kind (default 3)")
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the warehouse here")
    parser.add_argument("--bucket", choices=("day", "week"), default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="klantstem-bench-") as tmp:
        path = args.keep or Path(tmp) / "bench.duckdb"
        if not path.exists():
            t0 = time.perf_counter()
            build_warehouse(path, mentions=args.mentions, days=args.days, end=END, brands=BRANDS, sources=SOURCES)
            print(f"built {args.mentions:,} mentions over {args.days} days in {time.perf_counter() - t0:.1f} s "
                  f"({path.stat().st_size / 1e6:.0f} MB)")
        out = Path(tmp) / "report.html"

        cli = []
        for _ in range(args.runs):
            cmd = [sys.executable, "-m", "klantstem.cli", "report", "--warehouse", str(path), "-o", str(out),
                   "--as-of", END.isoformat()] + (["--bucket", args.bucket] if args.bucket else [])
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            cli.append(time.perf_counter() - t0)

        brands = [BrandInfo(b[0], b[1]) for b in BRANDS]
        inproc, queries = [], []
        for _ in range(args.runs):
            result = write_report(path, out, brands=brands, as_of=END, bucket=args.bucket)
            inproc.append(result.seconds)
            queries.append(result.query_seconds)

        print(f"`klantstem report` (new process, end to end): median {statistics.median(cli):.2f} s, "
              f"runs {', '.join(f'{s:.2f}' for s in cli)}")
        print(f"write_report in process: median {statistics.median(inproc):.2f} s "
              f"(DuckDB queries {statistics.median(queries):.2f} s); page {result.size_bytes / 1e6:.1f} MB, "
              f"{result.mentions:,} mentions")
        notes = "; ".join(f"{k}: {v}" for k, v in result.notes.items())
        print(f"sections without data: {notes or 'none'}")
        verdict = "OK" if max(cli) < 10 else "TOO SLOW"
        print(f"target < 10 s for 1M mentions: {verdict} (slowest run {max(cli):.2f} s)")


if __name__ == "__main__":
    main()
