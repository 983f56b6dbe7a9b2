"""Insights for reputation managers (issue 6): customer-journey aspects with their own
sentiment, key drivers of the review grade, grade distributions and NPS, competitor
benchmark, survey import and blind spots, emerging topics.

The daily flow calls :func:`insights.pipeline.refresh_insights`; everything it computes is
a DuckDB table or view (see README, Insights) and ``klantstem insights ...`` prints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insights.pipeline import InsightsResult, refresh_insights

__all__ = ["InsightsResult", "refresh_insights"]


def __getattr__(name: str) -> Any:
    """Imported on first use: ``klantstem --help`` need not load scipy and pyarrow."""
    if name in __all__:
        from insights import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'insights' has no attribute {name!r}")
