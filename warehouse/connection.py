"""Short-lived DuckDB connections that wait politely for a locked file.

DuckDB allows one writing process per file, and a process holding the file open read-only
(``duckdb -readonly``, a notebook) keeps writers out too: readers share the file lock, a
writer needs it alone (DuckDB 2.0.1 and the 1.5 CLI behave alike; several read-only
processes can share it). Analysts keep the file open in the duckdb CLI between runs, so the
pipeline opens a connection only for the duration of one step and, if
the file is held by someone else, waits and retries with a message that says what is going
on instead of failing the daily run.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

# Files are written in a storage format that the duckdb CLI from PyPI (``duckdb-cli``, still
# on the 1.x line) can open; without this, DuckDB 2.x writes a format only 2.x reads and
# analysts' CLI refuses the file. Applies when a file is created; existing files keep theirs.
STORAGE_COMPATIBILITY = "v1.4.0"

_LOCK_MARKERS = ("could not set lock", "conflicting lock", "resource temporarily unavailable")


class WarehouseLockedError(RuntimeError):
    """The DuckDB file stayed locked by another process for longer than we were allowed to wait."""


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and any(m in str(exc).lower() for m in _LOCK_MARKERS)


_HOLDER = re.compile(r"conflicting lock is held in (.+?) \(PID (\d+)\)", re.IGNORECASE)


def lock_holder(exc: BaseException) -> str:
    """`` (PID 123, duckdb)``: who holds the file, as DuckDB reports it; '' if it does not say."""
    match = _HOLDER.search(str(exc))
    return f" (PID {match[2]}, {Path(match[1]).name})" if match else ""


def open_with_retry(
    path: Path,
    *,
    read_only: bool = False,
    timeout_s: float = 300.0,
    poll_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``; while another process holds the lock, log and retry until ``timeout_s``."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    waited = 0.0
    while True:
        try:
            if read_only:
                return duckdb.connect(str(path), read_only=True)
            return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY})
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
                raise
            holder = lock_holder(exc)
            if waited >= timeout_s:
                raise WarehouseLockedError(
                    f"{path}: still locked by another process after {waited:.0f} s{holder} "
                    "(is a duckdb CLI or notebook holding it open? even a read-only session blocks writing); "
                    "close it and run again - staged files are kept until loaded"
                ) from exc
            log.warning(
                "%s is locked by another process%s: an open duckdb session blocks the run's writes, even a "
                "read-only one; waiting %.0f s and retrying (%.0f of %.0f s waited); staged files are kept until loaded",
                path, holder, poll_s, waited, timeout_s,
            )
            sleep(poll_s)
            waited += poll_s


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failed statement without hiding why it failed.

    When the failure already ended the transaction (a full disk, an I/O error), ``ROLLBACK``
    raises "no transaction is active" and, raised from an ``except`` block, that error would
    replace the real cause in the message; the caller re-raises the original instead.
    """
    try:
        con.execute("ROLLBACK")
    except duckdb.Error as exc:
        log.debug("rollback after a failed transaction: %s", exc)


@contextmanager
def connect(path: Path, *, read_only: bool = False, timeout_s: float = 300.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed on exit, so the lock is held as briefly as possible."""
    con = open_with_retry(path, read_only=read_only, timeout_s=timeout_s)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction around a block of writes: all of them are stored, or none."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except Exception:
        rollback_quietly(con)
        raise
