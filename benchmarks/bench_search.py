"""Search by meaning over N stored mentions (default 1,000,000): brute force, the k-means
index with a few probed lists, and the brand/date/negative pre-filter; seconds per query and
recall of the index against the exact answer.

Builds a synthetic warehouse (report/synthetic.py: mentions and scores over two years) and
gives every mention its own 384-d vector: clusters around centres (random directions, or
with ``--centres WAREHOUSE`` the real e5 vectors of a `klantstem demo` warehouse, so the
clusters are as close together as real Dutch reviews are), each vector about 0.9 cosine from
its centre. Queries are fresh vectors drawn the same way. Prints numbers; not a timed test.

    python benchmarks/bench_search.py
    python benchmarks/bench_search.py --mentions 100000 --keep /tmp/search.duckdb --centres data/klantstem.duckdb
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from insights.search import search
from report.synthetic import build_warehouse
from warehouse.connection import connect
from warehouse.embeddings import EMBEDDING_DIM, build_lists
from warehouse.migrate import migrate

MODEL = "e5-small-nl@bench"
END = date(2026, 11, 24)
CHUNK = 100_000


def cpu() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return f"{model}, {os.cpu_count()} cores"


def centres(source: Path | None, count: int, rng: np.random.Generator) -> np.ndarray:
    if source is not None:
        with duckdb.connect(str(source), read_only=True) as con:
            rows = con.execute("SELECT embedding FROM text_embeddings").fetchall()
        if rows:
            return np.array([r[0] for r in rows], dtype=np.float32)
    c = rng.normal(size=(count, EMBEDDING_DIM)).astype(np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def around(c: np.ndarray, n: int, rng: np.random.Generator, spread: float = 0.0247) -> np.ndarray:
    """Unit vectors about 0.9 cosine from randomly chosen centres."""
    v = c[rng.integers(0, len(c), n)] + rng.normal(scale=spread, size=(n, EMBEDDING_DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def add_vectors(path: Path, c: np.ndarray, seed: int) -> None:
    """One distinct text (md5) and vector per scored mention."""
    rng = np.random.default_rng(seed)
    with connect(path) as con:
        con.execute("UPDATE sentiment_scores SET text_md5 = md5(mention_id || ':bench'), model_id = ?", [MODEL])
        con.execute("UPDATE current_scores SET model_id = ? WHERE model_id IS NOT NULL", [MODEL])
        md5s = [r[0] for r in con.execute("SELECT text_md5 FROM sentiment_scores ORDER BY mention_id").fetchall()]
        for start in range(0, len(md5s), CHUNK):
            part = md5s[start : start + CHUNK]
            v = around(c, len(part), rng)
            con.register("chunk", pa.table({
                "text_md5": part,
                "embedding": pa.FixedSizeListArray.from_arrays(pa.array(v.ravel(), pa.float32()), EMBEDDING_DIM),
            }))
            con.execute(f"INSERT INTO text_embeddings SELECT text_md5, ?, CAST(embedding AS FLOAT[{EMBEDDING_DIM}]), "
                        "NULL, now(), true FROM chunk", [MODEL])
            con.unregister("chunk")
        migrate(con)  # the maintained tables (current_scores) take the new md5s, as a real load would


def timed(con: duckdb.DuckDBPyConnection, queries: np.ndarray, **kwargs: object) -> tuple[float, list[list[str]]]:
    seconds, answers = [], []
    for q in queries:
        t0 = time.perf_counter()
        answers.append([h.mention_id for h in search(con, q, MODEL, limit=10, **kwargs)])
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds), answers


def recall(found: list[list[str]], exact: list[list[str]]) -> float:
    return float(np.mean([len(set(f) & set(e)) / max(len(e), 1) for f, e in zip(found, exact, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--lists", type=int, default=None, help="index lists (default about sqrt(texts))")
    parser.add_argument("--centres", type=Path, default=None, help="a demo warehouse whose e5 vectors are the centres")
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the warehouse here")
    args = parser.parse_args()
    print(f"CPU: {cpu()}; load average {os.getloadavg()[0]:.1f}; DuckDB {duckdb.__version__}; "
          f"vectors FLOAT[{EMBEDDING_DIM}] (no bf16 involved)")
    rng = np.random.default_rng(11)
    c = centres(args.centres, 400, rng)
    with tempfile.TemporaryDirectory(prefix="klantstem-bench-") as tmp:
        path = args.keep or Path(tmp) / "search.duckdb"
        if not path.exists():
            t0 = time.perf_counter()
            build_warehouse(path, mentions=args.mentions, days=730, end=END, insights=False, alerts=False,
                            unscored_share=0.0)
            add_vectors(path, c, seed=5)
            print(f"built {args.mentions:,} mentions with vectors in {time.perf_counter() - t0:.0f} s "
                  f"({path.stat().st_size / 1e9:.2f} GB on disk)")
        queries = around(c, args.queries, rng)
        with connect(path) as con:
            stored = con.execute("SELECT count(*) FROM text_embeddings").fetchall()[0][0]
            con.execute("DELETE FROM embedding_lists")
            con.execute("UPDATE text_embeddings SET list_id = NULL")
            print(f"{stored:,} stored vectors; {args.queries} queries, top 10, median seconds per query")
            brute, exact = timed(con, queries, probes=0)
            print(f"  brute force, every vector:            {brute:.3f} s")
            since = END - timedelta(days=30)
            brand = con.execute("SELECT brand FROM mentions GROUP BY brand ORDER BY count(*) DESC LIMIT 1").fetchall()[0][0]
            filtered, _ = timed(con, queries, brand=brand, since=since, negative=True)
            kept = con.execute("SELECT count(*) FROM mentions_scored WHERE brand = ? AND day >= ? AND sentiment = 'neg'",
                               [brand, since]).fetchall()[0][0]
            print(f"  pre-filter {brand}, last 30 days, negative ({kept:,} mentions): {filtered:.3f} s")
            t0 = time.perf_counter()
            lists = build_lists(con, MODEL, args.lists)
            print(f"  index: {lists} k-means lists built and every vector tagged in {time.perf_counter() - t0:.1f} s")
            # Queries between two clusters: their neighbours are spread over several lists.
            pairs = rng.integers(0, len(c), (args.queries, 2))
            between = c[pairs[:, 0]] + c[pairs[:, 1]]
            between /= np.linalg.norm(between, axis=1, keepdims=True)
            con.execute("DELETE FROM embedding_lists")  # exact answers for them, without the index
            _, exact_between = timed(con, between, probes=0)
            t0 = time.perf_counter()
            build_lists(con, MODEL, lists)
            print(f"  (index rebuilt in {time.perf_counter() - t0:.1f} s after the exact answers for the "
                  "between-cluster queries)")
            for probes in (4, 8, 16, 32):
                seconds, found = timed(con, queries, probes=probes)
                _, found_between = timed(con, between, probes=probes)
                print(f"  index, {probes:>2} lists probed:               {seconds:.3f} s   recall@10 "
                      f"{recall(found, exact):.3f} (queries between two clusters: {recall(found_between, exact_between):.3f})")


if __name__ == "__main__":
    main()
