"""Read staged JSONL (what the spiders wrote) into an Arrow table, rejecting bad rows.

This is the warehouse's border control: every row is checked before it can reach a table,
and a bad row is rejected with ``file:line: field: problem`` while the good rows of the same
file still load. A crawl killed mid-write leaves a truncated last line; that line is
rejected, not the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from klantstem.limits import FUTURE_SKEW
from klantstem.provenance import PROVENANCES

MENTION_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("external_id", pa.string()),
        ("brand", pa.string()),
        ("kind", pa.string()),
        ("url", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("title", pa.string()),
        ("text", pa.string()),
        ("rating", pa.float64()),
        ("rating_min", pa.float64()),
        ("rating_max", pa.float64()),
        ("rating_normalised", pa.float64()),
        ("language", pa.string()),
        ("author", pa.string()),
        ("reply", pa.string()),
        ("reply_at", pa.timestamp("us", tz="UTC")),
        ("reply_author", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("provenance", pa.string()),
        ("verification", pa.string()),
        ("provenance_raw", pa.string()),
    ]
)
_REQUIRED_TEXT = ("source", "external_id", "brand", "text")
_OPTIONAL_TEXT = ("url", "title", "language", "author", "reply", "reply_author", "verification", "provenance_raw")
_NUMBERS = ("rating", "rating_min", "rating_max", "rating_normalised")
_KINDS = frozenset({"review", "post", "comment"})


class RowError(ValueError):
    """One field of one row is unusable; the message names the field."""


@dataclass
class StagedBatch:
    table: pa.Table
    rejects: list[str] = field(default_factory=list)


def _timestamp(row: dict[str, Any], name: str, required: bool) -> datetime | None:
    value = row.get(name)
    if value in (None, ""):
        if required:
            raise RowError(f"{name}: missing")
        return None
    if not isinstance(value, str):
        raise RowError(f"{name}: expected an ISO 8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"{name}: not an ISO 8601 timestamp: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise RowError(f"{name}: timestamp without a UTC offset: {value[:40]!r}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise RowError(f"{name}: out of range in UTC: {value[:40]!r}") from None


def _text(row: dict[str, Any], name: str, required: bool) -> str | None:
    value = row.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowError(f"{name}: missing or empty")
        return None
    if not isinstance(value, str):
        raise RowError(f"{name}: expected a string, got {type(value).__name__}")
    return value


def _number(row: dict[str, Any], name: str) -> float | None:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RowError(f"{name}: expected a finite number, got {value!r}"[:120])
    return float(value)


def validate_row(row: Any) -> dict[str, Any]:
    """Return the row coerced to ``MENTION_SCHEMA`` types, or raise ``RowError``."""
    if not isinstance(row, dict):
        raise RowError(f"(row): expected a JSON object, got {type(row).__name__}")
    clean: dict[str, Any] = {name: _text(row, name, True) for name in _REQUIRED_TEXT}
    clean.update({name: _text(row, name, False) for name in _OPTIONAL_TEXT})
    clean.update({name: _number(row, name) for name in _NUMBERS})
    clean["kind"] = _text(row, "kind", False) or "review"
    if clean["kind"] not in _KINDS:
        raise RowError(f"kind: must be one of {sorted(_KINDS)}, got {clean['kind']!r}")
    clean["provenance"] = _text(row, "provenance", False)
    if clean["provenance"] is not None and clean["provenance"] not in PROVENANCES:
        raise RowError(f"provenance: must be one of {sorted(PROVENANCES)} or null, got {clean['provenance']!r}"[:120])
    norm = clean["rating_normalised"]
    if norm is not None and not 0.0 <= norm <= 1.0:
        raise RowError(f"rating_normalised: must be within [0, 1], got {norm}")
    clean["published_at"] = _timestamp(row, "published_at", True)
    if clean["published_at"] > datetime.now(UTC) + FUTURE_SKEW:
        raise RowError(f"published_at: in the future: {row['published_at'][:40]!r}")
    clean["fetched_at"] = _timestamp(row, "fetched_at", False)
    clean["reply_at"] = _timestamp(row, "reply_at", False) if clean["reply"] is not None else None
    return clean


def parse_lines(lines: Iterable[str], origin: str) -> StagedBatch:
    """Validate JSONL ``lines``; ``origin`` (a file name) prefixes every reject message."""
    rows: list[dict[str, Any]] = []
    rejects: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(validate_row(json.loads(line)))
        except json.JSONDecodeError as exc:
            rejects.append(f"{origin}:{number}: (row): not valid JSON ({exc.msg})")
        except RowError as exc:
            rejects.append(f"{origin}:{number}: {exc}")
    return StagedBatch(pa.Table.from_pylist(rows, schema=MENTION_SCHEMA), rejects)


def read_staging_file(path: Path) -> StagedBatch:
    """Read one staged JSONL file; undecodable bytes are replaced, never fatal."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return parse_lines(handle, origin=str(path))
