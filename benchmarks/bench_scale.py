"""Scale: does a daily run cost more as the history grows? (1M and 10M synthetic mentions)

Builds a warehouse of N synthetic mentions over two years through the real write paths
(``upsert_mentions`` and ``store_scores`` in chunks, as if loaded day by day), then measures
one more day as the daily run does it:

* load:    that day's staged JSONL files through ``flows.steps.load_staged``
* score:   ``pending_texts`` + ``store_scores`` for the new and edited texts (synthetic scores:
           the model's own speed does not depend on history, see bench_scoring.py)
* views:   ``refresh_views`` and reading ``daily_sentiment`` (last 30 days, and all of it)
* alerts:  ``alerts.pipeline.run_alerts`` (history, rules, episodes, details; no delivery URLs)
* dashboard: the README's analyst queries and the run summary's brand lines

The read side is measured twice: on the incrementally maintained tables (migration 004), and
with the views forced onto the old computation from the base tables (``before``), which is
what every query cost before. Not a timed test: run it by hand.

    python benchmarks/bench_scale.py --mentions 1000000
    python benchmarks/bench_scale.py --mentions 10000000 --chunk 500000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows import steps
from klantstem.config import load_config
from warehouse import incremental
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores
from warehouse.staging import MENTION_SCHEMA

AS_OF = date(2026, 11, 24)  # the day being "run"; history ends the day before
BRANDS = ["Snelkoop", "Winkelwagen", "Bestelhuis"]
SOURCES = ["trustpilot", "kiyoh", "appstore"]
WORDS = ("bezorging pakket klantenservice retour prijs kwaliteit snel traag vriendelijk kapot netjes nooit "
         "levering bestelling betaling app website korting terugbetaling wachttijd medewerker").split()
MODEL = "bench-model"
LABELS = np.array(["neg", "neu", "pos"])


def texts_pool(rng: np.random.Generator, size: int = 2000) -> pa.Array:
    return pa.array([" ".join(rng.choice(WORDS, rng.integers(8, 40))) for _ in range(size)])


def mentions_table(rng: np.random.Generator, pool: pa.Array, first_id: int, published: np.ndarray) -> pa.Table:
    """Mentions with ids ``first_id...``, published at ``published`` (epoch seconds, sorted)."""
    n = len(published)
    ids = np.arange(first_id, first_id + n)
    rating = rng.integers(1, 6, n).astype(float)
    ts = pa.array((published * 1_000_000).astype(np.int64), type=pa.timestamp("us", tz="UTC"))
    return pa.table(
        {
            "source": pa.array(np.array(SOURCES)[rng.integers(0, len(SOURCES), n)]),
            "external_id": pa.array(np.char.add("r", ids.astype(str))),
            "brand": pa.array(np.array(BRANDS)[rng.integers(0, len(BRANDS), n)]),
            "kind": pa.array(np.full(n, "review")),
            "url": pa.nulls(n, pa.string()),
            "published_at": ts,
            "title": pc.take(pool, pa.array(rng.integers(0, 50, n))),
            "text": pc.take(pool, pa.array(rng.integers(0, len(pool), n))),
            "rating": pa.array(rating),
            "rating_min": pa.array(np.ones(n)),
            "rating_max": pa.array(np.full(n, 5.0)),
            "rating_normalised": pa.array((rating - 1) / 4),
            "language": pa.array(np.full(n, "nl")),
            "author": pa.nulls(n, pa.string()),
            "reply": pa.nulls(n, pa.string()),
            "fetched_at": ts,
            "provenance": pa.nulls(n, pa.string()),
            "verification": pa.nulls(n, pa.string()),
            "provenance_raw": pa.nulls(n, pa.string()),
        }
    ).cast(MENTION_SCHEMA)


def score_rows(rng: np.random.Generator, pending: list) -> pa.Table:
    n = len(pending)
    labels = LABELS[rng.choice(3, n, p=[0.25, 0.25, 0.5])]
    score = np.where(labels == "neg", -0.7, np.where(labels == "pos", 0.7, 0.0)) + rng.uniform(-0.2, 0.2, n)
    return pa.table(
        {"mention_id": [p.mention_id for p in pending], "model_id": pa.array(np.full(n, MODEL)),
         "text_md5": [p.text_md5 for p in pending], "label": pa.array(labels), "score": pa.array(score),
         "p_neg": pa.array(np.full(n, 0.2)), "p_neu": pa.array(np.full(n, 0.2)), "p_pos": pa.array(np.full(n, 0.6)),
         "language": pa.array(np.full(n, "nl"))}
    ).cast(SCORE_SCHEMA)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def build_history(config_path: Path, mentions: int, days: int, chunk: int, seed: int) -> dict[str, Any]:
    config = load_config(config_path)
    rng = np.random.default_rng(seed)
    pool = texts_pool(rng)
    end = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC).timestamp() - 3600
    published = np.sort(rng.uniform(end - days * 86400, end, mentions))
    load_s = score_s = 0.0
    per_chunk: list[tuple[int, float, float]] = []
    with connect(config.warehouse.path) as con:
        migrate(con)
        for start in range(0, mentions, chunk):
            batch = mentions_table(rng, pool, start, published[start : start + chunk])
            t_load, _ = timed(lambda: upsert_mentions(con, batch))  # noqa: B023
            t_score, _ = timed(lambda: store_scores(con, score_rows(rng, pending_texts(con, MODEL))))
            load_s, score_s = load_s + t_load, score_s + t_score
            per_chunk.append((start + len(batch), t_load, t_score))
            print(f"  history {start + len(batch):>11,} mentions: chunk load {t_load:6.2f} s, score {t_score:6.2f} s",
                  flush=True)
        con.execute("CHECKPOINT")
    return {"load_s": load_s, "score_s": score_s, "per_chunk": per_chunk}


def stage_day(config_path: Path, rng: np.random.Generator, first_id: int, new: int, edits: int, history: int) -> int:
    """Today's crawl output: ``new`` mentions and ``edits`` re-fetched recent ones, 9 files."""
    config = load_config(config_path)
    pool = texts_pool(rng, 500)
    start = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC).timestamp()
    fresh = mentions_table(rng, pool, first_id, np.sort(rng.uniform(start, start + 6 * 3600, new)))
    recent = np.arange(max(history - 20 * edits, 0), history)
    edited_ids = np.sort(rng.choice(recent, min(edits, len(recent)), replace=False))
    run = config.warehouse.staging_dir / "bench-day"
    run.mkdir(parents=True, exist_ok=True)
    with connect(config.warehouse.path, read_only=True) as con:
        con.register("wanted", pa.table({"external_id": np.char.add("r", edited_ids.astype(str))}))
        old = con.sql("SELECT * EXCLUDE (mention_id, first_seen_at, last_seen_at) FROM mentions "
                      "WHERE external_id IN (SELECT external_id FROM wanted)").to_arrow_table()
    old = old.set_column(old.column_names.index("text"), "text",
                         pc.binary_join_element_wise(old.column("text"), pa.scalar(" (aangepast)"), ""))
    day = pa.concat_tables([fresh, old.select(MENTION_SCHEMA.names).cast(MENTION_SCHEMA)])
    rows = day.to_pylist()
    for i, (brand, source) in enumerate((b, s) for b in BRANDS for s in SOURCES):
        with open(run / f"{source}__{brand.lower()}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows[i::9]:
                handle.write(json.dumps({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}) + "\n")
    return day.num_rows


README_QUERIES = {
    "brand sentiment, last 7 days (daily_sentiment)": """
        SELECT brand, sum(volume) AS mentions, round(sum(share_negative * scored) / sum(scored), 2) AS share_negative,
               round(avg(mean_score), 2) AS mean_score
        FROM daily_sentiment WHERE source = 'all' AND day > DATE '{as_of}' - 7
        GROUP BY brand ORDER BY share_negative DESC""",
    "own brand daily line per source (daily_sentiment)":
        "FROM daily_sentiment WHERE brand = 'Snelkoop' ORDER BY day DESC, source LIMIT 20",
    "recent negative reviews, last 7 days (mentions_scored)": """
        SELECT day, brand, source, rating, left(text, 80) AS text, url FROM mentions_scored
        WHERE sentiment = 'neg' AND day > DATE '{as_of}' - 7 ORDER BY published_at DESC LIMIT 10""",
    "recent negative reviews, no day filter (mentions_scored)": """
        SELECT day, brand, source, rating, left(text, 80) AS text, url FROM mentions_scored
        WHERE sentiment = 'neg' ORDER BY published_at DESC LIMIT 10""",
    "failed sources last week (crawl_runs)":
        "SELECT started_at, brand, source, error FROM crawl_runs WHERE status = 'failed' "
        "AND started_at > TIMESTAMPTZ '{as_of}' - INTERVAL 7 DAY",
}


def read_side(config_path: Path, label: str, report: bool) -> dict[str, float]:
    """Views, alerts and dashboard queries as the daily run and analysts issue them."""
    config = load_config(config_path)
    out: dict[str, float] = {}
    out["refresh views"], _ = timed(lambda: steps.refresh(config))
    with connect(config.warehouse.path, read_only=True) as con:
        out["daily_sentiment, last 30 days"], _ = timed(
            lambda: con.execute(f"FROM daily_sentiment WHERE day > DATE '{AS_OF}' - 30").fetchall())
        out["daily_sentiment, all days"], _ = timed(lambda: con.execute("FROM daily_sentiment").fetchall())
        for name, sql in README_QUERIES.items():
            out[name], _ = timed(lambda sql=sql: con.execute(sql.format(as_of=AS_OF)).fetchall())
    out["run summary brand lines"], _ = timed(lambda: steps.brand_lines(config, AS_OF))
    from alerts.pipeline import evaluation_time, run_alerts

    at = evaluation_time(AS_OF)
    out["alert detection (run_alerts)"], first = timed(lambda: run_alerts(config, at, deliver=False))
    # A day that opens alerts also pays for their top terms and examples; the same evaluation
    # again (alerts already open, nothing new to describe) is what most days cost.
    out["alert detection, again (nothing new)"], _ = timed(lambda: run_alerts(config, at, deliver=False))
    print(f"  [{label}] alert events on first evaluation: {len(first.events)}", flush=True)
    if report:
        from report.build import load_payload

        out["dashboard payload (report.build.load_payload, all history)"], _ = timed(
            lambda: load_payload(config.warehouse.path, as_of=AS_OF))
    for name, seconds in out.items():
        print(f"  [{label}] {name:<60} {seconds * 1000:10.1f} ms", flush=True)
    return out


def set_sync(config_path: Path, forced_out: bool) -> None:
    config = load_config(config_path)
    with connect(config.warehouse.path) as con:
        if forced_out:
            con.execute("UPDATE warehouse_sync SET mentions_rows = -1")
        else:
            con.execute("UPDATE warehouse_sync SET mentions_rows = (SELECT count(*) FROM mentions)")
        assert incremental.sync_status(con).in_sync is not forced_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730, help="history span")
    parser.add_argument("--chunk", type=int, default=250_000, help="mentions per history load")
    parser.add_argument("--day-new", type=int, help="new mentions in the measured day (default: the history's daily mean)")
    parser.add_argument("--day-edits", type=int, help="re-fetched, edited mentions in that day (default: 10%% of new)")
    parser.add_argument("--no-before", action="store_true", help="skip the old-views comparison")
    parser.add_argument("--no-report", action="store_true", help="skip the dashboard payload (all history)")
    parser.add_argument("--dir", type=Path, help="keep the warehouse here (default: a temporary folder)")
    args = parser.parse_args()
    args.day_new = args.day_new or max(args.mentions // args.days, 100)
    args.day_edits = args.day_edits if args.day_edits is not None else args.day_new // 10
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp)
        config_path = base / "monitor.toml"
        config_path.write_text(
            "".join(f'[[brands]]\nname = "{b}"\nown = {str(b == BRANDS[0]).lower()}\n' for b in BRANDS)
            + '[warehouse]\npath = "klantstem.duckdb"\nstaging_dir = "staging"\n',
            encoding="utf-8",
        )
        print(f"history: {args.mentions:,} mentions over {args.days} days, loaded in chunks of {args.chunk:,}")
        t_build, built = timed(lambda: build_history(config_path, args.mentions, args.days, args.chunk, seed=7))
        db = base / "klantstem.duckdb"
        size_gb = sum(p.stat().st_size for p in base.glob("klantstem.duckdb*")) / 1e9
        rng = np.random.default_rng(11)
        staged = stage_day(config_path, rng, args.mentions, args.day_new, args.day_edits, args.mentions)
        config = load_config(config_path)
        print(f"\nday {AS_OF}: {staged:,} staged rows ({args.day_new:,} new, {args.day_edits:,} edited) in 9 files")
        t_load, loads = timed(lambda: steps.load_staged(config))
        new = sum(f.result.new for f in loads)
        with connect(db) as con:
            t_pending, pending = timed(lambda: pending_texts(con, MODEL))
            t_store, _ = timed(lambda: store_scores(con, score_rows(rng, pending)))
        print(f"  load_staged: {t_load:6.2f} s ({new:,} new, {sum(f.result.updated for f in loads):,} updated)")
        print(f"  pending_texts: {t_pending:6.2f} s ({len(pending):,} texts), store_scores: {t_store:6.2f} s")
        after = read_side(config_path, "incremental", report=not args.no_report)
        before: dict[str, float] = {}
        if not args.no_before:
            set_sync(config_path, forced_out=True)
            before = read_side(config_path, "before: views from base tables", report=not args.no_report)
            set_sync(config_path, forced_out=False)
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        summary = {
            "mentions": args.mentions, "history_build_s": round(t_build, 1),
            "history_load_rows_per_s": round(args.mentions / built["load_s"]),
            "history_score_store_rows_per_s": round(args.mentions / built["score_s"]),
            "first_chunk_load_s": round(built["per_chunk"][0][1], 2), "last_chunk_load_s": round(built["per_chunk"][-1][1], 2),
            "warehouse_gb": round(size_gb, 2), "day_rows": staged, "day_load_s": round(t_load, 2),
            "day_pending_s": round(t_pending, 2), "day_store_scores_s": round(t_store, 2),
            "read_side_s": {k: round(v, 3) for k, v in after.items()},
            "read_side_before_s": {k: round(v, 3) for k, v in before.items()},
            "peak_rss_gb": round(peak_gb, 2), "cpus": os.cpu_count(),
        }
        print("\n" + json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
