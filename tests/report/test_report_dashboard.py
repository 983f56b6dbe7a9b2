"""`klantstem dashboard`: the report page served on 127.0.0.1, re-read from the warehouse
(read-only, briefly) when it changes, and the last good data while a run holds the file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from report.server import DashboardServer
from tests.synthetic_warehouse import build_warehouse

AS_OF = date(2026, 11, 24)
REPO = Path(__file__).resolve().parents[2]


def get(url: str) -> tuple[int, str, str]:
    try:
        with urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read().decode("utf-8")
    except HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], ""


def data(server: DashboardServer) -> dict:
    status, kind, body = get(server.url + "data.json")
    assert status == 200 and kind.startswith("application/json")
    return json.loads(body)


def add_mentions(path: Path, n: int, seed: int, hold: bool = False) -> subprocess.Popen:
    """Another process (like the daily run) writes mentions; with ``hold`` it keeps the file
    open for writing until its stdin gets a line."""
    code = textwrap.dedent(f"""
        import sys
        from datetime import date
        from pathlib import Path
        from tests.synthetic_warehouse import build_warehouse
        from warehouse.connection import connect
        build_warehouse(Path({str(path)!r}), mentions={n}, days=3, end=date(2026, 11, 24),
                        insights=False, alerts=False, seed={seed})
        if {hold!r}:
            with connect(Path({str(path)!r})) as con:
                con.execute("UPDATE mentions SET reply = 'Bedankt!' WHERE reply IS NULL AND mention_id IN "
                            "(SELECT mention_id FROM mentions ORDER BY mention_id LIMIT 1)")
                print("holding", flush=True)
                sys.stdin.readline()
    """)
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "klantstem.duckdb"
    build_warehouse(path, mentions=500, days=30, end=AS_OF, insights=False, alerts=False)
    return path


def test_it_serves_the_page_and_its_data_on_loopback_only(warehouse: Path) -> None:
    with DashboardServer(warehouse, port=0, as_of=AS_OF) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, kind, page = get(server.url)
        assert status == 200 and kind.startswith("text/html")
        assert 'id="klantstem-data"' in page and "Plotly" in page
        payload = data(server)
        assert payload["meta"]["live"] is True and payload["meta"]["mentions"] == 500
        assert get(server.url + "healthz")[0] == 200
        assert get(server.url + "../etc/passwd")[0] == 404
        assert get(server.url + "klantstem.duckdb")[0] == 404, "the warehouse file itself is never served"


def test_it_reads_the_warehouse_again_only_when_it_changed(warehouse: Path) -> None:
    with DashboardServer(warehouse, port=0, as_of=AS_OF) as server:
        assert data(server)["meta"]["mentions"] == 500
        get(server.url)
        data(server)
        assert server.data.queries == 1, "unchanged file: the aggregates are reused"
        writer = add_mentions(warehouse, 40, seed=11)
        assert writer.wait(timeout=60) == 0
        assert data(server)["meta"]["mentions"] == 540
        assert server.data.queries == 2


def test_while_a_run_holds_the_warehouse_it_serves_the_last_data_marked_stale(warehouse: Path) -> None:
    with DashboardServer(warehouse, port=0, as_of=AS_OF, lock_timeout_s=0) as server:
        assert data(server)["meta"]["stale"] is None
        writer = add_mentions(warehouse, 40, seed=12, hold=True)
        try:
            assert writer.stdout.readline().strip() == "holding"
            busy = data(server)
            assert busy["meta"]["mentions"] == 500, "the last good aggregates"
            assert "another process" in busy["meta"]["stale"]
            assert get(server.url)[0] == 200
        finally:
            writer.communicate("done\n", timeout=60)
        fresh = data(server)
        assert fresh["meta"]["stale"] is None and fresh["meta"]["mentions"] == 540


def test_before_the_first_run_it_says_what_to_run(tmp_path: Path) -> None:
    with DashboardServer(tmp_path / "none.duckdb", port=0, as_of=AS_OF) as server:
        payload = data(server)
        assert payload["status"]["status"] == "missing" and "klantstem run" in payload["status"]["note"]
    assert not (tmp_path / "none.duckdb").exists()


def test_klantstem_dashboard_prints_its_address_and_stops_on_ctrl_c(warehouse: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "klantstem.cli", "dashboard", "--warehouse", str(warehouse), "--port", "0"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line
        url = line.split("http://", 1)[1].split()[0]
        status, _, page = get("http://" + url)
        assert status == 200 and 'id="klantstem-data"' in page
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_a_port_in_use_is_one_line_and_exit_2(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from klantstem.cli import main

    with DashboardServer(warehouse, port=0) as server:
        assert main(["dashboard", "--warehouse", str(warehouse), "--port", str(server.port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("klantstem: error: cannot listen on 127.0.0.1:") and "\n" not in err
