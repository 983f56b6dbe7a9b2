"""Test-session environment: nothing touches the user's home, the network or a real hub.

Set before any test module imports Prefect or transformers, so their settings see it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="klantstem-tests-"))
(_SESSION_TMP / "prefect").mkdir()
os.environ.update(
    {
        "PREFECT_HOME": str(_SESSION_TMP / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "KLANTSTEM_CACHE": os.environ.get("KLANTSTEM_TEST_CACHE", str(_SESSION_TMP / "cache")),
    }
)
os.environ.pop("KLANTSTEM_AUTHOR_SALT", None)
# Console scripts installed beside this interpreter (scrapy, duckdb, klantstem) must be found
# even when the venv is not activated, as in `.venv/bin/python -m pytest`.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the whole session (it takes ~10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield
