"""The insights refresh the daily flow calls: tag new mentions, score aspect sentences,
recompute key drivers and emerging topics.

``refresh_insights(config)`` takes the config (never a connection) and opens short-lived
connections per step and per chunk, so an analyst can open the warehouse in between. It is
incremental and idempotent:

* a mention is tagged once per text, language and tagger version of its language (term
  lists + rules): new and edited mentions, mentions whose detected language changed, or all
  of a language's mentions after a change of its term lists, nothing else;
* an aspect sentence is scored once per model; after a term-list change, sentences whose
  text did not change keep their score;
* key drivers and this week's emerging topics are recomputed from the tables (seconds).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from collections.abc import Sequence
from typing import Protocol

import pyarrow as pa

from insights.db import insert_rows, insert_table
from insights.drivers import compute_key_drivers, store_key_drivers
from insights.emerging import compute_emerging, store_emerging
from insights.reference import prepare_insights
from insights.survey import retag_survey_answers
from insights.tagging import UNREAD_VERSION, Taggers, brand_words, tag_texts
from insights.text import DEFAULT_LANGUAGE, LANGUAGES
from insights.themes import compute_themes, store_themes
from klantstem.clock import AMSTERDAM, today_amsterdam
from klantstem.config import MonitorConfig
from warehouse.connection import connect, transaction
from warehouse.embeddings import embedding_table, has_embeddings_table, insert_embeddings, score_and_embed
from warehouse.models import scoring_model

log = logging.getLogger(__name__)

TAG_CHUNK = 5000     # mentions tagged between two short write transactions
SCORE_CHUNK = 1024   # sentences per scorer call
WRITE_EVERY_S = 10.0 # scores are written (one short transaction) at most this often, and at the end

# What the sentiment model reads for a mention; the same text (and md5) as warehouse/scores.py.
BODY_SQL = "concat_ws('. ', nullif(trim(m.title), ''), m.text)"

SCORED_SCHEMA = pa.schema(
    [
        ("mention_id", pa.string()), ("sentence_no", pa.int32()), ("model_id", pa.string()),
        ("label", pa.string()), ("score", pa.float64()), ("p_neg", pa.float64()),
        ("p_neu", pa.float64()), ("p_pos", pa.float64()),
    ]
)


class SentenceScorer(Protocol):
    """What refresh_insights needs of a scorer (``sentiment.Scorer`` is one)."""

    model_id: str

    def score(self, texts: Sequence[str], progress: bool = False) -> list: ...


@dataclass(frozen=True)
class InsightsResult:
    as_of: date
    tagger_version: str
    model_id: str | None
    mentions_tagged: int
    aspect_sentences: int        # aspect sentences written for the tagged mentions
    sentences_scored: int
    survey_answers_tagged: int
    key_driver_rows: int
    emerging_terms: int          # significant emerging terms for as_of
    seconds: float
    step_seconds: dict[str, float] = field(default_factory=dict)  # tag, survey, score, compute

    def describe(self) -> str:
        return (
            f"insights {self.as_of}: {self.mentions_tagged} mentions tagged ({self.aspect_sentences} aspect "
            f"sentences), {self.sentences_scored} sentences scored with {self.model_id or 'no model'}, "
            f"{self.survey_answers_tagged} survey answers tagged, {self.key_driver_rows} key-driver rows, "
            f"{self.emerging_terms} emerging terms, {self.seconds:.1f} s"
        )


def _pending_mentions(con, config: MonitorConfig, taggers: Taggers) -> list[tuple[str, str, str, str, bool]]:
    """(mention_id, text, md5, language, tagged before) of mentions not tagged for their text,
    language and the current lists of that language. The language is the detected (else the
    stated) one; a text too short to detect is read in its brand's first language."""
    defaults = pa.table({"brand": [b.name for b in config.brands],
                         "language": [b.languages[0] for b in config.brands]})
    versions = pa.table({"language": list(LANGUAGES), "version": [taggers.version_for(x) for x in LANGUAGES]})
    con.register("brand_default_language", defaults)
    con.register("tagger_versions", versions)
    try:
        return con.execute(
            f"""
            WITH m AS (
                SELECT m.mention_id, m.published_at, {BODY_SQL} AS body,
                       coalesce(s.language, d.language, ?) AS language
                FROM mentions AS m
                LEFT JOIN (SELECT mention_id, language FROM mentions_scored) AS s USING (mention_id)
                LEFT JOIN brand_default_language AS d ON d.brand = m.brand
            )
            SELECT m.mention_id, m.body, md5(m.body), m.language, t.mention_id IS NOT NULL
            FROM m
            LEFT JOIN insight_tagged AS t USING (mention_id)
            LEFT JOIN tagger_versions AS v ON v.language = m.language
            WHERE t.mention_id IS NULL OR t.text_md5 <> md5(m.body) OR t.language IS DISTINCT FROM m.language
               OR t.tagger_version <> coalesce(v.version, ?)
            ORDER BY m.published_at, m.mention_id
            """,
            [DEFAULT_LANGUAGE, UNREAD_VERSION],
        ).fetchall()
    finally:
        con.unregister("brand_default_language")
        con.unregister("tagger_versions")


