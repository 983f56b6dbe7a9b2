"""Format drift: a crawl whose pages stopped fitting their parser must not report "ok".

When a site changes, the typical symptom is not an error but a required field that is
no longer where the spider reads it: every item is then dropped as ``missing_text`` or
``missing_published_at`` and, without this check, the source would look healthy and
quiet. ``assess`` turns the crawl's counts into a status for the stats file:

* ``failed``   the crawl recorded an error, or items were found and *none* of them was
  usable (every one lacked a required field);
* ``degraded`` more than ``threshold`` (monitor.toml ``crawl.max_drop_share``, 20% by
  default) of at least ``MIN_SAMPLE`` items lacked a required field, or the spider itself
  noticed a changed format (``drift`` notes, e.g. an App Store entry without a rating);
* ``ok``       otherwise.

The reason names the numbers: "47 of 50 reviews lack published_at: the page format changed?".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from spiders.pipelines import REQUIRED_FIELDS

DRIFT_THRESHOLD_SETTING = "KLANTSTEM_DRIFT_THRESHOLD"
DEFAULT_DRIFT_THRESHOLD = 0.2
#: Fewer checked items than this only fail when none was usable: 1 bad review of 3 is noise.
MIN_SAMPLE = 10
STATUSES = ("ok", "degraded", "failed")


@dataclass(frozen=True)
class Health:
    """What the stats file says about the crawl: ``status`` and, unless ok, why."""

    status: str
    reason: str | None = None


def lacking(checked: int, dropped: Mapping[str, int], noun: str) -> tuple[int, str | None]:
    """How many items lacked a required field, and the sentence that says so."""
    counts = {field: int(dropped.get(f"missing_{field}", 0)) for field in REQUIRED_FIELDS}
    total = sum(counts.values())
    if not total:
        return 0, None
    parts = [f"{count} of {checked} {noun} lack {field}" for field, count in counts.items() if count]
    return total, "; ".join(parts) + ": the page format changed?"


def assess(
    *,
    checked: int,
    dropped: Mapping[str, int],
    drift: Sequence[str],
    error: str | None,
    threshold: float = DEFAULT_DRIFT_THRESHOLD,
    noun: str = "reviews",
) -> Health:
    """The crawl's health from its error, its drop counts per reason and drift notes."""
    if error:
        return Health("failed", error)
    total, sentence = lacking(checked, dropped, noun)
    if checked and total >= checked:
        return Health("failed", sentence)
    if checked >= MIN_SAMPLE and total / checked > threshold:
        return Health("degraded", sentence)
    if drift:
        return Health("degraded", drift[0])
    return Health("ok")
