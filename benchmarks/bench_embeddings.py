"""What keeping the sentence embeddings adds to the scoring step: the daily run's scoring
(``flows.steps.score_pending``: pending texts, model, store) on N demo reviews, with
``store_embeddings`` off and on, alternating, each on a fresh copy of the same warehouse.

The texts are the demo site's reviews (klantstem/demo), loaded as the crawl would. Prints
seconds per run, the median overhead and the CPU. Not a timed test; the goal is at most 25%.

    python benchmarks/bench_embeddings.py                 # 1,000 texts, 3 rounds
    python benchmarks/bench_embeddings.py --texts 2000 --rounds 2
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

from flows import steps
from klantstem.config import parse_config
from sentiment.models import bf16_native, choose_precision
from sentiment.registry import REGISTRY, DEFAULT_MODEL
from tests.meaning_helpers import demo_rows
from tests.warehouse_helpers import table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate


def cpu() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return (f"{model}; native bf16: {bf16_native()}; scorer precision here: "
            f"{choose_precision(None, REGISTRY[DEFAULT_MODEL])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"CPU: {cpu()}")
    with tempfile.TemporaryDirectory(prefix="klantstem-bench-") as tmp:
        base = Path(tmp) / "base.duckdb"
        with connect(base) as con:
            migrate(con)
            upsert_mentions(con, table(*demo_rows(date(2026, 11, 20), args.texts)))
        configs = {}
        for keep in (False, True):
            configs[keep] = parse_config(
                f'[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "run.duckdb"\n'
                f"[sentiment]\nstore_embeddings = {'true' if keep else 'false'}\n", base=Path(tmp))
        scorer = steps.configured_scorer(configs[False])
        scorer.score(["Opwarmen van het model."])
        steps.configured_scorer = lambda config: scorer  # one loaded model for every run
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for keep in (False, True):
                shutil.copy(base, Path(tmp) / "run.duckdb")
                t0 = time.perf_counter()
                summary = steps.score_pending(configs[keep])
                times[keep].append(time.perf_counter() - t0)
                with connect(Path(tmp) / "run.duckdb", read_only=True) as con:
                    vectors = con.execute("SELECT count(*) FROM text_embeddings").fetchall()[0][0]
                print(f"  store_embeddings={str(keep).lower():<5} {summary.scored:,} texts in {times[keep][-1]:.1f} s "
                      f"({vectors:,} vectors stored)")
        off, on = statistics.median(times[False]), statistics.median(times[True])
        print(f"scoring step, median of {args.rounds}: {off:.1f} s without vectors, {on:.1f} s with "
              f"(+{100 * (on - off) / off:.1f}%)")


if __name__ == "__main__":
    main()
