"""The daily run's steps as plain functions: prepare, load, score, summarise.

They take a config and paths (never open connections: Prefect may pickle task inputs), open
short-lived DuckDB connections and close them before returning, so an analyst can open the
file between steps. ``flows/daily.py`` wraps them in Prefect tasks.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.engine import judgement
from alerts.episodes import AlertEvent
from alerts.notify import flow_failure_hook  # noqa: F401  (re-exported for flows/daily.py)
from alerts.pipeline import evaluation_time, run_alerts
from flows.crawl import PARTIAL_SUFFIX, CrawlJob, page_ids_file
from klantstem.config import MonitorConfig
from klantstem.limits import MAX_SCORED_CHARS
from klantstem.privacy import load_or_create_salt
from klantstem.review_state import seen_line
from warehouse.connection import connect
from warehouse.crawl_runs import source_watermark
from warehouse.embeddings import embedding_table, score_and_embed
from warehouse.identity import rekey_unkeyed_fallback_ids
from warehouse.load import LoadResult, known_external_ids, known_review_states, upsert_mentions
from warehouse.migrate import migrate, refresh_views
from warehouse.models import clear_rated_reviews, ever_adapted, scoring_model
from warehouse.replies import record_reply_settings
from warehouse.scores import pending_texts, score_table, store_scores
from warehouse.staging import read_staging_file

if TYPE_CHECKING:  # torch is imported only by the steps that score
    from sentiment import Scorer

log = logging.getLogger(__name__)

SCORE_CHUNK = 512  # texts scored between two short write transactions


@dataclass(frozen=True)
class RunPlan:
    run_dir: Path
    jobs: list[CrawlJob]

    def seen_ids_file(self, job: CrawlJob) -> Path:
        return self.run_dir / f"{job.slug}.seen.txt"

    def stop_ids_file(self, job: CrawlJob) -> Path:
        return self.run_dir / f"{job.slug}.stop.txt"


@dataclass(frozen=True)
class FileLoad:
    path: Path
    result: LoadResult
    rejects: list[str]

    @property
    def slug(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class ScoringSummary:
    model_id: str
    scored: int
    cut: int = 0  # texts longer than MAX_SCORED_CHARS, scored on their start


def _warehouse(config: MonitorConfig) -> tuple[Path, float]:
    return config.warehouse.path, config.warehouse.lock_timeout_s


def author_salt(config: MonitorConfig) -> str:
    """The pseudonymisation salt; read where it is needed so it never travels as a task
    input or result (Prefect may persist those)."""
    return load_or_create_salt(config.warehouse.path.parent, config.privacy.salt_env)


def own_id_sources(jobs: list[CrawlJob]) -> set[str]:
    """Source keys whose spiders use the source's own ids (never a fallback hash)."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    loader = SpiderLoader(Settings({"SPIDER_MODULES": ["spiders.spiders"]}))
    return {job.source for job in jobs if not loader.load(job.spider).id_fallback}


def prepare_run(config: MonitorConfig, run_id: str) -> RunPlan:
    """Migrate the warehouse, re-key reviews stored under unkeyed fallback ids (migration 040),
    and write, per source, the ids we already hold (dropped by the crawl) and those a complete
    crawl reached (paging stops at them): see ``source_watermark``."""
    run_dir = config.warehouse.staging_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    jobs = [CrawlJob.from_config(brand, source) for brand in config.brands for source in brand.sources]
    plan = RunPlan(run_dir, jobs)
    path, timeout = _warehouse(config)
    # Create the salt file (when the salt is not in the environment) before the crawls start
    # in parallel: each reads it, and two first readers would both try to create it.
    salt = author_salt(config)
    with connect(path, timeout_s=timeout) as con:
        migrate(con)
        rekey_unkeyed_fallback_ids(con, salt, own_id_sources(jobs))
        own = {b.name for b in config.brands if b.own}
        record_reply_settings(con, [(j.source, j.brand, j.spider, j.brand in own) for j in jobs],
                              config.alerts.reply_sla_hours)
        for job in jobs:
            known = known_review_states(con, job.source, job.brand)
            plan.seen_ids_file(job).write_text("".join(seen_line(i, state) for i, state in known), encoding="utf-8")
            mark = source_watermark(con, job.source, job.brand)
            stop = known_external_ids(con, job.source, job.brand, through=mark) if mark is not None else []
            plan.stop_ids_file(job).write_text("".join(f"{i}\n" for i in stop), encoding="utf-8")
    prune_run_folders(config.warehouse.staging_dir, config.warehouse.keep_run_logs_days, keep=run_dir)
    return plan