def _write_tags(con, rows, retag: bool) -> int:
    sentences, tags, terms, tagged = rows.tables()
    with transaction(con):
        con.register("chunk_tagged", tagged)
        try:
            if retag:
                # Keep the scores of sentences that did not change, then replace the chunk's rows.
                con.execute(
                    """CREATE OR REPLACE TEMP TABLE kept_scores AS
                       SELECT s.* FROM aspect_sentences AS s
                       WHERE s.model_id IS NOT NULL AND s.mention_id IN (SELECT mention_id FROM chunk_tagged)"""
                )
                for table in ("aspect_sentences", "aspect_tags", "mention_terms"):
                    con.execute(f"DELETE FROM {table} WHERE mention_id IN (SELECT mention_id FROM chunk_tagged)")
            else:
                con.execute("CREATE OR REPLACE TEMP TABLE kept_scores AS SELECT * FROM aspect_sentences LIMIT 0")
            con.register("chunk_sentences", sentences)
            try:
                con.execute(
                    """INSERT INTO aspect_sentences
                       SELECT n.mention_id, n.sentence_no, n.sentence, k.model_id, k.label, k.score,
                              k.p_neg, k.p_neu, k.p_pos, k.scored_at
                       FROM chunk_sentences AS n
                       LEFT JOIN kept_scores AS k
                         ON k.mention_id = n.mention_id AND k.sentence_no = n.sentence_no AND k.sentence = n.sentence"""
                )
            finally:
                con.unregister("chunk_sentences")
            con.execute("DROP TABLE kept_scores")
            insert_table(con, "aspect_tags", tags)
            insert_table(con, "mention_terms", terms)
            con.execute(
                """INSERT INTO insight_tagged (mention_id, text_md5, tagger_version, sentences, tagged_at, language)
                   SELECT mention_id, text_md5, tagger_version, sentences, now(), language FROM chunk_tagged
                   ON CONFLICT (mention_id) DO UPDATE SET text_md5 = excluded.text_md5,
                       tagger_version = excluded.tagger_version, sentences = excluded.sentences,
                       tagged_at = excluded.tagged_at, language = excluded.language"""
            )
        finally:
            con.unregister("chunk_tagged")
    return sentences.num_rows


def tag_pending_mentions(config: MonitorConfig, taggers: Taggers) -> tuple[int, int]:
    """Tag every mention not tagged for its current text, language and that language's
    lists. Returns (mentions tagged, aspect sentences written)."""
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    with connect(path, read_only=True, timeout_s=timeout) as con:
        pending = _pending_mentions(con, config, taggers)
    stop = brand_words(config)
    sentences = 0
    for start in range(0, len(pending), TAG_CHUNK):
        chunk = pending[start : start + TAG_CHUNK]
        rows = tag_texts(taggers, ((mid, text, md5, lang) for mid, text, md5, lang, _ in chunk), stop)
        with connect(path, timeout_s=timeout) as con:
            sentences += _write_tags(con, rows, retag=any(before for *_, before in chunk))
    if pending:
        log.info("tagged %d mentions with aspects (%s): %d aspect sentences", len(pending), taggers.version, sentences)
    return len(pending), sentences


