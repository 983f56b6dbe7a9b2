"""prefect.yaml: the daily deployment runs the real flow at 06:00 Amsterdam time."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from prefect.flows import load_flow_from_entrypoint
from prefect.server.schemas.schedules import CronSchedule

REPO = Path(__file__).resolve().parents[2]


def _daily() -> dict:
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (daily,) = [d for d in spec["deployments"] if d["name"] == "daily"]
    return daily


def test_the_entrypoint_is_the_daily_monitoring_flow() -> None:
    flow = load_flow_from_entrypoint(str(REPO / _daily()["entrypoint"]))
    assert flow.name == "daily-monitoring"
    assert set(_daily()["parameters"]) <= set(flow.parameters.properties)


def test_it_is_scheduled_daily_at_six_in_amsterdam_through_dst() -> None:
    (schedule,) = _daily()["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    amsterdam = ZoneInfo("Europe/Amsterdam")
    # The scheduler's own date generator, across the end of summer time (26 Oct 2025):
    # the run stays at 06:00 local time (04:00 UTC before, 05:00 UTC after).
    runs = asyncio.run(cron.get_dates(n=4, start=datetime(2025, 10, 24, 12, tzinfo=amsterdam)))
    local = [r.astimezone(amsterdam) for r in runs]
    assert [(r.day, r.hour, r.minute) for r in local] == [(25, 6, 0), (26, 6, 0), (27, 6, 0), (28, 6, 0)]
    assert [r.astimezone(ZoneInfo("UTC")).hour for r in runs] == [4, 5, 5, 5]


def test_it_runs_on_a_process_work_pool_one_run_at_a_time() -> None:
    daily = _daily()
    assert daily["work_pool"]["name"] == "klantstem"
    assert daily["concurrency_limit"] == 1
