"""Checks that turn an unusable environment into one line before any work starts.

A warehouse folder that cannot be written passes config validation (the file is fine) and
would otherwise fail minutes later, inside Prefect, as a long traceback; ``config check``,
``run`` and ``demo`` call ``check_writable`` first.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from klantstem.config import ConfigError, MonitorConfig


def _writable_folder(folder: Path) -> str | None:
    """None if a file can be created in ``folder`` (made if missing), else the reason."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".klantstem-probe-", dir=folder)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    os.close(fd)
    os.unlink(probe)
    return None


def check_writable(config: MonitorConfig, source: Path | str) -> None:
    """``ConfigError`` naming the config file, the field and the folder that cannot be written."""
    warehouse = config.warehouse.path
    if warehouse.is_dir():
        raise ConfigError(f"{source}: warehouse.path: {warehouse} is a folder, not a DuckDB file")
    for field, folder in (("warehouse.path", warehouse.parent), ("warehouse.staging_dir", config.warehouse.staging_dir)):
        problem = _writable_folder(folder)
        if problem is not None:
            raise ConfigError(f"{source}: {field}: cannot write to {folder}: {problem}")
    if warehouse.exists() and not os.access(warehouse, os.W_OK):
        raise ConfigError(f"{source}: warehouse.path: {warehouse} is read-only")
