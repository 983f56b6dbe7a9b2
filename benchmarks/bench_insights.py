"""Insights refresh time for N mentions (default 100,000): tagging, aspect scoring, key
drivers and emerging topics, then a re-run with nothing new, then the analysts' views.

Mentions are Dutch review sentences from templates (3 brands, 300 days, ratings that follow
the complaints) and carry mention-level sentiment, so every insight has work to do. Aspect
sentences are scored by a keyword stand-in, so the numbers are the pipeline's own cost;
``--model e5-small-nl`` also times the real model on a sample of aspect sentences and
extrapolates. Not a timed test: run it by hand.

    python benchmarks/bench_insights.py
    python benchmarks/bench_insights.py --rows 20000 --model e5-small-nl --model-sample 1000
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from insights.pipeline import refresh_insights  # noqa: E402
from insights.survey import import_survey  # noqa: E402
from klantstem.config import parse_config  # noqa: E402
from tests.insights.test_insights_pipeline import FakeScorer  # noqa: E402
from warehouse.connection import connect  # noqa: E402
from warehouse.load import upsert_mentions  # noqa: E402
from warehouse.migrate import migrate  # noqa: E402
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores  # noqa: E402
from warehouse.staging import MENTION_SCHEMA  # noqa: E402

GOOD = [
    "De bezorging was snel.", "Pakket kwam netjes op tijd.", "Vriendelijke klantenservice, snel geholpen.",
    "Prima prijs voor deze kwaliteit.", "Retourneren ging makkelijk.", "De website werkt fijn.",
    "Goede kwaliteit, stevig product.", "In de winkel werd ik goed geholpen.", "De app is overzichtelijk.",
    "Bestellen ging super makkelijk.", "Geld was binnen twee dagen teruggestort.", "Top service!",
]
BAD = [
    "De bezorger heeft het pakket bij de buren gegooid.", "Pakket kwam drie dagen te laat.",
    "Klantenservice reageert niet op mijn mail.", "Veel te duur vergeleken met anderen.",
    "Retourlabel zat er niet bij en niemand helpt.", "De website crasht bij het afrekenen.",
    "Product was kapot bij aankomst.", "Lange rij bij de kassa in de winkel.", "De app logt me steeds uit.",
    "Mijn terugbetaling laat al weken op zich wachten.", "Verzendkosten zijn belachelijk hoog.",
    "Pakketbezorging was een drama.",
]
NEUTRAL = ["Ik bestelde een jas.", "Het was voor mijn moeder.", "Eerste keer bij deze winkel.", "Vandaag ontvangen."]
NEW_ISSUE = "Mijn pakket kwijt geraakt, track en trace zegt niets."


def mentions(rows: int, seed: int = 11) -> pa.Table:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    data = []
    for i in range(rows):
        day = rng.randrange(330)
        unhappy = rng.random() < 0.35
        parts = rng.sample(BAD if unhappy else GOOD, rng.randint(1, 3)) + rng.sample(NEUTRAL, rng.randint(0, 2))
        if unhappy and day >= 323 and rng.random() < 0.4:
            parts.append(NEW_ISSUE)
        rng.shuffle(parts)
        stars = rng.choice([1, 2, 2, 3]) if unhappy else rng.choice([3, 4, 4, 5, 5])
        published = start + timedelta(days=day, minutes=rng.randrange(1440))
        data.append({
            "source": rng.choice(["trustpilot", "webshop-reviews"]),
            "brand": rng.choice(["Snelkoop", "Snelkoop", "Winkelwagen", "Bestelhuis"]),
            "external_id": f"r{i:08d}", "url": f"https://example.org/r{i}", "kind": "review",
            "published_at": published, "title": None, "text": " ".join(parts),
            "rating": float(stars), "rating_min": 1.0, "rating_max": 5.0, "rating_normalised": (stars - 1) / 4,
            "language": "nl", "author": f"{rng.getrandbits(64):016x}", "reply": None,
            "fetched_at": published + timedelta(days=1),
        })
    return pa.Table.from_pylist(data, schema=MENTION_SCHEMA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--model", default=None, help="also time this sentiment model (e.g. e5-small-nl)")
    parser.add_argument("--model-sample", type=int, default=2000, help="aspect sentences the model scores")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(
            '[[brands]]\nname = "Snelkoop"\nown = true\n[[brands]]\nname = "Winkelwagen"\n'
            '[[brands]]\nname = "Bestelhuis"\n[warehouse]\npath = "bench.duckdb"\n', base=Path(tmp))
        t0 = time.perf_counter()
        batch = mentions(args.rows)
        with connect(config.warehouse.path) as con:
            migrate(con)
            upsert_mentions(con, batch)
            pending = pending_texts(con, "m")
            labels = FakeScorer("m").score([p.text for p in pending])
            store_scores(con, pa.Table.from_pylist(
                [{"mention_id": p.mention_id, "model_id": "m", "text_md5": p.text_md5, "label": s.label,
                  "score": s.score, "p_neg": s.p_neg, "p_neu": s.p_neu, "p_pos": s.p_pos, "language": "nl"}
                 for p, s in zip(pending, labels)], schema=SCORE_SCHEMA))
        survey = Path(tmp) / "enquete.csv"
        rng = random.Random(5)
        survey.write_text("date,score,answer\n" + "".join(
            f"2026-11-{rng.randint(1, 20):02d},{rng.randint(0, 10)},{rng.choice(GOOD + BAD[3:5] + BAD[9:])}\n"
            for _ in range(2000)), encoding="utf-8")
        import_survey(config, survey)
        print(f"mentions: {args.rows:,} (+2,000 survey answers); setup {time.perf_counter() - t0:.1f} s")

        as_of = date(2026, 11, 26)
        for label in ("first refresh (everything new)", "second refresh (nothing new)"):
            t0 = time.perf_counter()
            result = refresh_insights(config, FakeScorer("bench"), as_of=as_of)
            elapsed = time.perf_counter() - t0
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.step_seconds.items())
            print(f"{label + ':':<34} {elapsed:7.2f} s  ({steps})")
            print(f"  {result.describe()}")
        with connect(config.warehouse.path, read_only=True) as con:
            counts = con.execute(
                "SELECT (SELECT count(*) FROM aspect_sentences), (SELECT count(*) FROM aspect_tags), "
                "(SELECT count(*) FROM mention_terms)").fetchall()[0]
            print(f"rows: {counts[0]:,} aspect sentences, {counts[1]:,} aspect tags, {counts[2]:,} mention terms")
            for view in ("aspect_performance", "competitor_benchmark", "satisfaction_summary", "grade_distribution",
                         "key_driver_matrix", "blind_spot_aspects", "blind_spot_terms", "emerging_topics",
                         "language_overview", "aspect_performance_by_language", "daily_sentiment_by_language",
                         "key_driver_matrix_by_language"):
                t0 = time.perf_counter()
                n = len(con.execute(f"SELECT * FROM {view}").fetchall())
                print(f"  query {view:<30} {time.perf_counter() - t0:6.2f} s  ({n} rows)")
            sample = [r[0] for r in con.execute(
                f"SELECT sentence FROM aspect_sentences USING SAMPLE reservoir({int(args.model_sample)} ROWS) "
                "REPEATABLE (1)").fetchall()]
        if args.model:
            from sentiment import load_scorer

            scorer = load_scorer(args.model)
            t0 = time.perf_counter()
            scorer.score(sample)
            rate = len(sample) / (time.perf_counter() - t0)
            print(f"model {scorer.model_id}: {rate:,.0f} aspect sentences/s on {len(sample):,} sampled; "
                  f"all {counts[0]:,} would take about {counts[0] / rate / 60:.0f} min (distinct sentences are "
                  "scored once per batch, so repeated template sentences make this optimistic)")


if __name__ == "__main__":
    main()
