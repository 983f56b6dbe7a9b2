"""The staging row every spider yields (docs/ARCHITECTURE.md section 1).

A dataclass rather than ``scrapy.Item`` so the fields, their order and their types are
visible in one place and the feed exporter writes exactly these keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

# Values as a page states them ("4", "4,5", 8); RatingPipeline turns them into floats.
ScrapedNumber = float | int | str | None


@dataclass
class ReviewItem:
    """One mention as it leaves a spider and, after the pipelines, one staging row.

    Spiders fill the raw values (HTML in ``text``, a display name in ``author``, a date as
    the page writes it); the item pipelines clean, normalise and pseudonymise them in
    place, so after the last pipeline every field has the type the contract gives it.

    ``author`` is left out of ``repr``: Scrapy writes items into its log when a pipeline
    drops or fails on them, possibly before pseudonymisation, and logs must carry no names.
    """

    source: str
    brand: str
    external_id: str | None
    url: str
    kind: str = "review"
    published_at: str | None = None
    title: str | None = None
    text: str | None = None
    rating: ScrapedNumber = None
    rating_min: ScrapedNumber = None
    rating_max: ScrapedNumber = None
    rating_normalised: float | None = None
    language: str | None = None
    author: str | None = field(default=None, repr=False)
    reply: str | None = None
    # When the company replied, as the platform states it (None: the platform gives no date);
    # who replied, where the platform names a person (pseudonymised like ``author``).
    reply_at: str | None = None
    reply_author: str | None = field(default=None, repr=False)
    fetched_at: str | None = None
    # Who prompted the review (klantstem.provenance): set only by sources that say so.
    provenance: str | None = None
    verification: str | None = None
    provenance_raw: str | None = None


STAGING_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ReviewItem))
