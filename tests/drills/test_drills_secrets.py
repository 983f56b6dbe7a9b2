"""Drill "secrets": webhook URLs with tokens and passwords, and the author salt, travel
through a crawl, a load, an alert delivery that fails once and then succeeds, a failed-flow
notification, the HTML report and the Parquet export. None of them may appear in any log
line, the crawl's own log and stats files, the DuckDB file (raw bytes and every table), the
report or the exported files."""

from __future__ import annotations

import logging
import secrets as random_secrets
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import duckdb
import pytest

from alerts.delivery import deliver_pending
from alerts.notify import flow_failure_hook
from alerts.pipeline import run_alerts
from flows import steps
from flows.crawl import CrawlJob, run_crawl
from klantstem.config import load_config
from tests.drill_helpers import report
from tests.fault_site import FaultSite
from tests.synthetic_history import HistorySpec, Injection, amsterdam, generate, write_history
from tests.webhook_receiver import WebhookReceiver
from warehouse.connection import connect
from warehouse.export import export_parquet
from warehouse.migrate import migrate

START = date(2026, 10, 1)
RUN = amsterdam(START + timedelta(days=39), 6)


def _variants(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), secret.encode().hex()}


def _every_table(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()]
        names += [r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()").fetchall()]
        return "\n".join(f"{n}: {con.execute(f'SELECT * FROM {n}').fetchall()!r}" for n in names)
    finally:
        con.close()


def test_webhook_tokens_passwords_and_the_salt_never_reach_logs_duckdb_the_report_or_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    from report.build import write_report

    caplog.set_level(logging.DEBUG)
    token, password, salt = (f"{kind}-{random_secrets.token_hex(8)}" for kind in ("tok", "pw", "salt"))
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", salt)
    config_path = tmp_path / "monitor.toml"
    config_path.write_text(
        '[[brands]]\nname = "Snelkoop"\nown = true\n[warehouse]\npath = "klantstem.duckdb"\nstaging_dir = "staging"\n'
        "[alerts.delivery]\nretry_backoff_s = 0\nretries = 1\nmax_attempts = 4\n",
        encoding="utf-8",
    )
    config = load_config(config_path)
    spec = HistorySpec(first_day=START, days=40, brands=("Snelkoop",),
                       injections=(Injection("negative", "Snelkoop", amsterdam(START + timedelta(days=38), 8), 22, 0.8),))
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(spec))
        migrate(con)  # rows written past the loader: the maintained tables are rebuilt

    with FaultSite() as site, WebhookReceiver(fail_first=1) as hook:
        urls = [hook.apprise_url(token), f"json://alerts:{password}@127.0.0.1:{hook.port}/hooks/x?token={token}"]
        monkeypatch.setenv("KLANTSTEM_ALERT_URLS", " ".join(urls))
        # A crawl (the salt travels in its environment) and a load.
        plan = steps.prepare_run(config, "secrets")
        job = CrawlJob("Snelkoop", "trustpilot", "trustpilot", site.url("/review/ok"), 1)
        plan.seen_ids_file(job).write_text("", encoding="utf-8")
        run_crawl(job, config.crawl.model_copy(update={"download_delay_s": 0, "autothrottle": False}),
                  plan.run_dir, plan.seen_ids_file(job), steps.author_salt(config), True)
        steps.load_staged(config)
        # Alerts: the first delivery attempt fails (logged), the retry goes out.
        result = run_alerts(config, RUN)
        deliver_pending(config)
        # A failed run notifies through the same URLs, its message quoting one of them.
        flow_failure_hook(SimpleNamespace(name="daily-monitoring"),
                          SimpleNamespace(name="brave-otter", id="42", parameters={"config_path": str(config_path)}),
                          SimpleNamespace(name="Failed", message=f"boom while posting to {urls[0]}"))
    assert result.notified and hook.received, "messages did go out"

    html = tmp_path / "report.html"
    write_report(config.warehouse.path, html, as_of=RUN.date())
    lake = tmp_path / "lake"
    with connect(config.warehouse.path, read_only=True) as con:
        export_parquet(con, lake)

    out, err = capfd.readouterr()
    places = {
        "log records": caplog.text + "\n".join(repr(r.args) for r in caplog.records),
        "stdout/stderr": out + err,
        "crawl log and stats files": "".join(p.read_text(errors="replace") for p in plan.run_dir.iterdir() if p.is_file()),
        "DuckDB tables and views": _every_table(config.warehouse.path),
        "DuckDB file bytes": "".join(p.read_bytes().decode("latin-1") for p in tmp_path.glob("klantstem.duckdb*")),
        "report HTML": html.read_text(encoding="utf-8"),
        "Parquet export": "".join(p.read_bytes().decode("latin-1") for p in lake.rglob("*") if p.is_file())
        + repr(duckdb.connect().execute(f"SELECT * FROM read_parquet('{lake}/*/*/*.parquet', union_by_name = true)").fetchall()),
    }
    assert "Snelkoop" in places["report HTML"] and "json://***" in places["log records"], "the places were really looked at"
    leaks = [(what, name) for name, secret in (("token", token), ("password", password), ("salt", salt))
             for variant in _variants(secret) for what, text in places.items() if variant in text]
    assert leaks == []
    report(f"secrets: webhook token, URL password and author salt searched in {len(places)} places "
           f"({', '.join(places)}; {sum(len(t) for t in places.values()) / 1e6:.1f} MB): 0 occurrences; "
           f"{len(hook.received)} messages delivered")
