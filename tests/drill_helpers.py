"""Shared pieces of the reliability drills (tests/drills/): a warehouse with staged
files, a loader subprocess whose progress can be watched line by line, outcome lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.warehouse_helpers import row
from warehouse.connection import connect
from warehouse.migrate import migrate

REPO = Path(__file__).resolve().parent.parent
DRILL_LOG = REPO / "test-artifacts" / "drills.log"


def report(line: str) -> None:
    """A drill's measured outcome: printed (pytest -s) and appended to test-artifacts/drills.log."""
    print(f"[drill] {line}")
    DRILL_LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(DRILL_LOG, "a", encoding="utf-8") as handle:
        handle.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")


def write_config(base: Path, *, lock_timeout_s: float = 300, extra: str = "") -> Path:
    """A monitor.toml with one brand and no sources: warehouse and staging under ``base``."""
    path = base / "monitor.toml"
    path.write_text(
        f"""
[[brands]]
name = "Snelkoop"
own = true

[warehouse]
path = "klantstem.duckdb"
staging_dir = "staging"
lock_timeout_s = {lock_timeout_s}
{extra}
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Staged:
    files: list[Path]
    ids: dict[Path, set[str]]  # external ids per file

    @property
    def all_ids(self) -> set[str]:
        return set().union(*self.ids.values())


def stage_files(staging: Path, files: int, rows: int, *, shared: int = 5, run: str = "run-1") -> Staged:
    """``files`` staged JSONL files of ``rows`` mentions each; the first ``shared`` ids of each
    file repeat the previous file's (a review fetched again, edited): 'exactly once' matters."""
    folder = staging / run
    folder.mkdir(parents=True, exist_ok=True)
    out, ids = [], {}
    for f in range(files):
        path = folder / f"trustpilot__brand-{f:02d}.jsonl"
        mine = [f"f{f}-r{i}" for i in range(rows)]
        if f and shared:
            mine[:shared] = [f"f{f - 1}-r{i}" for i in range(shared)]
        with open(path, "w", encoding="utf-8") as handle:
            for i, ext in enumerate(mine):
                handle.write(json.dumps(row(ext, day=i % 20, text=f"Review {ext} uit bestand {f}.")) + "\n")
        out.append(path)
        ids[path] = set(mine)
    return Staged(out, ids)


def migrated(db: Path) -> Path:
    with connect(db) as con:
        migrate(con)
    return db


LOADER = """
import json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
from klantstem.config import load_config
from flows import steps
if len(sys.argv) > 2 and sys.argv[2].startswith("pause-in-transaction:"):
    # Fault injection for the drill: stop inside the Nth file's transaction (mentions written,
    # nothing committed) and say so, so the test can kill the process exactly there.
    import itertools, time
    from warehouse import incremental
    real, calls, nth = incremental.after_mentions_upsert, itertools.count(1), int(sys.argv[2].split(":")[1])
    def paused(con, batch, new_rows):
        if next(calls) == nth:
            n = con.execute("SELECT count(*) FROM " + batch).fetchall()[0][0]
            print(f"IN-TRANSACTION {n}", file=sys.stderr, flush=True)
            time.sleep(30)
        return real(con, batch, new_rows)
    incremental.after_mentions_upsert = paused
config = load_config(sys.argv[1])
if len(sys.argv) > 2 and sys.argv[2] == "prepare":
    steps.prepare_run(config, "drill")
loads = steps.load_staged(config)
print(json.dumps({"files": len(loads), "new": sum(l.result.new for l in loads)}), flush=True)
"""


def start_loader(config: Path, mode: str = "") -> subprocess.Popen[str]:
    """The real load step (``flows.steps.load_staged``) in its own process, logging to stderr."""
    args = [sys.executable, "-c", LOADER, str(config), *([mode] if mode else [])]
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def lines(stream: IO[str]) -> Iterator[str]:
    for line in iter(stream.readline, ""):
        yield line.rstrip("\n")
