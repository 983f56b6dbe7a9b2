"""No review can make a run take unbounded time, and no killed run leaves processes behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from flows.summary import RunSummary
from klantstem.limits import MAX_SCORED_CHARS
from tests.drill_helpers import report
from tests.fault_site import FaultSite
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import pending_texts


def test_the_model_is_given_the_start_of_a_huge_text_and_the_cut_is_said(tmp_path: Path) -> None:
    huge = "Heel lang verhaal. " * 60_000  # ~1 MB, as one hostile review
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        upsert_mentions(con, table(row("big", title=None, text=huge), row("small", title=None, text="Kort en goed.")))
        pending = {p.mention_id: p for p in pending_texts(con, "some-model")}
        (big_id,) = [r[0] for r in con.execute("SELECT mention_id FROM mentions WHERE external_id = 'big'").fetchall()]
    big = pending.pop(big_id)
    (small,) = pending.values()
    assert (len(big.text), big.cut) == (MAX_SCORED_CHARS, True)
    assert big.text_md5 == hashlib.md5(huge.encode()).hexdigest(), "an edit past the cut still re-scores"
    assert (small.text, small.cut) == ("Kort en goed.", False)


def test_the_run_summary_says_how_many_texts_were_scored_on_their_start() -> None:
    summary = RunSummary(run_id="r", as_of=date(2026, 11, 28), sources=[], model_id="m", scored=12, brands=[],
                         scored_cut=1)
    assert f"Scored 12 new texts with m (1 longer than {MAX_SCORED_CHARS:,} characters: scored on their start)." \
        in summary.render()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux")
def test_a_killed_run_takes_prefects_temporary_api_server_with_it(tmp_path: Path) -> None:
    with FaultSite() as site:
        config = tmp_path / "monitor.toml"
        config.write_text(f"""
[[brands]]
name = "Snelkoop"
  [[brands.sources]]
  type = "trustpilot"
  url = "{site.url('/review/stall')}"
[warehouse]
path = "klantstem.duckdb"
staging_dir = "staging"
[crawl]
retries = 0
timeout_s = 120
download_delay_s = 0
""", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONPATH": os.getcwd(), "KLANTSTEM_AUTHOR_SALT": "s"}
        run = subprocess.Popen([sys.executable, "-m", "klantstem.cli", "run", "-c", str(config), "--no-progress"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline, server = time.monotonic() + 120, None
            while server is None and time.monotonic() < deadline:
                server = next((c for c in _children(run.pid) if "uvicorn" in _cmdline(c)), None)
                crawling = any("scrapy" in _cmdline(c) for c in _children(run.pid))
                if server is None or not crawling:
                    server = None if not crawling else server
                    time.sleep(0.5)
            assert server is not None, "the run started Prefect's temporary server and a crawl"
        finally:
            run.send_signal(signal.SIGKILL)
            run.wait()
        killed = time.monotonic()
        while _alive(server) and time.monotonic() < killed + 30:
            time.sleep(0.1)
        assert not _alive(server), "the temporary API server outlived the killed run"
        report(f"SIGKILL of `klantstem run` mid-crawl: Prefect's temporary API server (PID {server}) "
               f"gone {time.monotonic() - killed:.1f} s later")
