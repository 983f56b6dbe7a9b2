"""Negative spikes: a significant, large enough rise in the share of negative mentions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from alerts.spikes import detect_spikes
from klantstem.config import SpikeConfig
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores

AS_OF = date(2026, 11, 30)  # BASE_DAY is 2026-11-01: day 29 is the as-of day
RULES = SpikeConfig(window_days=3, baseline_days=28, min_volume=10, min_lift=0.15, max_p_value=0.01)


def _history(path: Path, brand: str, daily: list[tuple[int, int]]) -> None:
    """``daily[d] = (negative, positive)`` mentions on day ``d``."""
    rows, labels = [], {}
    for day, (neg, pos) in enumerate(daily):
        for i in range(neg + pos):
            ext = f"{brand}-{day}-{i}"
            rows.append(row(ext, brand=brand, day=day))
            labels[ext] = "neg" if i < neg else "pos"
    with connect(path) as con:
        migrate(con)
        upsert_mentions(con, table(*rows))
        pending = pending_texts(con, "m")
        ext_of = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
        store_scores(
            con,
            pa.Table.from_pylist(
                [
                    {"mention_id": p.mention_id, "model_id": "m", "text_md5": p.text_md5,
                     "label": labels[ext_of[p.mention_id]], "score": 0.0, "p_neg": None,
                     "p_neu": None, "p_pos": None, "language": "nl"}
                    for p in pending
                ],
                schema=SCORE_SCHEMA,
            ),
        )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb"


def test_a_clear_rise_in_negative_share_is_a_spike(db: Path) -> None:
    _history(db, "Snelkoop", [(1, 9)] * 27 + [(8, 4)] * 3)
    with connect(db, read_only=True) as con:
        spikes = detect_spikes(con, RULES, AS_OF)
    assert [s.brand for s in spikes] == ["Snelkoop"]
    spike = spikes[0]
    assert (spike.negative, spike.scored) == (24, 36)
    assert spike.window_start == date(2026, 11, 28)
    assert spike.baseline_share == pytest.approx((27 + 1) / (270 + 2))
    assert spike.p_value < 1e-6
    assert "Snelkoop: 67% negative (24/36)" in spike.describe()


def test_a_steady_brand_is_not_a_spike(db: Path) -> None:
    _history(db, "Winkelwagen", [(3, 7)] * 30)
    with connect(db, read_only=True) as con:
        assert detect_spikes(con, RULES, AS_OF) == []


def test_too_few_mentions_in_the_window_is_not_a_spike(db: Path) -> None:
    _history(db, "Bestelhuis", [(1, 9)] * 27 + [(3, 0)] * 3)  # 9 of 9 negative, but only 9
    with connect(db, read_only=True) as con:
        assert detect_spikes(con, RULES, AS_OF) == []
        assert [s.brand for s in detect_spikes(con, RULES.model_copy(update={"min_volume": 9}), AS_OF)] == ["Bestelhuis"]


def test_a_significant_but_tiny_rise_is_not_a_spike(db: Path) -> None:
    _history(db, "Snelkoop", [(10, 90)] * 27 + [(20, 80)] * 3)  # 10% -> 20%: below min_lift 15 points
    with connect(db, read_only=True) as con:
        assert detect_spikes(con, RULES, AS_OF) == []
        assert len(detect_spikes(con, RULES.model_copy(update={"min_lift": 0.05}), AS_OF)) == 1