def _last_model(con, model_name: str) -> str | None:
    rows = con.execute(
        "SELECT model_id FROM insight_runs WHERE model_name = ? AND model_id IS NOT NULL ORDER BY finished_at DESC LIMIT 1",
        [model_name],
    ).fetchall()
    return rows[0][0] if rows else None


def _store_sentence_scores(path, timeout: float, table: pa.Table, embeddings: pa.Table | None = None) -> None:
    """Scores and (when given) the sentences' embeddings, keyed md5(sentence), in one transaction."""
    with connect(path, timeout_s=timeout) as con:
        con.register("incoming_sentence_scores", table)
        keep_vectors = embeddings is not None and embeddings.num_rows > 0 and has_embeddings_table(con)
        if keep_vectors:
            con.register("incoming_sentence_embeddings", embeddings)
        try:
            with transaction(con):
                con.execute(
                    """UPDATE aspect_sentences AS s
                       SET model_id = i.model_id, label = i.label, score = i.score, p_neg = i.p_neg,
                           p_neu = i.p_neu, p_pos = i.p_pos, scored_at = now()
                       FROM incoming_sentence_scores AS i
                       WHERE s.mention_id = i.mention_id AND s.sentence_no = i.sentence_no"""
                )
                if keep_vectors:
                    insert_embeddings(con, "incoming_sentence_embeddings", of_mention=False)
        finally:
            con.unregister("incoming_sentence_scores")
            if keep_vectors:
                con.unregister("incoming_sentence_embeddings")


def score_aspect_sentences(config: MonitorConfig, scorer: SentenceScorer | None = None,
                           progress: bool = False) -> tuple[int, str | None]:
    """Score aspect sentences the model has not scored. Without ``scorer`` the configured
    model is loaded, and only when there is something to score. Returns (scored, model id)."""
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    settings = config.sentiment
    model = scoring_model(path, settings.model, use_adapted=settings.use_adapted, timeout_s=timeout)
    with connect(path, read_only=True, timeout_s=timeout) as con:
        known = _last_model(con, settings.model)
        if scorer is None:
            # The model the daily run scored mentions with last: when it is not the one that
            # scored our sentences (a new model version), load it and score again.
            latest = con.execute(
                "SELECT model_id FROM sentiment_scores ORDER BY scored_at DESC, model_id LIMIT 1"
            ).fetchall()
            total, stale = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE model_id IS NULL OR model_id IS DISTINCT FROM ?) "
                "FROM aspect_sentences",
                [known],
            ).fetchall()[0]
            if not total or (not stale and (not latest or latest[0][0] == known)):
                return 0, known
    if scorer is None:
        from sentiment import (
            load_scorer,  # torch import is slow: only when there is work
        )

        scorer = load_scorer(model, batch_size=settings.batch_size, max_length=settings.max_length)
    model_id = scorer.model_id
    with connect(path, read_only=True, timeout_s=timeout) as con:
        pending = con.execute(
            """SELECT mention_id, sentence_no, sentence FROM aspect_sentences
               WHERE model_id IS DISTINCT FROM ? ORDER BY mention_id, sentence_no""",
            [model_id],
        ).fetchall()
    waiting: list[pa.Table] = []
    vectors_waiting: list[pa.Table] = []
    last_write = time.monotonic()
    for start in range(0, len(pending), SCORE_CHUNK):
        chunk = pending[start : start + SCORE_CHUNK]
        scores, vectors = score_and_embed(scorer, [c[2] for c in chunk], settings.store_embeddings, progress)
        if vectors is not None:
            md5s = [hashlib.md5(c[2].encode("utf-8")).hexdigest() for c in chunk]  # = DuckDB md5(sentence)
            vectors_waiting.append(embedding_table(model_id, md5s, vectors))
        waiting.append(pa.Table.from_pydict(
            {
                "mention_id": [c[0] for c in chunk],
                "sentence_no": [c[1] for c in chunk],
                "model_id": [model_id] * len(chunk),
                "label": [s.label for s in scores],
                "score": [float(s.score) for s in scores],
                "p_neg": [s.p_neg for s in scores],
                "p_neu": [s.p_neu for s in scores],
                "p_pos": [s.p_pos for s in scores],
            },
            schema=SCORED_SCHEMA,
        ))
        last_chunk = start + SCORE_CHUNK >= len(pending)
        if last_chunk or time.monotonic() - last_write >= WRITE_EVERY_S:
            _store_sentence_scores(path, timeout, pa.concat_tables(waiting),
                                   pa.concat_tables(vectors_waiting) if vectors_waiting else None)
            waiting, vectors_waiting, last_write = [], [], time.monotonic()
    if pending:
        log.info("scored %d aspect sentences with %s", len(pending), model_id)
    return len(pending), model_id


