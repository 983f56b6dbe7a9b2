"""What every dashboard section is made of: the section envelope, rows as JSON-ready records,
the error a section shows when its query fails, and shortened examples. Kept apart from
``report.data`` so section modules (``report.themes``) and ``collect`` import the same pieces
without importing each other."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb

EXAMPLE_CHARS = 400
RUN_INSIGHTS = "run `klantstem insights refresh`"


def section(status: str = "ok", note: str | None = None, **data: Any) -> dict[str, Any]:
    """``status``: ``ok`` (has data), ``empty`` (tables exist, nothing in them yet), ``missing``
    (tables/views not in this warehouse yet) or ``error`` (a query failed; the note says why)."""
    return {"status": status, "note": note, **data}


def clean(value: Any, digits: int | None = None) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [clean(v, digits) for v in value]
    return value


def records(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None,
             digits: int | None = 4) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [{n: clean(v, digits) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def failed(exc: Exception, what: str) -> dict[str, Any]:
    first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return section("error", f"{what} could not be read from this warehouse ({first}); "
                   "update Klantstem and run `klantstem run` to migrate the warehouse")


def short(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1].rstrip() + "…"
