"""Small builders for warehouse tests: staged rows as the spiders would write them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from warehouse.staging import parse_lines

BASE_DAY = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def row(external_id: str, *, source: str = "trustpilot", brand: str = "Snelkoop", day: int = 0, **extra: Any) -> dict[str, Any]:
    published = BASE_DAY + timedelta(days=day)
    base = {
        "source": source,
        "brand": brand,
        "external_id": external_id,
        "url": f"https://nl.trustpilot.com/reviews/{external_id}",
        "kind": "review",
        "published_at": published.isoformat(),
        "title": "Prima",
        "text": f"Bestelling {external_id} kwam netjes op tijd.",
        "rating": 4,
        "rating_min": 1,
        "rating_max": 5,
        "rating_normalised": 0.75,
        "language": "nl",
        "author": "a1b2c3d4e5f60718",
        "reply": None,
        "fetched_at": (published + timedelta(hours=1)).isoformat(),
    }
    base.update(extra)
    return base


def table(*rows: dict[str, Any]) -> pa.Table:
    batch = parse_lines([json.dumps(r) for r in rows], origin="test.jsonl")
    assert not batch.rejects, batch.rejects
    return batch.table
