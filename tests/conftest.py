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


# ------------------------------------------------------------------ the inner loop

#: Test files whose tests are slow by what they do (the `slow` marker; `pytest -m "not slow"`
#: is the inner loop, CI runs everything): scrapy crawls in subprocesses, processes killed or
#: holding locks, the Prefect harness and Dask, a browser, hypothesis, and model builds.
SLOW_MODULES = frozenset({
    # crawls
    "test_backfill_depth", "test_drills_faults", "test_drills_gap", "test_drills_secrets", "test_resource_caps",
    "test_sources_crawl", "test_sources_politeness",
    # processes
    "test_drills_crash", "test_drills_lock", "test_drills_scaleout",
    # hypothesis, browser
    "test_drills_fuzz", "test_report_browser",
    # model builds
    "test_insights_cli", "test_insights_pipeline", "test_score_file", "test_sentiment_adapt", "test_sentiment_commands",
    "test_sentiment_e5", "test_sentiment_models", "test_sentiment_onnx", "test_sentiment_precision",
})
#: Fixtures that make any test using them slow: a crawl of the demo site, the Prefect harness.
SLOW_FIXTURES = frozenset({"crawl_dir", "prefect_harness"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
