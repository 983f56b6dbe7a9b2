"""The ``daily_monitoring`` Prefect flow: crawl every source in parallel subprocesses, load,
score, refresh the views, detect spikes.

This module is the only place that wires spiders, warehouse, sentiment and alerts together.
One failing source is retried, then logged and reported; the others still load.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from flows import steps
from flows.crawl import CrawlJob, CrawlResult, run_crawl
from flows.summary import RunSummary, SourceReport, depth_note
from insights.pipeline import refresh_insights
from klantstem.clock import AMSTERDAM
from klantstem.config import MonitorConfig, load_config
from klantstem.runlock import run_lock
from warehouse.connection import connect
from warehouse.crawl_runs import CrawlRun, record_crawl_runs



@task(name="crawl-source")
def crawl_source(job: CrawlJob, config: MonitorConfig, plan: steps.RunPlan) -> CrawlResult:
    salt = steps.author_salt(config)
    return run_crawl(
        job, config.crawl, plan.run_dir, plan.seen_ids_file(job), salt, config.privacy.pseudonymise_authors,
        plan.stop_ids_file(job),
    )


prepare = task(steps.prepare_run, name="prepare-run")
load = task(steps.load_staged, name="load-staged")
score = task(steps.score_pending, name="score-sentiment")
insights = task(refresh_insights, name="refresh-insights")
refresh_views = task(steps.refresh, name="refresh-views")
spikes = task(steps.detect_alerts, name="detect-alerts")


def _reports(
    jobs: list[CrawlJob], futures: list[PrefectFuture[CrawlResult]], loads: list[steps.FileLoad]
) -> tuple[list[SourceReport], list[CrawlRun]]:
    by_slug: dict[str, list[steps.FileLoad]] = {}
    for load in loads:  # a slug's file from this run, plus any left by a run that died before loading
        by_slug.setdefault(load.slug, []).append(load)
    reports, runs = [], []
    for job, future in zip(jobs, futures, strict=True):
        outcome = future.result(raise_on_failure=False)
        failed = isinstance(outcome, BaseException)
        stats = getattr(outcome, "stats", {}) if failed else outcome.stats
        skipped = stats.get("skipped")
        loaded = by_slug.get(job.slug, [])
        scraped = int(stats.get("items_scraped", 0))
        own_file = None if failed else outcome.staging_file
        recovered = sum(f.result.rows_in for f in loaded if f.path != own_file)
        if failed:
            status, note = "failed", str(outcome).splitlines()[0]
        elif skipped:
            status, note = "skipped", f"skipped: {skipped}"
        elif scraped and own_file is not None and not own_file.parent.exists():
            # (A file gone from a folder that is still there was loaded by a concurrent flow.)
            status, note = "failed", (f"{job.source} {job.url}: {scraped} rows were crawled but the staging folder "
                                      f"{own_file.parent} was deleted before they were loaded; none of them was loaded")
        elif stats.get("status") in ("degraded", "failed"):  # format drift (spiders.drift)
            status, note = stats["status"], f"{job.source} {job.url}: {stats.get('status_reason')}"
        else:
            status, note = "ok", None
        report = SourceReport(
            brand=job.brand,
            source=job.source,
            url=job.url,
            status=status,
            pages=int(stats.get("pages_fetched", 0)),
            scraped=scraped,
            new=sum(f.result.new for f in loaded),
            updated=sum(f.result.updated for f in loaded),
            seen=int(stats.get("items_seen", 0)),
            dropped=sum((stats.get("items_dropped") or {}).values()),
            rejected=sum(len(f.rejects) for f in loaded),
            error=note,
            recovered=recovered,
            note=depth_note(stats, job.max_pages) if status == "ok" else None,
        )
        reports.append(report)
        now = datetime.now(AMSTERDAM)
        runs.append(
            CrawlRun(
                flow_run_id=str(flow_run.get_id() or ""),
                source=job.source,
                brand=job.brand,
                url=job.url,
                started_at=now if failed else outcome.started_at,
                finished_at=now if failed else outcome.finished_at,
                status=report.status,
                pages=report.pages,
                items_scraped=report.scraped,
                items_new=report.new,
                items_seen=report.seen,
                items_dropped=report.dropped + report.rejected,
                error=report.error,
                complete=report.status == "ok" and bool(stats.get("complete")),
                note=report.note,
            )
        )
    return reports, runs


@flow(name="daily-monitoring", task_runner=ThreadPoolTaskRunner(), on_failure=[steps.flow_failure_hook])
def daily_monitoring(config_path: str = "monitor.toml", as_of: date | None = None, progress: bool = False) -> RunSummary:
    """Crawl -> load -> score -> insights -> refresh views -> alerts, for every brand in the config.

    ``as_of`` is the last day of the spike window (default: today in Amsterdam). Parallel
    crawls are capped by Prefect's ``PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS``. One run
    per warehouse at a time (``klantstem.runlock``): a second one stops at once.
    """
    config = load_config(config_path)
    with run_lock(config.warehouse.path):
        return _monitor(config, as_of, progress)


def _monitor(config: MonitorConfig, as_of: date | None, progress: bool) -> RunSummary:
    logger = get_run_logger()
    as_of = as_of or datetime.now(AMSTERDAM).date()
    run_id = datetime.now(AMSTERDAM).strftime("%Y%m%dT%H%M%S") + "-" + str(flow_run.get_id() or "local")[:8]
    plan = prepare(config, run_id)

    crawl = crawl_source.with_options(retries=config.crawl.retries, retry_delay_seconds=config.crawl.retry_delay_s)
    futures = [crawl.with_options(task_run_name=f"crawl-{job.slug}").submit(job, config, plan) for job in plan.jobs]
    for job, future in zip(plan.jobs, futures, strict=True):
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, BaseException):
            logger.error("source %s failed after retries: %s", job.slug, outcome)

    loads = load(config)
    reports, crawl_runs = _reports(plan.jobs, futures, loads)
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    with connect(path, timeout_s=timeout) as con:
        record_crawl_runs(con, crawl_runs)

    scoring = score(config, progress)
    aspects = insights(config, as_of=as_of, progress=progress)
    refresh_views(config)
    found = spikes(config, as_of)
    summary = RunSummary(
        run_id=run_id,
        as_of=as_of,
        sources=reports,
        model_id=scoring.model_id,
        scored=scoring.scored,
        scored_cut=scoring.cut,
        brands=steps.brand_lines(config, as_of),
        spikes=found,
        insights=aspects.describe(),
        unsourced=[b.name for b in config.brands if not b.sources],
        hint=steps.adapt_hint(config),
    )
    create_markdown_artifact(
        key="daily-monitoring-summary",
        markdown=f"```\n{summary.render()}\n```",
        description="Per-source crawl status, scoring, insights and alerts",
    )
    return summary


def run_once(config_path: Path, as_of: date | None = None, progress: bool = True) -> RunSummary:
    """Entry point for ``klantstem run``: one flow run, outside any deployment."""
    return daily_monitoring(config_path=str(config_path), as_of=as_of, progress=progress)