def refresh_insights(
    config: MonitorConfig,
    scorer: SentenceScorer | None = None,
    as_of: date | None = None,
    progress: bool = False,
) -> InsightsResult:
    """Tag mentions not tagged yet (for their text and the current term lists), score their
    aspect sentences (``scorer``, default: the configured model, loaded only when needed),
    re-tag survey answers after a term-list change, and recompute key drivers and the
    emerging topics of the week ending ``as_of`` (default: today in Amsterdam)."""
    t0 = time.perf_counter()
    started = datetime.now(AMSTERDAM)
    as_of = as_of or today_amsterdam()
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    steps: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps[name] = now - mark
        mark = now

    tagger = prepare_insights(config)
    tagged, sentences = tag_pending_mentions(config, tagger)
    lap("tag")
    surveys = retag_survey_answers(config, tagger.for_survey(config))
    lap("survey")
    scored, model_id = score_aspect_sentences(config, scorer, progress)
    lap("score")
    settings = config.insights
    with connect(path, timeout_s=timeout) as con:
        fitted = compute_key_drivers(con, settings.driver_min_reviews, settings.driver_min_mentions, by_language=True)
        drivers = [d for d in fitted if d.language is None]
        store_key_drivers(con, drivers)
        store_key_drivers(con, [d for d in fitted if d.language is not None], table="key_drivers_by_language")
        window_start, baseline_start, emerging = compute_emerging(
            con, as_of,
            window_days=settings.emerging_window_days, baseline_days=settings.emerging_baseline_days,
            min_mentions=settings.emerging_min_mentions, min_lift=settings.emerging_min_lift,
            max_q=settings.emerging_max_q,
        )
        store_emerging(con, as_of, window_start, baseline_start, emerging)
        themes_start, themes_model, themes = compute_themes(
            con, as_of,
            window_days=settings.emerging_window_days, baseline_days=settings.emerging_baseline_days,
            min_mentions=settings.emerging_min_mentions, min_lift=settings.emerging_min_lift,
            max_q=settings.emerging_max_q, exclude=brand_words(config),
        )
        store_themes(con, as_of, themes_start, themes_model, themes)
        log.info("%d complaint themes (%d growing)", len(themes), sum(t.growing for t in themes))
        insert_rows(
            con, "insight_runs",
            ["started_at", "as_of", "tagger_version", "model_name", "model_id", "mentions_tagged", "sentences_scored"],
            [[started, as_of, tagger.version, config.sentiment.model, model_id, tagged, scored]],
            extra={"finished_at": "now()"},
        )
    lap("compute")
    result = InsightsResult(
        as_of=as_of,
        tagger_version=tagger.version,
        model_id=model_id,
        mentions_tagged=tagged,
        aspect_sentences=sentences,
        sentences_scored=scored,
        survey_answers_tagged=surveys,
        key_driver_rows=len(drivers),
        emerging_terms=sum(t.significant for t in emerging),
        seconds=time.perf_counter() - t0,
        step_seconds=steps,
    )
    log.info("%s", result.describe())
    return result
