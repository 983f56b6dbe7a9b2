"""Flows for running past one machine: crawling and scoring as their own deployments.

``daily-monitoring`` does everything in one flow run on one worker. When one machine is not
enough, the same steps run as two flows that Prefect work pools can place on several workers
(``prefect.yaml``: deployments ``crawl`` and ``score``):

* ``crawl-sources``: prepare, crawl (parallel subprocesses), load, record ``crawl_runs`` -
  for all brands or a ``brands`` subset, so brand groups can crawl on different workers at
  once. Crawls write ``*.jsonl.part`` and rename when done, and a load tolerates a file that
  another run loaded first, so concurrent runs never take each other's half-written files.
* ``score-sentiment``: the texts not scored yet, in shards scored in parallel by a Prefect
  task runner - a Dask cluster (``prefect-dask``: a temporary local cluster, or the one at
  ``KLANTSTEM_DASK_ADDRESS``) or local processes - while this flow alone writes the results
  (DuckDB has one writer), one short transaction per shard.

Every write still goes to the one DuckDB file, waiting politely for its lock; a shared
catalog (DuckLake, MotherDuck) is the step after that (README, "Past one machine").
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from functools import lru_cache
from typing import Any

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows import steps
from flows.daily import _reports, crawl_source
from flows.summary import SourceReport
from klantstem.clock import AMSTERDAM
from klantstem.config import load_config
from warehouse.connection import connect
from warehouse.crawl_runs import record_crawl_runs
from warehouse.embeddings import embedding_table, score_and_embed
from warehouse.models import scoring_model
from warehouse.scores import pending_texts, score_table, store_scores

TASK_RUNNER_ENV = "KLANTSTEM_TASK_RUNNER"  # dask | process
DASK_ADDRESS_ENV = "KLANTSTEM_DASK_ADDRESS"  # tcp://scheduler:8786; unset: a temporary local cluster
DASK_WORKERS_ENV = "KLANTSTEM_DASK_WORKERS"  # workers of that temporary cluster (default: CPU count)


def scoring_task_runner() -> Any:
    """The task runner ``score-sentiment`` fans out with: Dask when ``prefect-dask`` is installed
    (unless ``KLANTSTEM_TASK_RUNNER=process``), otherwise Prefect's process pool."""
    choice = os.environ.get(TASK_RUNNER_ENV, "dask")
    if choice == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            choice = "process"
        else:
            address = os.environ.get(DASK_ADDRESS_ENV) or None
            workers = int(os.environ.get(DASK_WORKERS_ENV) or 0) or os.cpu_count() or 1
            if address:
                return DaskTaskRunner(address=address)
            return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                                  "dashboard_address": ":0"})  # any free port: clusters may share a host
    if choice == "process":
        return ProcessPoolTaskRunner()
    raise ValueError(f"{TASK_RUNNER_ENV}={choice!r}: use 'dask' or 'process'")


@lru_cache(maxsize=2)
def _scorer(model: str, batch_size: int, max_length: int) -> Any:
    """One scorer per worker process: a shard after the first one reuses the loaded model."""
    from sentiment import load_scorer  # torch import is slow; only scoring processes pay it

    return load_scorer(model, batch_size=batch_size, max_length=max_length)


@task(name="score-shard")
def score_shard(model: str, batch_size: int, max_length: int, shard: list[tuple[str, str, str]],
                keep_embeddings: bool = True) -> tuple[pa.Table, pa.Table | None]:
    """Score ``(mention_id, text, text_md5)`` rows; returns ``SCORE_SCHEMA`` rows and, with
    ``keep_embeddings``, the texts' embeddings (``EMBEDDING_SCHEMA``); no warehouse access."""
    scorer = _scorer(model, batch_size, max_length)
    scores, vectors = score_and_embed(scorer, [text for _, text, _ in shard], keep_embeddings)
    get_run_logger().info("scored %d texts in process %d on %s", len(shard), os.getpid(), socket.gethostname())
    embeddings = None if vectors is None else embedding_table(scorer.model_id, [md5 for _, _, md5 in shard], vectors)
    return score_table(scorer.model_id, [(mention_id, md5) for mention_id, _, md5 in shard], scores), embeddings


@flow(name="score-sentiment", task_runner=scoring_task_runner())
def score_sentiment(config_path: str = "monitor.toml", shard_size: int = 2048) -> steps.ScoringSummary:
    """Score every text the configured model has not scored, in parallel shards."""
    logger = get_run_logger()
    config = load_config(config_path)
    settings = config.sentiment
    model = scoring_model(config.warehouse.path, settings.model, use_adapted=settings.use_adapted,
                          timeout_s=config.warehouse.lock_timeout_s)
    model_id = _scorer(model, settings.batch_size, settings.max_length).model_id
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    with connect(path, read_only=True, timeout_s=timeout) as con:
        pending = pending_texts(con, model_id)
    shards = [
        [(p.mention_id, p.text, p.text_md5) for p in pending[start : start + shard_size]]
        for start in range(0, len(pending), shard_size)
    ]
    logger.info("%d texts to score with %s in %d shard(s)", len(pending), model_id, len(shards))
    futures = [
        score_shard.with_options(task_run_name=f"score-shard-{i}").submit(
            model, settings.batch_size, settings.max_length, shard, settings.store_embeddings
        )
        for i, shard in enumerate(shards)
    ]
    stored = 0
    for future in as_completed(futures):
        table, embeddings = future.result()
        with connect(path, timeout_s=timeout) as con:  # this flow is the only writer
            stored += store_scores(con, table, embeddings)
    return steps.ScoringSummary(model_id, stored)


@flow(name="crawl-sources", task_runner=ThreadPoolTaskRunner())
def crawl_sources(config_path: str = "monitor.toml", brands: list[str] | None = None) -> list[SourceReport]:
    """Crawl and load the sources of ``brands`` (default: every brand in the config)."""
    logger = get_run_logger()
    config = load_config(config_path)
    if brands is not None:
        unknown = sorted(set(brands) - {b.name for b in config.brands})
        if unknown:
            raise ValueError(f"{config_path}: no brand named {', '.join(map(repr, unknown))}")
        config = config.model_copy(update={"brands": [b for b in config.brands if b.name in brands]})
    run_id = datetime.now(AMSTERDAM).strftime("%Y%m%dT%H%M%S") + "-" + str(flow_run.get_id() or "local")[:8]
    plan = steps.prepare_run(config, run_id)
    crawl = crawl_source.with_options(retries=config.crawl.retries, retry_delay_seconds=config.crawl.retry_delay_s)
    futures = [crawl.with_options(task_run_name=f"crawl-{job.slug}").submit(job, config, plan) for job in plan.jobs]
    for job, future in zip(plan.jobs, futures, strict=True):
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, BaseException):
            logger.error("source %s failed after retries: %s", job.slug, outcome)
    loads = steps.load_staged(config)
    reports, runs = _reports(plan.jobs, futures, loads)
    with connect(config.warehouse.path, timeout_s=config.warehouse.lock_timeout_s) as con:
        record_crawl_runs(con, runs)
    return reports
