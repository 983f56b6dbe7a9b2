"""Run one Scrapy crawl as its own subprocess and say how it went.

Twisted's reactor cannot be restarted inside one process, and a crawl that hangs or leaks
memory must not take the daily run with it: so every source is ``scrapy crawl`` in a child
process with a timeout, writing JSONL into the run's staging folder and its stats (pages,
items, the first fatal error) into a JSON file next to it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from klantstem.config import Brand, CrawlConfig, Source
from klantstem.privacy import PSEUDONYMISE_ENV, SALT_ENV

#: Suffix of a staging file while its crawl still writes it (see ``run_crawl``).
PARTIAL_SUFFIX = ".part"


class CrawlFailed(RuntimeError):
    """The crawl did not complete; the message is one line naming the source and URL.

    ``stats`` carries what the crawl managed before it failed (pages fetched, items seen),
    so the run summary and ``crawl_runs`` show how far a failing source got.
    """

    def __init__(self, message: str, stats: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.stats = stats or {}


@dataclass(frozen=True)
class CrawlJob:
    brand: str
    source: str  # Source.key
    spider: str  # Source.type
    url: str
    max_pages: int
    #: Extra ``-a name=value`` spider arguments: the source's type-specific fields and,
    #: for post sources, the brand's ``keywords``/``exclude`` (lists as JSON arrays).
    arguments: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_config(cls, brand: Brand, source: Source) -> CrawlJob:
        arguments = source.spider_arguments()
        if source.uses_brand_keywords:
            arguments["keywords"] = json.dumps(brand.keywords or [brand.name], ensure_ascii=False)
            if brand.exclude:
                arguments["exclude"] = json.dumps(brand.exclude, ensure_ascii=False)
        return cls(
            brand.name, source.key, source.type, str(source.url), source.max_pages, tuple(sorted(arguments.items()))
        )

    @property
    def slug(self) -> str:
        """File-name-safe, unique per (source, brand): names staging and stats files."""
        brand = re.sub(r"[^a-z0-9]+", "-", self.brand.casefold()).strip("-")
        return f"{self.source}__{brand}"


@dataclass(frozen=True)
class CrawlResult:
    job: CrawlJob
    staging_file: Path
    stats: dict[str, Any]
    started_at: datetime
    finished_at: datetime


def page_ids_file(staged: Path) -> Path:
    """Where the crawl writing ``staged`` (``<slug>.jsonl``, or its ``.part``) lists the ids
    it read on its pages (spiders whose source has no ids only; see ``warehouse.identity``)."""
    return staged.with_name(staged.name.split(".jsonl")[0] + ".pageids.txt")


def scrapy_command(
    job: CrawlJob, crawl: CrawlConfig, output: Path, seen_ids: Path, stats_file: Path, stop_ids: Path | None = None
) -> list[str]:
    """The ``scrapy crawl`` command line; politeness settings come from ``monitor.toml``."""
    settings = {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": str(crawl.obey_robots),
        "AUTOTHROTTLE_ENABLED": str(crawl.autothrottle),
        "DOWNLOAD_DELAY": str(crawl.download_delay_s),
        "KLANTSTEM_DRIFT_THRESHOLD": str(crawl.max_drop_share),
        "KLANTSTEM_TRUSTPILOT_LOGIN_WALL_PAGE": str(crawl.trustpilot_login_wall_page),
        "KLANTSTEM_STATS_FILE": str(stats_file),
        "KLANTSTEM_PAGE_IDS_FILE": str(page_ids_file(output)),
    }
    arguments = [
        ("url", job.url),
        ("brand", job.brand),
        ("source", job.source),
        ("max_pages", str(job.max_pages)),
        ("seen_ids", str(seen_ids)),
        ("recheck_pages", str(crawl.recheck_pages)),
        *([("stop_ids", str(stop_ids))] if stop_ids is not None else []),
        *job.arguments,
    ]
    return scrapy_crawl_argv(job.spider, arguments, settings, output)


def scrapy_crawl_argv(
    spider: str, arguments: Iterable[tuple[str, str]], settings: Mapping[str, str], output: Path
) -> list[str]:
    """``python -m scrapy crawl SPIDER -a name=value ... -s NAME=value ... -O output:jsonlines``:
    the one way a crawl is launched (the flow above, and the tests with their own arguments)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in arguments:
        command += ["-a", f"{name}={value}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command + ["-O", f"{output}:jsonlines"]


def crawl_environment(salt: str, pseudonymise: bool) -> dict[str, str]:
    """The child's environment: the salt travels here, never on the command line or in logs."""
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "spiders.settings"
    env[SALT_ENV] = salt
    env[PSEUDONYMISE_ENV] = "1" if pseudonymise else "0"
    return env


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except FileNotFoundError:
        return ""
    return " | ".join(text[-lines:])


def run_crawl(
    job: CrawlJob, crawl: CrawlConfig, run_dir: Path, seen_ids: Path, salt: str, pseudonymise: bool,
    stop_ids: Path | None = None,
) -> CrawlResult:
    """Run the crawl; raise ``CrawlFailed`` if the process or the spider reports an error.

    Items fetched before an error stay in the staging file and are loaded anyway: a source
    that breaks on page 3 still contributes pages 1 and 2.
    """
    output = run_dir / f"{job.slug}.jsonl"
    partial = output.with_name(output.name + PARTIAL_SUFFIX)  # what Scrapy writes into
    stats_file = run_dir / f"{job.slug}.stats.json"
    log_file = run_dir / f"{job.slug}.log"
    stats_file.unlink(missing_ok=True)
    started = datetime.now(UTC)
    command = scrapy_command(job, crawl, partial, seen_ids, stats_file, stop_ids)
    try:
        with open(log_file, "w", encoding="utf-8") as log:
            process = subprocess.run(
                command,
                cwd=run_dir,
                env=crawl_environment(salt, pseudonymise),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=crawl.timeout_s,
                check=False,
            )
    except subprocess.TimeoutExpired:
        raise CrawlFailed(f"{job.source} {job.url}: crawl killed after {crawl.timeout_s:.0f} s") from None
    finally:
        # Only a file whose writer has exited is named *.jsonl, so a load running meanwhile
        # (another flow on another worker) never takes a file that is still being written.
        if partial.exists():
            os.replace(partial, output)
    finished = datetime.now(UTC)
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    if process.returncode != 0:
        raise CrawlFailed(
            f"{job.source} {job.url}: scrapy exited with {process.returncode}: {_tail(log_file)}"[:500], stats
        )
    if stats.get("error"):
        raise CrawlFailed(f"{job.source} {job.url}: {stats['error']}"[:500], stats)
    if not stats:
        raise CrawlFailed(f"{job.source} {job.url}: crawl wrote no stats ({_tail(log_file)})"[:500])
    return CrawlResult(job, output, stats, started, finished)