def prune_run_folders(staging: Path, keep_days: int, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Delete the folders of runs older than ``keep_days`` whose data is loaded: their crawl
    logs, stats and id lists. Logs hold review text and URLs, so they are kept only as long
    as they help to explain a run. A folder still holding a staged file is left whole.
    Returns the folders removed."""
    cutoff = (time.time() if now is None else now) - keep_days * 86400
    removed = []
    for folder in sorted(p for p in staging.glob("*") if p.is_dir() and p != keep):
        files = list(folder.iterdir())
        if any(f.is_dir() or ".jsonl" in f.name for f in files) or any(f.stat().st_mtime >= cutoff for f in files):
            continue
        for file in files:
            file.unlink()
        folder.rmdir()
        removed.append(folder)
    if removed:
        log.info("deleted %d run folder(s) older than %d days (logs and stats of loaded runs)", len(removed), keep_days)
    return removed


def staged_files(config: MonitorConfig) -> list[Path]:
    """Every staged JSONL not loaded yet, including leftovers of earlier runs that failed to load.

    A crawl writes ``*.jsonl.part`` and renames it when its process ends, so files that
    another flow's crawl is still writing are left alone. A ``.part`` file untouched for
    longer than a crawl may run belongs to a crawl whose flow died: it is taken over.
    """
    staging = config.warehouse.staging_dir
    stale_before = time.time() - config.crawl.timeout_s - 60
    for partial in staging.glob(f"*/*.jsonl{PARTIAL_SUFFIX}"):
        try:
            if partial.stat().st_mtime < stale_before:
                log.warning("taking over %s: its crawl ended without renaming it", partial)
                os.replace(partial, partial.with_name(partial.name.removesuffix(PARTIAL_SUFFIX)))
        except FileNotFoundError:  # renamed or loaded by another flow meanwhile
            continue
    return sorted(staging.glob("*/*.jsonl"))


def read_page_ids(staged: Path) -> frozenset[str] | None:
    """The ids the crawl of ``staged`` read on its pages; None when it wrote no such list (a
    source with ids of its own, a crawl that died): then no edit is recognised in the file."""
    try:
        return frozenset(page_ids_file(staged).read_text(encoding="utf-8").split())
    except FileNotFoundError:
        return None


def load_staged(config: MonitorConfig) -> list[FileLoad]:
    """Load each staged file in its own transaction, then delete it: a file is removed only
    once its rows are committed, so a crash between the two at worst loads it again
    (idempotent), never loses it.

    One connection serves the whole step: closing a connection checkpoints, once per step
    rather than once per file."""
    path, timeout = _warehouse(config)
    loads: list[FileLoad] = []
    files = staged_files(config)
    if not files:
        return loads
    with connect(path, timeout_s=timeout) as con:
        for file in files:
            try:
                batch = read_staging_file(file)
            except FileNotFoundError:  # another flow (on another worker) loaded it first
                continue
            log.info("loading %s: %d rows", file.name, batch.table.num_rows)
            for reject in batch.rejects:
                log.warning("rejected %s", reject)
            result = upsert_mentions(con, batch.table, read_page_ids(file))
            file.unlink(missing_ok=True)
            log.info("loaded %s: %d new, %d updated, %d rejected", file.name, result.new, result.updated, len(batch.rejects))
            loads.append(FileLoad(file, result, batch.rejects))
    return loads


def configured_scorer(config: MonitorConfig) -> Scorer:
    """The scorer every step uses: the configured model, or the head `model adapt` activated for it."""
    from sentiment import load_scorer  # torch import is slow; only the scoring steps pay it

    settings = config.sentiment
    model = scoring_model(config.warehouse.path, settings.model, use_adapted=settings.use_adapted,
                          timeout_s=config.warehouse.lock_timeout_s)
    return load_scorer(model, batch_size=settings.batch_size, max_length=settings.max_length)


def score_pending(config: MonitorConfig, progress: bool = False) -> ScoringSummary:
    """Score every mention the configured model has not scored (for its current text)."""
    scorer = configured_scorer(config)
    path, timeout = _warehouse(config)
    with connect(path, timeout_s=timeout) as con:
        pending = pending_texts(con, scorer.model_id)
    cut = sum(p.cut for p in pending)
    log.info("%d texts to score with %s (%d longer than %d characters: scored on their start)",
             len(pending), scorer.model_id, cut, MAX_SCORED_CHARS)
    for start in range(0, len(pending), SCORE_CHUNK):
        chunk = pending[start : start + SCORE_CHUNK]
        scores, vectors = score_and_embed(scorer, [p.text for p in chunk], config.sentiment.store_embeddings, progress)
        table = score_table(scorer.model_id, [(p.mention_id, p.text_md5) for p in chunk], scores)
        embeddings = None if vectors is None else embedding_table(scorer.model_id, [p.text_md5 for p in chunk], vectors)
        with connect(path, timeout_s=timeout) as con:
            store_scores(con, table, embeddings)
    return ScoringSummary(scorer.model_id, len(pending), cut)


#: Clear rated reviews from which the run suggests `klantstem model adapt`: on 100 rated bol.com
#: reviews the adapted head was already 2.8 points more accurate held out (docs/sentiment.md).
ADAPT_HINT_MIN_REVIEWS = 100


def adapt_hint(config: MonitorConfig) -> str | None:
    """A one-line suggestion to adapt the sentiment model, while it could and never was.

    The brand's own star ratings are the largest measured gain in accuracy, but adapting changes
    every label once, so it is a person's decision: the run only says when it is worth trying,
    and never again once a head has been adapted (accepted or not).
    """
    from sentiment.adapt import NEGATIVE_AT_MOST, POSITIVE_AT_LEAST
    from sentiment.registry import resolve

    settings = config.sentiment
    if not settings.use_adapted or resolve(settings.model).kind != "e5-head":
        return None
    path, timeout = _warehouse(config)
    with connect(path, read_only=True, timeout_s=timeout) as con:
        if ever_adapted(con):
            return None
        clear = clear_rated_reviews(con, NEGATIVE_AT_MOST, POSITIVE_AT_LEAST)
    if clear < ADAPT_HINT_MIN_REVIEWS:
        return None
    return (f"{clear:,} reviews with clear star ratings could adapt the sentiment model to your brands' "
            "customers: `klantstem model adapt` measures it and switches only when it is more accurate")


def refresh(config: MonitorConfig) -> list[str]:
    path, timeout = _warehouse(config)
    with connect(path, timeout_s=timeout) as con:
        return refresh_views(con)


def detect_alerts(config: MonitorConfig, as_of: date) -> list[AlertEvent]:
    """Alert rules at the end of ``as_of`` (or now, for today); records alerts, sends messages.
    Returns what was messaged (new, worse, level shift, recovered)."""
    return run_alerts(config, evaluation_time(as_of)).notified


@dataclass(frozen=True)
class BrandLine:
    brand: str
    own: bool
    volume: int
    scored: int
    share_negative: float | None
    recent_volume: int
    recent_share_negative: float | None
    invited_share: float | None = None  # of all reviews in the last 7 days (a KPI in itself)
    judged: str = "daily"  # how the alert rules judge the brand (alerts.engine.judgement)


def brand_lines(config: MonitorConfig, as_of: date) -> list[BrandLine]:
    """Per configured brand: all-time organic volume and negative share, the same for the spike
    window, the share of invited reviews over the last week and how the alerts judge it."""
    path, timeout = _warehouse(config)
    days = config.alerts.window_days
    # From the per-day totals (daily_sentiment), not from every mention: the cost stays flat
    # as the history grows. negative = share * scored is a whole number, rounded back.
    with connect(path, read_only=True, timeout_s=timeout) as con:
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                """
                WITH d AS (
                    SELECT brand, day, volume, scored, round(share_negative * scored) AS negative,
                           invited_volume, total_volume
                    FROM daily_sentiment WHERE source = 'all'
                )
                SELECT brand, CAST(sum(volume) AS BIGINT), CAST(sum(scored) AS BIGINT),
                       sum(negative) / nullif(sum(scored), 0),
                       CAST(coalesce(sum(volume) FILTER (WHERE day > $as_of - $days AND day <= $as_of), 0) AS BIGINT),
                       sum(negative) FILTER (WHERE day > $as_of - $days AND day <= $as_of)
                         / nullif(sum(scored) FILTER (WHERE day > $as_of - $days AND day <= $as_of), 0),
                       sum(invited_volume) FILTER (WHERE day > $as_of - 7 AND day <= $as_of)
                         / nullif(sum(total_volume) FILTER (WHERE day > $as_of - 7 AND day <= $as_of), 0),
                       coalesce(sum(scored) FILTER (WHERE day > $as_of - $baseline AND day <= $as_of), 0)
                FROM d GROUP BY brand
                """,
                {"as_of": as_of, "days": days, "baseline": config.alerts.baseline_days},
            ).fetchall()
        }
    lines = []
    for b in config.brands:
        *figures, invited, recent_scored = rows.get(b.name, (0, 0, None, 0, None, None, 0))
        lines.append(BrandLine(b.name, b.own, *figures, invited, judgement(recent_scored, config.alerts)))
    return lines
