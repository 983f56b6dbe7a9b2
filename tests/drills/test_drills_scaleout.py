"""Past one machine, the parts that can run here: the warehouse as day-partitioned Parquet
that any engine reads back; the crawl and score deployments in prefect.yaml; scoring fanned
out over a local Dask cluster (prefect-dask) with one writer; and (slow) the crawl and score
deployments picked up by two Prefect process workers from one work pool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
import yaml

from klantstem.cli import main
from tests.drill_helpers import REPO, report
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.export import DATASETS, export_parquet
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores


def _scored_warehouse(path: Path, days: int = 5, per_day: int = 4) -> Path:
    with connect(path) as con:
        migrate(con)
        upsert_mentions(con, table(*(row(f"d{d}-{i}", day=d, brand=("Snelkoop", "Winkelwagen")[i % 2])
                                     for d in range(days) for i in range(per_day))))
        pending = pending_texts(con, "m")
        store_scores(con, pa.Table.from_pylist(
            [{"mention_id": p.mention_id, "model_id": "m", "text_md5": p.text_md5, "label": ("neg", "neu", "pos")[n % 3],
              "score": (-0.8, 0.0, 0.8)[n % 3], "p_neg": 0.1, "p_neu": 0.1, "p_pos": 0.8, "language": "nl"}
             for n, p in enumerate(pending)], schema=SCORE_SCHEMA))
    return path


def _read_back(out: Path, name: str) -> list[tuple]:
    con = duckdb.connect()
    return sorted(con.execute(
        f"SELECT * FROM read_parquet('{out / name}/*/*.parquet', hive_partitioning = true)").fetchall(), key=repr)


def test_the_parquet_export_is_partitioned_by_day_and_reads_back_in_any_engine(tmp_path: Path) -> None:
    db = _scored_warehouse(tmp_path / "wh.duckdb")
    out = tmp_path / "lake"
    with connect(db, read_only=True) as con:
        result = export_parquet(con, out)
        columns = [d[0] for d in con.execute("SELECT * FROM mentions_scored LIMIT 0").description]
        expected = sorted(con.execute(f"SELECT {', '.join(c for c in columns if c != 'day')}, day FROM mentions_scored").fetchall(), key=repr)
        daily = sorted(con.execute("SELECT * EXCLUDE (day), day FROM daily_sentiment").fetchall(), key=repr)
    assert sorted(p.name for p in (out / "mentions").iterdir()) == [f"day=2026-11-0{d}" for d in range(1, 6)]
    assert result.rows == {"mentions": 20, "sentiment_scores": 20, "daily_sentiment": 20, "crawl_runs": 0}
    assert _read_back(out, "mentions") == expected, "DuckDB reads back exactly mentions_scored"
    assert [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in _read_back(out, "daily_sentiment")] == \
        [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in daily]
    # pyarrow (what Spark, Polars, pandas use underneath): the same rows, day from the path.
    hive = ds.partitioning(pa.schema([("day", pa.date32())]), flavor="hive")
    arrow = ds.dataset(out / "mentions", format="parquet", partitioning=hive).to_table()
    assert arrow.num_rows == 20 and "day" in arrow.column_names
    assert sorted(set(arrow.column("day").to_pylist())) == sorted({r[-1] for r in expected})
    assert not list(out.glob(".*")), "no temporary folders left"


def test_an_incremental_export_rewrites_only_the_days_from_since(tmp_path: Path) -> None:
    db = _scored_warehouse(tmp_path / "wh.duckdb")
    out = tmp_path / "lake"
    with connect(db, read_only=True) as con:
        export_parquet(con, out)
    old_files = {p.parent.name: p.stat().st_mtime_ns for p in (out / "mentions").glob("day=*/*.parquet")}
    time.sleep(0.01)
    with connect(db) as con:  # a new day arrives, and an edit of yesterday's review
        upsert_mentions(con, table(row("d5-new", day=5), row("d4-0", day=4, text="Toch niet goed.")))
    with connect(db, read_only=True) as con:
        result = export_parquet(con, out, since=date(2026, 11, 5))
        expected = con.execute("SELECT count(*) FROM mentions_scored").fetchall()[0][0]
    assert result.partitions["mentions"] == 2 and result.rows["mentions"] == 5
    new_files = {p.parent.name: p.stat().st_mtime_ns for p in (out / "mentions").glob("day=*/*.parquet")}
    assert {d for d in new_files if new_files[d] != old_files.get(d)} == {"day=2026-11-05", "day=2026-11-06"}
    assert len(_read_back(out, "mentions")) == expected == 21
    texts = duckdb.connect().execute(
        f"SELECT text FROM read_parquet('{out / 'mentions'}/*/*.parquet', hive_partitioning = true)").fetchall()
    assert ("Toch niet goed.",) in texts


def test_klantstem_export_parquet_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _scored_warehouse(tmp_path / "klantstem.duckdb")
    config = tmp_path / "monitor.toml"
    config.write_text('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "klantstem.duckdb"\n', encoding="utf-8")
    assert main(["export", "parquet", "--config", str(config), "--out", str(tmp_path / "out")]) == 0
    assert "mentions 20 rows in 5 day(s)" in capsys.readouterr().out
    assert set(DATASETS) <= {p.name for p in (tmp_path / "out").iterdir()}
    assert main(["warehouse", "status", "--config", str(config)]) == 0
    assert "in sync" in capsys.readouterr().out
    assert main(["export", "parquet", "--config", str(tmp_path / "none.toml"), "--out", str(tmp_path / "x")]) == 2


def _deployments() -> dict[str, dict]:
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    return {d["name"]: d for d in spec["deployments"]}


def test_crawl_and_score_deployments_run_the_scale_out_flows_on_the_daily_pool() -> None:
    from prefect.flows import load_flow_from_entrypoint

    deployments = _deployments()
    for name, flow_name in (("crawl", "crawl-sources"), ("score", "score-sentiment")):
        spec = deployments[name]
        flow = load_flow_from_entrypoint(str(REPO / spec["entrypoint"]))
        assert flow.name == flow_name
        assert set(spec["parameters"]) <= set(flow.parameters.properties)
        assert spec["work_pool"] == deployments["daily"]["work_pool"], "same pool: same workers, same Kubernetes/ECS switch"
        assert "schedules" not in spec
    assert deployments["score"]["concurrency_limit"] == 1


def test_the_scoring_task_runner_is_dask_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.task_runners import ProcessPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from flows.scale import DASK_ADDRESS_ENV, TASK_RUNNER_ENV, scoring_task_runner

    assert isinstance(scoring_task_runner(), DaskTaskRunner)
    monkeypatch.setenv(DASK_ADDRESS_ENV, "tcp://scheduler.example:8786")
    assert scoring_task_runner().address == "tcp://scheduler.example:8786"
    monkeypatch.setenv(TASK_RUNNER_ENV, "process")
    assert isinstance(scoring_task_runner(), ProcessPoolTaskRunner)
    monkeypatch.setenv(TASK_RUNNER_ENV, "gpu-cloud")
    with pytest.raises(ValueError, match="KLANTSTEM_TASK_RUNNER"):
        scoring_task_runner()


# --------------------------------------------------------------------------- slow


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.sentiment_helpers import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("model") / "tiny")


@pytest.mark.slow
def test_scoring_fans_out_over_a_local_dask_cluster_and_one_writer_stores_it(
    prefect_harness: None, tmp_path: Path, tiny_model: Path
) -> None:
    from prefect_dask import DaskTaskRunner

    from flows.scale import score_sentiment

    config = tmp_path / "monitor.toml"
    config.write_text(f'[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "klantstem.duckdb"\n'
                      f'[sentiment]\nmodel = "{tiny_model}"\n', encoding="utf-8")
    db = tmp_path / "klantstem.duckdb"
    texts = ["Pakket nooit aangekomen, slechte service.", "Snel geleverd, top!", "Het was oké.", "Prima geholpen."]
    with connect(db) as con:
        migrate(con)
        upsert_mentions(con, table(*(row(f"m{i}", day=i % 7, text=texts[i % 4]) for i in range(60))))
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        runner = DaskTaskRunner(address=cluster.scheduler_address)
        started = time.perf_counter()
        summary = score_sentiment.with_options(task_runner=runner)(config_path=str(config), shard_size=10)
        elapsed = time.perf_counter() - started
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
        pids = client.run(os.getpid)
    assert summary.scored == 60
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT model_id) FROM sentiment_scores").fetchall() == [(60, 1)]
        assert con.execute("SELECT count(sentiment) FROM mentions_scored").fetchall() == [(60,)]
        assert pending_texts(con, summary.model_id) == []
    assert sorted(executed.values()) != [0, 6] and sum(executed.values()) == 6, f"six shards over both workers: {executed}"
    assert os.getpid() not in pids.values(), "the flow process itself scored nothing"
    report(f"scale-out: 60 texts in 6 shards scored over a local Dask cluster (2 worker processes ran "
           f"{sorted(executed.values())} shards), "
           f"stored by the one flow process, in {elapsed:.1f} s (cluster start and model load included)")


def _prefect(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prefect", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180, check=False)


@pytest.fixture
def workers(prefect_harness: None, tmp_path: Path) -> Iterator[tuple[dict[str, str], list[Path]]]:
    """The deployments of prefect.yaml on a 'klantstem' process pool, and two workers polling it."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "KLANTSTEM_HOME": str(REPO),
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1", "PREFECT_LOGGING_LEVEL": "INFO"}
    created = _prefect("work-pool", "create", "klantstem", "--type", "process", "--overwrite", env=env)
    assert created.returncode == 0, created.stdout + created.stderr
    deployed = _prefect("--no-prompt", "deploy", "--all", env=env)
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    logs, procs = [], []
    for name in ("worker-a", "worker-b"):
        log = tmp_path / f"{name}.log"
        handle = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
        procs.append((subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "klantstem",
                                        "--name", name, "--limit", "1"], cwd=tmp_path, env=env, stdout=handle,
                                       stderr=subprocess.STDOUT), handle))
        logs.append(log)
    try:
        yield env, logs
    finally:
        for proc, handle in procs:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            handle.close()


