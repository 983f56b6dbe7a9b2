"""Drill "crash mid-load": the real load step runs in its own process over several staged
files and is killed with SIGKILL - between two files, and inside a file's transaction. An
analyst's read-only connection then sees only whole files, the maintained tables agree with
what is visible, and a re-run leaves every mention exactly once and the staging folder empty."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pyarrow as pa
import pytest

from flows import steps
from klantstem.config import load_config
from tests.drill_helpers import lines, migrated, report, stage_files, start_loader, write_config
from warehouse import incremental
from warehouse.connection import connect

FILES, ROWS = 6, 2000


def _visible(db: Path, ids: set[str]) -> int:
    with connect(db, read_only=True) as con:
        con.register("wanted", pa.table({"external_id": sorted(ids)}))
        return con.execute("SELECT count(*) FROM mentions WHERE external_id IN (SELECT external_id FROM wanted)").fetchall()[0][0]


def _kill_at(process, marker: str, nth: int, delay_s: float) -> tuple[list[str], float]:
    """Read the loader's log until the ``nth`` line containing ``marker``; SIGKILL after ``delay_s``."""
    seen, count = [], 0
    assert process.stderr is not None
    for line in lines(process.stderr):
        seen.append(line)
        if marker in line:
            count += 1
            if count == nth:
                time.sleep(delay_s)
                started = time.perf_counter()
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                return seen, time.perf_counter() - started
    raise AssertionError(f"loader ended before {nth} x {marker!r}: {seen[-5:]}")


@pytest.mark.parametrize(
    ("mode", "marker", "nth", "delay_s"),
    [
        ("", "loaded ", 2, 0.0),                               # right after the 2nd file committed
        ("", "loading ", 4, 0.05),                             # 50 ms into the 4th file
        ("pause-in-transaction:3", "IN-TRANSACTION", 1, 0.0),  # 3rd file: rows written, not committed
    ],
    ids=["between-files", "during-a-file", "inside-the-transaction"],
)
def test_a_loader_killed_mid_load_leaves_only_whole_files_and_a_rerun_loads_each_mention_once(
    tmp_path: Path, mode: str, marker: str, nth: int, delay_s: float
) -> None:
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    db = migrated(config.warehouse.path)
    staged = stage_files(config.warehouse.staging_dir, FILES, ROWS)

    loader = start_loader(config_path, mode)
    log, _ = _kill_at(loader, marker, nth, delay_s)
    assert loader.returncode == -signal.SIGKILL
    committed = sum("loaded " in line for line in log)

    # What an analyst sees after the crash: each file entirely or not at all.
    whole, absent = [], []
    for file in staged.files:
        own = staged.ids[file] - set().union(*(ids for f, ids in staged.ids.items() if f != file))
        visible = _visible(db, own)
        assert visible in (0, len(own)), f"{file.name}: {visible} of {len(own)} rows visible: half a batch"
        (whole if visible else absent).append(file)
    assert whole == staged.files[: len(whole)], "files load in order; a later one cannot be visible before an earlier one"
    assert len(whole) >= committed
    if mode.startswith("pause-in-transaction:"):
        paused_file = int(mode.split(":")[1])
        assert len(whole) == paused_file - 1, "the file being written when the process died is not visible"
    with connect(db, read_only=True) as con:
        status = incremental.sync_status(con)
        assert status.in_sync, "maintained tables commit with their rows"
        assert con.execute("SELECT sum(volume) FROM daily_sentiment WHERE source = 'all'").fetchall()[0][0] == (
            status.mentions_rows or None)
    left = [f for f in staged.files if f.exists()]
    assert set(left) >= set(absent), "a file is deleted only after its rows are committed"

    # The next run loads what is left; nothing twice, nothing lost.
    started = time.perf_counter()
    loads = steps.load_staged(config)
    rerun_s = time.perf_counter() - started
    with connect(db, read_only=True) as con:
        total, distinct = con.execute("SELECT count(*), count(DISTINCT (source, external_id)) FROM mentions").fetchall()[0]
        assert incremental.sync_status(con).in_sync
        volume = con.execute("SELECT sum(volume) FROM daily_sentiment WHERE source = 'all'").fetchall()[0][0]
    assert total == distinct == len(staged.all_ids) == volume
    assert not list(config.warehouse.staging_dir.glob("*/*.jsonl"))
    report(
        f"crash mid-load [{mode or 'kill'} at {marker.strip()} #{nth} +{delay_s * 1000:.0f} ms]: "
        f"{committed} file(s) logged as committed, {len(whole)} of {FILES} visible whole, 0 partial; "
        f"re-run loaded {len(loads)} file(s) in {rerun_s:.2f} s; {total} mentions, each once "
        f"(expected {len(staged.all_ids)}); staging empty"
    )
