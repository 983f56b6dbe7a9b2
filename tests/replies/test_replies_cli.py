"""``klantstem inbox``: the reply queue on the command line, and its user errors in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from klantstem.cli import main
from klantstem.config import load_config
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.inbox import parse_duration_hours
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.replies import record_reply_settings

CONFIG = """
[[brands]]
name = "Snelkoop"
own = true
[[brands.sources]]
type = "trustpilot"
url = "https://nl.trustpilot.com/review/snelkoop.example"
[[brands]]
name = "Winkelwagen"
[[brands.sources]]
type = "trustpilot"
url = "https://nl.trustpilot.com/review/winkelwagen.example"
[warehouse]
path = "wh.duckdb"
"""


def review(external_id: str, hours_ago: float, rating: int, brand: str = "Snelkoop", **extra) -> dict:
    published = (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0).isoformat()
    return row(external_id, brand=brand, rating=rating, rating_normalised=(rating - 1) / 4, published_at=published,
               fetched_at=published, title=f"Titel {external_id}", **extra)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    with connect(config.warehouse.path) as con:
        migrate(con)
        record_reply_settings(con, [("trustpilot", "Snelkoop", "trustpilot", True),
                                    ("trustpilot", "Winkelwagen", "trustpilot", False)], sla_hours=48)
        upsert_mentions(con, table(
            review("neg-recent", 5, 1), review("neg-old", 72, 2), review("pos-old", 100, 5),
            review("answered", 80, 1, reply="Sorry!", reply_at=datetime.now(UTC).isoformat()),
            review("rival", 90, 1, brand="Winkelwagen"),
        ))
    return path


def test_inbox_prints_the_own_brands_queue_negative_first_then_oldest(config_path, capsys) -> None:
    assert main(["inbox", "-c", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 unanswered review(s), 2 negative, 1 negative past the 48 h reply SLA")
    assert out.index("Titel neg-old") < out.index("Titel neg-recent") < out.index("Titel pos-old")
    assert "Titel answered" not in out and "Titel rival" not in out


def test_inbox_older_than_leaves_out_what_is_younger(config_path, capsys) -> None:
    assert main(["inbox", "-c", str(config_path), "--older-than", "1d"]) == 0
    out = capsys.readouterr().out
    assert "Titel neg-old" in out and "Titel pos-old" in out and "Titel neg-recent" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["--brand", "Winkelwagen"], "--brand 'Winkelwagen': the inbox lists the own brand's reviews"),
])
def test_inbox_user_errors_are_one_line(config_path, capsys, args, message) -> None:
    assert main(["inbox", "-c", str(config_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_inbox_without_a_warehouse_says_so(tmp_path, capsys) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG, encoding="utf-8")
    assert main(["inbox", "-c", str(path)]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_durations_read_as_people_write_them() -> None:
    assert [parse_duration_hours(t) for t in ("24h", "2d", "90m", "1.5 h")] == [24, 48, 1.5, 1.5]
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration_hours("tomorrow")