@pytest.mark.slow
def test_crawl_and_score_deployments_run_on_two_process_workers(
    workers: tuple[dict[str, str], list[Path]], tmp_path: Path, tiny_model: Path
) -> None:
    from prefect.deployments import run_deployment

    from klantstem.demo.server import DemoServer
    from klantstem.demo.site import demo_config_toml

    env, logs = workers
    data = tmp_path / "data"
    data.mkdir()
    with DemoServer() as server:
        text = demo_config_toml(server.base_url, data_dir=".") + f'\n[sentiment]\nmodel = "{tiny_model}"\n'
        config = data / "monitor.toml"
        config.write_text(text, encoding="utf-8")
        from klantstem.config import load_config

        brands = [b.name for b in load_config(config).brands]
        started = time.perf_counter()
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(max_workers=2) as pool:
            crawls = [pool.submit(run_deployment, "crawl-sources/crawl", timeout=300,
                                  parameters={"config_path": str(config), "brands": group})
                      for group in (brands[:1], brands[1:])]
            crawl_runs = [f.result() for f in crawls]
        crawled = time.perf_counter() - started
        score_run = run_deployment("score-sentiment/score", timeout=300, parameters={"config_path": str(config)})
        total = time.perf_counter() - started
    assert [r.state.type.value for r in crawl_runs] == ["COMPLETED", "COMPLETED"], [r.state for r in crawl_runs]
    assert score_run.state.type.value == "COMPLETED", score_run.state
    text_logs = {log.stem: log.read_text(encoding="utf-8") for log in logs}

    def took(text: str, run_id: str) -> bool:  # both workers may try; the server lets one have it
        return f"submitting flow run '{run_id}'" in text and f"Aborted submission of flow run '{run_id}'" not in text

    ran_on = {str(r.id): [w for w, t in text_logs.items() if took(t, str(r.id))] for r in [*crawl_runs, score_run]}
    assert all(len(w) == 1 for w in ran_on.values()), ran_on
    assert {w[0] for w in ran_on.values()} == {"worker-a", "worker-b"}, "both workers took runs"
    with connect(data / "klantstem.duckdb", read_only=True) as con:
        mentions, scored = con.execute("SELECT count(*), count(sentiment) FROM mentions_scored").fetchall()[0]
        brands_loaded = con.execute("SELECT count(DISTINCT brand) FROM mentions").fetchall()[0][0]
        crawl_rows = con.execute("SELECT count(*), count(DISTINCT flow_run_id) FROM crawl_runs").fetchall()[0]
    assert mentions > 0 and scored == mentions and brands_loaded == len(brands)
    assert crawl_rows[1] == 2
    report(f"scale-out: 2 crawl runs (brand groups) and 1 score run from prefect.yaml on a process pool with 2 workers "
           f"({', '.join(f'{k[:8]}->{v[0]}' for k, v in ran_on.items())}); {mentions} mentions loaded and scored; "
           f"crawls {crawled:.0f} s, all {total:.0f} s")
    shutil.rmtree(data, ignore_errors=True)
