"""A user's mistake or a sick machine ends in one line that names the file, field or cause;
never a traceback, never a run that quietly does nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.crawl import CrawlJob, CrawlResult
from flows.daily import _reports
from flows.steps import FileLoad, prune_run_folders
from klantstem.cli import main
from klantstem.config import ConfigError, load_config, parse_config
from klantstem.privacy import SALT_FILE_NAME, load_or_create_salt
from klantstem.runlock import RunInProgressError, lock_path, run_lock
from tests.drill_helpers import report, write_config
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import LoadResult, upsert_mentions
from warehouse.migrate import migrate

BRAND = '[[brands]]\nname = "Snelkoop"\n'


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("klantstem: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


# ------------------------------------------------------------------ config file


def test_a_config_path_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"is a folder, not a config file"):
        load_config(tmp_path)


@pytest.mark.parametrize("value", ['"yes"', "1", '"true"', "0"])
def test_booleans_must_be_toml_booleans(value: str) -> None:
    with pytest.raises(ConfigError, match=r"brands\[0\]\.own: .*must be true or false"):
        parse_config(BRAND + f"own = {value}\n")
    with pytest.raises(ConfigError, match=r"crawl\.obey_robots: .*must be true or false"):
        parse_config(BRAND + f"[crawl]\nobey_robots = {value}\n")
    assert parse_config(BRAND + "own = true\n").brands[0].own is True


def test_brand_names_are_trimmed_and_unique_ignoring_case() -> None:
    assert parse_config('[[brands]]\nname = "  Snelkoop "\n').brands[0].name == "Snelkoop"
    with pytest.raises(ConfigError, match="brand names must be unique"):
        parse_config(BRAND + '[[brands]]\nname = "snelkoop "\n')
    with pytest.raises(ConfigError, match=r"brands\[0\]\.name: .*must not be blank"):
        parse_config('[[brands]]\nname = "   "\n')


@pytest.mark.parametrize("field", ['url = "https://jan:s3cr3t-pw@shop.example/reviews"',
                                   'url = "https://s3cr3t-token@shop.example/reviews"'])
def test_a_url_with_credentials_is_refused_without_repeating_them(field: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(BRAND + f'[[brands.sources]]\ntype = "jsonld"\n{field}\n')
    assert "user name or password in the URL is not allowed" in str(err.value)
    assert "s3cr3t" not in str(err.value)
    with pytest.raises(ConfigError, match="not allowed"):
        parse_config(BRAND + '[[brands.sources]]\ntype = "rss"\nfeeds = ["https://a:b@news.example/feed.xml"]\n')


def test_config_check_warns_about_a_brand_without_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "-c", str(write_config(tmp_path))]) == 0
    assert "brand 'Snelkoop' has no [[brands.sources]]" in capsys.readouterr().err


# ------------------------------------------------------------------ folders and warehouse


def test_an_unwritable_warehouse_folder_fails_config_check_and_run_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").write_text("a file where the warehouse folder should be", encoding="utf-8")
    config = write_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace('path = "klantstem.duckdb"',
                                                                'path = "data/klantstem.duckdb"'), encoding="utf-8")
    assert main(["config", "check", "-c", str(config)]) == 2
    assert f"warehouse.path: cannot write to {tmp_path / 'data'}" in one_line_error(capsys)
    started = time.perf_counter()
    assert main(["run", "-c", str(config)]) == 2
    assert "warehouse.path: cannot write" in one_line_error(capsys)
    assert time.perf_counter() - started < 5, "refused before Prefect or any crawl starts"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_warehouse_folder_fails_config_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    config = write_config(folder)
    folder.chmod(0o555)
    try:
        assert main(["config", "check", "-c", str(config)]) == 2
        assert "cannot write to" in one_line_error(capsys)
    finally:
        folder.chmod(0o755)


def test_a_refused_sql_query_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    with connect(tmp_path / "klantstem.duckdb") as con:
        migrate(con)
    assert main(["sql", "-c", str(config), "DELETE FROM mentions"]) == 2
    assert "query refused" in one_line_error(capsys)
    assert main(["sql", "-c", str(config), "SELEC 1"]) == 2
    assert "query refused" in one_line_error(capsys)


class _DiskFull:
    """A connection whose COMMIT fails as on a full disk: DuckDB has already ended the
    transaction, so the ROLLBACK that follows raises 'no transaction is active'."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, sql: str, *args: object):
        if sql.strip() == "COMMIT":
            self._con.execute("ROLLBACK")
            raise duckdb.IOException("Could not write file \"klantstem.duckdb.wal\": No space left on device")
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def test_a_full_disk_is_named_not_hidden_behind_a_failed_rollback(tmp_path: Path) -> None:
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        with pytest.raises(duckdb.IOException, match="No space left on device"):
            upsert_mentions(_DiskFull(con), table(row("r1")))  # type: ignore[arg-type]
        assert con.execute("SELECT count(*) FROM mentions").fetchall() == [(0,)]


