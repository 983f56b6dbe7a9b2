"""Drill "an analyst holds the DuckDB file open read-only during the daily run".

DuckDB 2.0 lets one process write a file, and a read-only holder (the duckdb CLI with
-readonly, a notebook) keeps writers out as well. The run's prepare and load steps, in their
own process, must wait with a message that says what is going on, finish once the analyst
closes the file, and lose nothing: a run that gives up keeps its staged files for the next."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from flows import steps
from klantstem.config import load_config
from tests.drill_helpers import migrated, report, stage_files, start_loader, write_config
from warehouse.connection import connect


def _analyst(db: Path) -> subprocess.Popen:
    """The duckdb CLI opened read-only with a query run, as an analyst would leave it; a
    Python read-only connection where the CLI is not installed."""
    if shutil.which("duckdb"):
        cli = subprocess.Popen(["duckdb", "-readonly", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        assert cli.stdin is not None and cli.stdout is not None
        cli.stdin.write("SELECT 'ready', count(*) FROM mentions;\n")
        cli.stdin.flush()
        while "ready" not in (cli.stdout.readline() or "ready"):
            pass
        return cli
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "con.execute('SELECT count(*) FROM mentions').fetchall(); print('ready', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def _close(analyst: subprocess.Popen) -> None:
    assert analyst.stdin is not None
    analyst.stdin.close()  # the analyst quits the shell
    analyst.wait(timeout=30)


def test_a_read_only_analyst_session_blocks_writers_in_duckdb_2(tmp_path: Path) -> None:
    db = migrated(tmp_path / "wh.duckdb")
    analyst = _analyst(db)
    try:
        with pytest.raises(duckdb.IOException, match="Could not set lock"):
            duckdb.connect(str(db))
        duckdb.connect(str(db), read_only=True).close()  # other readers are fine
    finally:
        _close(analyst)
    duckdb.connect(str(db)).close()


def test_the_run_waits_for_the_analyst_with_a_clear_message_and_loads_everything_after(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, lock_timeout_s=60)
    config = load_config(config_path)
    db = migrated(config.warehouse.path)
    staged = stage_files(config.warehouse.staging_dir, files=3, rows=300)
    analyst = _analyst(db)
    hold_s = 3.0
    released = threading.Timer(hold_s, _close, [analyst])
    started = time.perf_counter()
    released.start()
    loader = start_loader(config_path, "prepare")  # prepare_run (migrate) + load_staged
    out, err = loader.communicate(timeout=120)
    elapsed = time.perf_counter() - started
    released.join()
    assert loader.returncode == 0, err[-2000:]
    waits = [line for line in err.splitlines() if "is locked by another process" in line]
    assert waits, err[-2000:]
    assert "even a read-only one" in waits[0] and "staged files are kept until loaded" in waits[0]
    assert "(PID " in waits[0], "the message names the process holding the file"
    assert elapsed >= hold_s
    result = json.loads(out.strip().splitlines()[-1])
    with connect(db, read_only=True) as con:
        stored = con.execute("SELECT count(*), count(DISTINCT external_id) FROM mentions").fetchall()[0]
    assert result["files"] == 3 and stored == (len(staged.all_ids), len(staged.all_ids))
    assert not list(config.warehouse.staging_dir.glob("*/*.jsonl"))
    report(f"analyst holds the file read-only for {hold_s:.0f} s: run waited ({len(waits)} lock message(s)), "
           f"finished {elapsed:.1f} s after start; {stored[0]} of {len(staged.all_ids)} mentions loaded, staging empty. "
           f"Message: {waits[0].split(': ', 1)[-1][:160]}")


def test_a_run_that_gives_up_keeps_every_staged_file_for_the_next_run(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, lock_timeout_s=1)
    config = load_config(config_path)
    db = migrated(config.warehouse.path)
    staged = stage_files(config.warehouse.staging_dir, files=2, rows=200)
    analyst = _analyst(db)
    try:
        loader = start_loader(config_path)
        out, err = loader.communicate(timeout=120)
    finally:
        _close(analyst)
    assert loader.returncode != 0
    assert "WarehouseLockedError" in err and "still locked by another process after" in err
    assert "staged files are kept until loaded" in err
    assert all(f.exists() for f in staged.files), "nothing was deleted"
    loads = steps.load_staged(config)  # the next run, the analyst gone
    with connect(db, read_only=True) as con:
        stored = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
    assert len(loads) == 2 and stored == len(staged.all_ids)
    report(f"analyst holds the file past lock_timeout_s=1: run failed with WarehouseLockedError, "
           f"{len(staged.files)} staged files kept; next run loaded {stored} of {len(staged.all_ids)} mentions")
