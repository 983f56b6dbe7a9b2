"""One daily run per warehouse at a time.

Two runs at once would both crawl and score everything (the second finding nothing new) and
queue behind each other on the DuckDB file. A run holds an exclusive ``flock`` on
``<warehouse>.run.lock`` for its whole length; the kernel releases it when the process ends,
even by SIGKILL, so a crashed run never blocks the next one. The file records who holds it.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

_HELD: dict[Path, int] = {}  # lock files this process holds -> nesting depth


class RunInProgressError(RuntimeError):
    """Another run holds the warehouse's run lock; ``str()`` is one line naming it."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".run.lock")


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold the run lock of ``warehouse``, or raise ``RunInProgressError`` at once.

    Re-entrant within one process: ``klantstem run`` takes it before Prefect starts, and the
    flow (which also runs as a deployment, without the CLI) takes it again.
    """
    path = lock_path(Path(warehouse)).resolve()
    if path in _HELD:
        _HELD[path] += 1
        try:
            yield
        finally:
            _HELD[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            raise RunInProgressError(
                f"another klantstem run is in progress on {warehouse} ({holder}); "
                "wait for it to finish, it loads and scores what this run would"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"PID {os.getpid()} on {socket.gethostname()}, started {datetime.now():%Y-%m-%d %H:%M:%S}\n".encode(), 0)
        _HELD[path] = 1
        try:
            yield
        finally:
            del _HELD[path]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)
