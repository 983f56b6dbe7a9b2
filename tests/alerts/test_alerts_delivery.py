"""Delivery through Apprise to a loopback webhook: the message says what a person needs,
failed deliveries are retried and kept as pending (never lost), flow failures are
announced too, and webhook URLs with their tokens never reach DuckDB or the logs."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from alerts.delivery import deliver_pending
from alerts.notify import alert_urls, flow_failure_hook, split_urls, target_id
from alerts.pipeline import run_alerts
from klantstem.cli import main
from klantstem.config import MonitorConfig, load_config
from tests.synthetic_history import HistorySpec, Injection, amsterdam, generate, write_history
from tests.webhook_receiver import WebhookReceiver
from warehouse.connection import connect
from warehouse.migrate import migrate

START = date(2026, 10, 1)
RUN = amsterdam(START + timedelta(days=39), 6)  # the morning after the incident began
TOKEN = "T0k3n-s3cr3t-4f9a2c"
ENV = "KLANTSTEM_ALERT_URLS"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MonitorConfig:
    monkeypatch.delenv(ENV, raising=False)
    path = tmp_path / "monitor.toml"
    path.write_text(
        '[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "klantstem.duckdb"\n'
        "[alerts.delivery]\nretry_backoff_s = 0\nretries = 1\nmax_attempts = 4\n",
        encoding="utf-8",
    )
    config = load_config(path)
    spec = HistorySpec(first_day=START, days=40, brands=("Snelkoop",),
                       injections=(Injection("negative", "Snelkoop", amsterdam(START + timedelta(days=38), 8), 22, 0.8),))
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(spec))
    return config


def _deliveries(config: MonitorConfig) -> list[tuple]:
    with connect(config.warehouse.path, read_only=True) as con:
        return con.execute(
            "SELECT status, attempts, sent_to, last_error FROM alert_deliveries ORDER BY delivery_id"
        ).fetchall()


def test_the_message_names_the_brand_the_size_top_terms_and_three_examples_with_links(
    config: MonitorConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebhookReceiver() as hook:
        monkeypatch.setenv(ENV, hook.apprise_url(TOKEN))
        result = run_alerts(config, RUN)
    assert result.delivery.sent == 1
    (message,) = hook.received
    assert message["type"] == "warning"
    assert message["title"].startswith("Klantstem: Snelkoop: negative spike, ")
    assert "negative (usually 1" in message["title"]
    body = message["message"]
    assert "Snelkoop (all sources): " in body and "% negative (" in body and "usually" in body and "points" in body
    assert "Top negative terms: " in body and "storing" in body.split("Top negative terms: ")[1].splitlines()[0]
    examples = body.split("Examples:\n")[1].split("\n\n")[0].splitlines()
    assert len(examples) == 3
    assert all(line.split(". ", 1)[0] in "123" and "https://reviews.example/" in line for line in examples)
    with connect(config.warehouse.path, read_only=True) as con:
        (ids,) = con.execute("SELECT sample_mention_ids FROM alerts WHERE rule = 'negative_share' AND source = 'all'").fetchall()[0]
        urls = {r[0] for r in con.execute("SELECT url FROM mentions WHERE list_contains(?, mention_id)", [ids]).fetchall()}
    assert all(any(u in line for u in urls) for line in examples), "the examples are the stored sample mentions"


def test_a_failed_delivery_is_retried_within_the_run(config: MonitorConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookReceiver(fail_first=1) as hook:
        monkeypatch.setenv(ENV, hook.apprise_url(TOKEN))
        result = run_alerts(config, RUN)
    assert [status for _, status in hook.requests] == [500, 200]
    assert result.delivery.sent == 1
    assert _deliveries(config) == [("sent", 2, [target_id(hook.apprise_url(TOKEN))], None)]


def test_a_delivery_that_keeps_failing_stays_pending_and_goes_out_later(
    config: MonitorConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with WebhookReceiver(fail_first=100) as hook:
        monkeypatch.setenv(ENV, hook.apprise_url(TOKEN))
        result = run_alerts(config, RUN)
        assert result.delivery.pending == 1 and hook.received == []
        ((status, attempts, sent_to, error),) = _deliveries(config)
        assert (status, attempts, sent_to) == ("pending", 2, [])
        assert "500" in error and error.startswith("json://***") and TOKEN not in error
        # the next run (an hour later) sends it; the alert itself is not news again
        hook.fail_first = 0
        later = run_alerts(config, RUN + timedelta(hours=1))
    assert later.messages == 0 and later.delivery.sent == 1
    assert len(hook.received) == 1 and hook.received[0]["title"].startswith("Klantstem: Snelkoop")
    assert _deliveries(config)[0][:2] == ("sent", 3)


def test_without_configured_urls_messages_wait_as_pending(config: MonitorConfig, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    result = run_alerts(config, RUN)
    assert result.messages == 1 and result.delivery.pending == 1
    assert _deliveries(config) == [("pending", 0, [], None)]
    with WebhookReceiver() as hook:
        monkeypatch.setenv(ENV, hook.apprise_url(TOKEN))
        assert main(["alerts", "deliver", "--config", str(config.warehouse.path.parent / "monitor.toml")]) == 0
    assert "1 sent, 0 pending, 0 failed" in capsys.readouterr().out
    assert len(hook.received) == 1


def test_after_max_attempts_a_message_is_failed_but_kept_and_can_be_retried(
    config: MonitorConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file = str(config.warehouse.path.parent / "monitor.toml")
    with WebhookReceiver(fail_first=100) as hook:
        monkeypatch.setenv(ENV, hook.apprise_url(TOKEN))
        run_alerts(config, RUN)  # 2 attempts
        assert main(["alerts", "deliver", "--config", config_file]) == 4  # 2 more: max_attempts = 4
        assert _deliveries(config)[0][:2] == ("failed", 4)
        assert main(["alerts", "deliver", "--config", config_file]) == 0, "failed ones wait for --retry-failed"
        hook.fail_first = 0
        assert main(["alerts", "deliver", "--config", config_file, "--retry-failed"]) == 0
    assert _deliveries(config)[0][:2] == ("sent", 5)
    assert len(hook.received) == 1


def test_a_target_that_accepted_is_not_sent_the_message_again(config: MonitorConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookReceiver() as good, WebhookReceiver(fail_first=2) as flaky:
        monkeypatch.setenv(ENV, f"{good.apprise_url('a-' + TOKEN)}, {flaky.apprise_url('b-' + TOKEN)}")
        run_alerts(config, RUN)
        assert (len(good.received), len(flaky.received)) == (1, 0)
        assert _deliveries(config)[0][2] == [target_id(good.apprise_url("a-" + TOKEN))]
        deliver_pending(config)
    assert (len(good.received), len(flaky.received)) == (1, 1)
    assert _deliveries(config)[0][0] == "sent"


def test_webhook_tokens_never_reach_the_warehouse_or_the_logs(
    config: MonitorConfig, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [TOKEN, "p4ssw0rd-9x", "nopeSecretToken77"]
    with WebhookReceiver(fail_first=3) as hook:
        urls = [
            hook.apprise_url(TOKEN),
            f"json://alerts:p4ssw0rd-9x@127.0.0.1:{hook.port}/hooks/x?token={TOKEN}",
            "nope://nopeSecretToken77/abc",  # not a valid Apprise URL: reported, masked
        ]
        monkeypatch.setenv(ENV, " ".join(urls))
        run_alerts(config, RUN)
        deliver_pending(config)
        flow_failure_hook(SimpleNamespace(name="daily-monitoring"),
                          SimpleNamespace(name="brave-otter", id="42", parameters={"config_path": str(config.warehouse.path.parent / "monitor.toml")}),
                          SimpleNamespace(name="Failed", message=f"boom while posting to {urls[0]}"))
        assert main(["alerts", "list", "--config", str(config.warehouse.path.parent / "monitor.toml")]) == 0
    assert hook.received, "deliveries did happen"
    out, err = capfd.readouterr()
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "json://***" in logs
    with connect(config.warehouse.path, read_only=True) as con:
        dump = repr([con.execute(f"SELECT * FROM {t}").fetchall() for t in ("alerts", "alert_events", "alert_deliveries")])
    raw = config.warehouse.path.read_bytes()
    for secret in secrets:
        assert secret not in logs
        assert secret not in out and secret not in err
        assert secret not in dump
        assert secret.encode() not in raw
    assert "nope://***: not a valid Apprise URL" in dump


def test_urls_can_come_from_a_prefect_secret_block(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from prefect.blocks import system

    loaded = []

    class FakeSecret:
        @classmethod
        def load(cls, name: str) -> SimpleNamespace:
            loaded.append(name)
            return SimpleNamespace(get=lambda: ["json://hooks.example/a", "slack://T1/B2/C3"])

    monkeypatch.setattr(system, "Secret", FakeSecret)
    monkeypatch.setenv("MY_URLS", "json://env.example/x")
    delivery = MonitorConfig.model_validate(
        {"brands": [{"name": "Snelkoop"}], "alerts": {"delivery": {"urls_env": "MY_URLS", "secret_block": "klantstem-alert-urls"}}}
    ).alerts.delivery
    assert alert_urls(delivery) == ["json://env.example/x", "json://hooks.example/a", "slack://T1/B2/C3"]
    assert loaded == ["klantstem-alert-urls"]

    class Broken:
        @classmethod
        def load(cls, name: str) -> None:
            raise ValueError("Unable to find block document named klantstem-alert-urls")

    monkeypatch.setattr(system, "Secret", Broken)
    assert alert_urls(delivery) == ["json://env.example/x"], "deliver what we can"
    assert "could not read Prefect Secret block" in caplog.text


def test_url_lists_split_on_commas_and_spaces_but_keep_commas_inside_a_url() -> None:
    assert split_urls("json://a/b, slack://T/B/C\nmsteams://x/y  mailtos://u:p@mail.nl?to=a@x.nl,b@y.nl") == [
        "json://a/b", "slack://T/B/C", "msteams://x/y", "mailtos://u:p@mail.nl?to=a@x.nl,b@y.nl",
    ]
    assert split_urls("") == [] and split_urls(None) == []


def test_a_failed_flow_run_notifies_through_the_same_urls(config: MonitorConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.daily import daily_monitoring

    assert flow_failure_hook in daily_monitoring.on_failure_hooks
    config_file = str(config.warehouse.path.parent / "monitor.toml")
    flow = SimpleNamespace(name="daily-monitoring")
    run = SimpleNamespace(name="brave-otter", id="0193-abc", parameters={"config_path": config_file})
    state = SimpleNamespace(name="Failed", message="Flow run encountered an exception: RuntimeError: disk full")
    with WebhookReceiver() as hook:
        monkeypatch.setenv(ENV, hook.apprise_url(TOKEN))
        flow_failure_hook(flow, run, state)
    (message,) = hook.received
    assert message["type"] == "failure"
    assert message["title"] == "Klantstem: daily-monitoring run 'brave-otter' failed"
    assert "disk full" in message["message"] and "0193-abc" in message["message"]
    # a notice that cannot be sent is kept for the next run
    with WebhookReceiver(fail_first=100) as down:
        monkeypatch.setenv(ENV, down.apprise_url(TOKEN))
        flow_failure_hook(flow, run, state)
    with connect(config.warehouse.path, read_only=True) as con:
        rows = con.execute("SELECT kind, status, title FROM alert_deliveries").fetchall()
    assert rows == [("flow_failure", "pending", "Klantstem: daily-monitoring run 'brave-otter' failed")]


def test_list_and_test_commands(config: MonitorConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = str(config.warehouse.path.parent / "monitor.toml")
    run_alerts(config, RUN)
    capsys.readouterr()
    assert main(["alerts", "list", "--config", config_file, "--status", "open"]) == 0
    out = capsys.readouterr().out
    assert "Snelkoop / all" in out and "negative_share" in out and "pending" in out and "storing" in out
    with WebhookReceiver() as hook:
        monkeypatch.setenv(ENV, hook.apprise_url(TOKEN))
        assert main(["alerts", "deliver", "--config", config_file, "--test"]) == 0
    assert "test message accepted by 1 of 1 target(s): json://***" in capsys.readouterr().out
    assert hook.received[0]["title"] == "Klantstem: test message"
    for action in ("list", "backtest", "deliver", "run"):
        with pytest.raises(SystemExit) as done:
            main(["alerts", action, "--help"])
        assert done.value.code == 0
