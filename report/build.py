"""``klantstem report``: query the warehouse (read-only) and write the dashboard page."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from klantstem.config import MonitorConfig
from report.data import RUN_FLOW, BrandInfo, collect, empty_payload
from report.render import DEFAULT_TITLE, render_html
from warehouse.connection import connect

SECTION_NAMES = {
    "sentiment": "sentiment",
    "grades": "grades/NPS",
    "aspects": "journey steps",
    "drivers": "key drivers",
    "blind_spots": "blind spots",
    "alerts": "alerts",
    "source_health": "source health",
    "survey": "survey",
}


def brands_from_config(config: MonitorConfig) -> list[BrandInfo]:
    return [BrandInfo(b.name, b.own) for b in config.brands]


def load_payload(
    warehouse: Path,
    *,
    brands: list[BrandInfo] | None = None,
    as_of: date | None = None,
    bucket: str | None = None,
    timeout_s: float = 300.0,
) -> dict[str, Any]:
    """The dashboard data from ``warehouse`` over a short-lived read-only connection."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        payload = empty_payload(as_of, f"No warehouse at {warehouse.name} yet: {RUN_FLOW}.")
    else:
        with connect(warehouse, read_only=True, timeout_s=timeout_s) as con:
            payload = collect(con, brands=brands, as_of=as_of, bucket=bucket)
    payload["meta"]["warehouse"] = warehouse.name
    return payload


@dataclass(frozen=True)
class ReportResult:
    path: Path
    size_bytes: int
    mentions: int
    seconds: float
    query_seconds: float
    notes: dict[str, str] = field(default_factory=dict)  # section -> why it has no data

    def describe(self) -> str:
        lines = [f"Wrote {self.path} ({self.size_bytes / 1e6:.1f} MB, {self.mentions:,} mentions, "
                 f"{self.seconds:.2f} s of which {self.query_seconds:.2f} s in DuckDB)"]
        lines += [f"  {SECTION_NAMES.get(k, k)}: {v}" for k, v in self.notes.items()]
        return "\n".join(lines)


def write_atomic(path: Path, text: str) -> int:
    """Write via a temporary file and rename, so nobody opens a half-written page."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(data)


def write_report(
    warehouse: Path,
    out: Path,
    *,
    brands: list[BrandInfo] | None = None,
    as_of: date | None = None,
    bucket: str | None = None,
    title: str = DEFAULT_TITLE,
    timeout_s: float = 300.0,
) -> ReportResult:
    """Write the self-contained dashboard for ``warehouse`` to ``out``."""
    start = time.perf_counter()
    payload = load_payload(warehouse, brands=brands, as_of=as_of, bucket=bucket, timeout_s=timeout_s)
    queried = time.perf_counter() - start
    payload["meta"]["live"] = False
    size = write_atomic(out, render_html(payload, title=title))
    notes = {}
    if payload.get("status", {}).get("status") != "ok":
        notes["warehouse"] = payload["status"]["note"]
    else:
        notes = {k: v["note"] for k, v in payload.items()
                 if k in SECTION_NAMES and isinstance(v, dict) and v.get("status") != "ok"}
    return ReportResult(Path(out), size, payload["meta"]["mentions"], time.perf_counter() - start, queried, notes)