def test_an_error_of_the_machine_is_one_line_with_exit_1(monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    def disk_full(args: object) -> int:
        raise duckdb.IOException("Could not write file: No space left on device")

    import klantstem.cli as cli

    monkeypatch.setattr(cli, "_cmd_config_check", disk_full)
    assert main(["config", "check"]) == 1
    assert "IOException: Could not write file: No space left on device" in one_line_error(capsys)


# ------------------------------------------------------------------ the run summary


class _Done:
    def __init__(self, outcome: CrawlResult) -> None:
        self.outcome = outcome

    def result(self, raise_on_failure: bool = True) -> CrawlResult:
        return self.outcome


def _crawl(run_dir: Path, scraped: int) -> tuple[CrawlJob, _Done]:
    job = CrawlJob("Snelkoop", "trustpilot", "trustpilot", "https://tp.example/review/snelkoop.nl", 5)
    now = datetime.now(UTC)
    stats = {"pages_fetched": 3, "items_scraped": scraped, "items_seen": 0, "items_dropped": {}, "complete": True}
    return job, _Done(CrawlResult(job, run_dir / f"{job.slug}.jsonl", stats, now, now))


def test_a_deleted_staging_folder_is_a_failed_source_not_ok_with_0_new(tmp_path: Path) -> None:
    job, done = _crawl(tmp_path / "staging" / "run-2", scraped=60)
    (report,), (run,) = _reports([job], [done], [])
    assert report.status == "failed" and run.complete is False
    assert "60 rows were crawled but the staging folder" in (report.error or "")


def test_after_a_recovery_the_summary_counts_the_earlier_runs_rows_as_new(tmp_path: Path) -> None:
    run_dir = tmp_path / "staging" / "run-2"
    run_dir.mkdir(parents=True)
    job, done = _crawl(run_dir, scraped=5000)
    leftover = FileLoad(tmp_path / "staging" / "run-1" / f"{job.slug}.jsonl", LoadResult(5000, 0, 5000, 0), [])
    this_run = FileLoad(run_dir / f"{job.slug}.jsonl", LoadResult(5000, 0, 0, 5000), [])
    (report,), _ = _reports([job], [done], [leftover, this_run])
    assert (report.status, report.new, report.recovered) == ("ok", 5000, 5000)


def test_old_run_folders_are_pruned_but_never_one_with_a_staged_file(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    old, unloaded, recent = (staging / n for n in ("run-old", "run-unloaded", "run-recent"))
    for folder in (old, unloaded, recent):
        folder.mkdir(parents=True)
        (folder / "trustpilot__snelkoop.log").write_text("Error processing ReviewItem(...)", encoding="utf-8")
    (unloaded / "trustpilot__snelkoop.jsonl").write_text("{}\n", encoding="utf-8")
    month_ago = time.time() - 30 * 86400
    for folder in (old, unloaded):
        for file in folder.iterdir():
            os.utime(file, (month_ago, month_ago))
    assert prune_run_folders(staging, keep_days=14) == [old]
    assert not old.exists() and unloaded.exists() and recent.exists()


# ------------------------------------------------------------------ two runs at once

HOLDER = """
import sys, time
from pathlib import Path
from klantstem.runlock import run_lock
with run_lock(Path(sys.argv[1])):
    print("HOLDING", flush=True)
    time.sleep(60)
"""


def test_a_second_run_stops_at_once_naming_the_run_in_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "klantstem.duckdb")],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HOLDING"
        started = time.perf_counter()
        assert main(["run", "-c", str(config)]) == 2
        err = one_line_error(capsys)
        assert f"another klantstem run is in progress on {tmp_path / 'klantstem.duckdb'} (PID {holder.pid}" in err
        assert time.perf_counter() - started < 5
        report(f"two runs at once: the second stopped in {time.perf_counter() - started:.2f} s with: {err}")
    finally:
        holder.kill()  # SIGKILL: the kernel drops the lock with the process
        holder.wait()
    with run_lock(tmp_path / "klantstem.duckdb"):
        with run_lock(tmp_path / "klantstem.duckdb"):  # the flow inside `klantstem run` takes it again
            assert lock_path(tmp_path / "klantstem.duckdb").read_text(encoding="utf-8").startswith(f"PID {os.getpid()}")


def test_the_run_lock_is_refused_while_held_elsewhere_in_this_process_tree(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "wh.duckdb")], stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HOLDING"
        with pytest.raises(RunInProgressError, match="wait for it to finish"):
            with run_lock(tmp_path / "wh.duckdb"):
                pass
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------------------------ the salt


def test_a_salt_file_created_by_another_process_meanwhile_is_used_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("KLANTSTEM_AUTHOR_SALT", raising=False)
    (tmp_path / SALT_FILE_NAME).write_text("theirs\n", encoding="utf-8")
    monkeypatch.setattr(Path, "exists", lambda self: False)  # it appeared after our check
    assert load_or_create_salt(tmp_path) == "theirs"


SALT_READER = "import sys; from pathlib import Path; from klantstem.privacy import load_or_create_salt; " \
              "print(load_or_create_salt(Path(sys.argv[1])))"


def test_processes_starting_at_once_agree_on_one_salt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KLANTSTEM_AUTHOR_SALT"} | {"PYTHONPATH": os.getcwd()}
    procs = [subprocess.Popen([sys.executable, "-c", SALT_READER, str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(8)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs if e]
    salts = {o.strip() for o, _ in outs}
    assert len(salts) == 1 and len(salts.pop()) == 64
    assert (tmp_path / SALT_FILE_NAME).stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [SALT_FILE_NAME], "no temporary files left"
