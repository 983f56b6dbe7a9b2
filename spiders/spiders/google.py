"""Google reviews through Google's official APIs: any place, and the own brand's locations.

**Places API (New), place details** (``google_places``): any business, by its place id::

    GET {url}/v1/places/{place_id}?languageCode=nl
        X-Goog-Api-Key: $GOOGLE_PLACES_API_KEY     X-Goog-FieldMask: id,displayName,googleMapsUri,reviews
    -> {"id", "displayName": {"text", "languageCode"}, "googleMapsUri",
        "reviews": [{"name": "places/<id>/reviews/<rid>", "rating", "publishTime",
                     "text": {"text", "languageCode"}, "originalText": {...},
                     "authorAttribution": {"displayName", "uri", "photoUri"}, "googleMapsUri", ...}]}

At most 5 reviews, chosen by Google ("most relevant"), no paging: a daily crawl collects
whatever new ones appear among them. ``originalText`` (what the customer wrote) is stored,
not ``text`` (translated to ``languageCode``). A place without reviews omits ``reviews``.

**Business Profile API** (``google_business``): every review of a location the company
manages, with the owner's replies, newest first::

    GET {url}/v4/accounts/{account_id}/locations/{location_id}/reviews?pageSize=50&orderBy=updateTime desc
        Authorization: Bearer $GOOGLE_BUSINESS_ACCESS_TOKEN   (OAuth, scope business.manage)
    -> {"reviews": [{"name", "reviewId", "reviewer": {"displayName", "isAnonymous", ...},
                     "starRating": "ONE".."FIVE", "comment", "createTime", "updateTime",
                     "reviewReply": {"comment", "updateTime"}}],
        "averageRating", "totalReviewCount", "nextPageToken"}

Credentials come only from the environment; without them the source is skipped (stats
file ``skipped``), as for Bluesky. Reviews with stars but no text (common on Google) are
counted as ``dropped/no_text``, not as a format problem; a page of at least ten reviews
where none has text is format drift. Texts are plain text.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode

from scrapy.http import Request, Response, TextResponse
from w3lib.url import add_or_replace_parameter

from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider, dig, load_json, string_arg
from spiders.items import ReviewItem

logger = logging.getLogger(__name__)

PLACES_KEY_ENV = "GOOGLE_PLACES_API_KEY"
BUSINESS_TOKEN_ENV = "GOOGLE_BUSINESS_ACCESS_TOKEN"
PLACES_FIELDS = "id,displayName,googleMapsUri,reviews"
BUSINESS_PAGE_SIZE = 50  # the API's maximum
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
RATING_SCALE = (1, 5)
#: A page this long without a single text is a renamed field, not a run of star-only reviews.
DRIFT_MIN_PAGE = 10
_FRACTION = re.compile(r"(\.\d{6})\d+")


def google_time(value: Any) -> str | None:
    """Google's RFC 3339 timestamps carry up to 9 fractional digits; Python reads 6."""
    return _FRACTION.sub(r"\1", value) if isinstance(value, str) else None


def places_url(base: str, place_id: str, language: str) -> str:
    return f"{base.rstrip('/')}/v1/places/{quote(place_id)}?{urlencode({'languageCode': language})}"


def place_review_item(review: dict[str, Any], *, place: dict[str, Any], brand: str, source: str) -> ReviewItem:
    """One Places API review; the original text, not Google's translation."""
    original = review.get("originalText") if isinstance(review.get("originalText"), dict) else review.get("text")
    name = review.get("name")
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=name if isinstance(name, str) and name else None,
        url=review.get("googleMapsUri") or place.get("googleMapsUri") or "https://maps.google.com/",
        published_at=google_time(review.get("publishTime")),
        text=dig(original, "text"),
        rating=review.get("rating"),
        rating_min=RATING_SCALE[0],
        rating_max=RATING_SCALE[1],
        language=dig(original, "languageCode"),
        author=dig(review, "authorAttribution", "displayName"),
    )


def business_reviews_url(base: str, account_id: str, location_id: str) -> str:
    query = urlencode({"pageSize": BUSINESS_PAGE_SIZE, "orderBy": "updateTime desc"})
    return f"{base.rstrip('/')}/v4/accounts/{account_id}/locations/{location_id}/reviews?{query}"


def business_review_item(review: dict[str, Any], *, brand: str, source: str, url: str) -> ReviewItem:
    """One Business Profile review with the owner's reply; anonymous reviewers have no name."""
    review_id = review.get("reviewId") or review.get("name")
    anonymous = dig(review, "reviewer", "isAnonymous") is True
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=str(review_id) if review_id else None,
        url=url,
        published_at=google_time(review.get("createTime")),
        text=review.get("comment"),
        rating=STARS.get(str(review.get("starRating"))),
        rating_min=RATING_SCALE[0],
        rating_max=RATING_SCALE[1],
        author=None if anonymous else dig(review, "reviewer", "displayName"),
        reply=dig(review, "reviewReply", "comment"),
        # the reply's last change: the API keeps no first-publication time
        reply_at=google_time(dig(review, "reviewReply", "updateTime")),
    )


class _GoogleSpider(ReviewSpider):
    """Shared: credentials from the environment or skip, and text-less reviews counted."""

    text_is_html = False
    credential_env: str = ""

    def _credential(self) -> str | None:
        value = os.environ.get(self.credential_env, "").strip()
        if not value:
            self._skip(f"{self.name} needs {self.credential_env} in the environment to crawl this source")
        return value or None

    def _with_text(self, reviews: list[dict[str, Any]], has_text: Any, url: str) -> list[dict[str, Any]]:
        kept = [r for r in reviews if has_text(r)]
        if len(kept) < len(reviews):
            self._count("dropped/no_text", len(reviews) - len(kept))
        if not kept and len(reviews) >= DRIFT_MIN_PAGE:
            self._record_drift(f"{url}: none of {len(reviews)} Google reviews has a text: the response format changed?")
        return kept

    def explain_http_error(self, response: Response) -> str | None:
        if response.status in (401, 403):
            return f"refused: check {self.credential_env} (and that the API is enabled for its project)"
        if response.status == 404:
            return "not found: check the place / account / location id"
        return None


class GooglePlacesSpider(_GoogleSpider):
    """Up to 5 reviews of any place (``-a place_id=ChIJ... -a language=nl``), Places API (New)."""

    name = "google_places"
    credential_env = PLACES_KEY_ENV

    def __init__(self, *args: Any, place_id: str | None = None, language: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.place_id = string_arg(self.name, "place_id", place_id, r"[A-Za-z0-9_-]{10,}")
        self.language = string_arg(self.name, "language", language, r"[a-z]{2}", default="nl")
        self.start_url = places_url(self.start_url, self.place_id, self.language)

    async def start(self) -> AsyncIterator[Request]:
        self.api_key = self._credential()
        if self.api_key:
            yield self._page_request(self.start_url, page=1)

    def request_headers(self, *, post: bool) -> dict[str, str]:
        return {"X-Goog-Api-Key": self.api_key or "", "X-Goog-FieldMask": PLACES_FIELDS, "Accept": "application/json"}

    def parse_page(self, response: TextResponse) -> PageResult:
        place = load_json(response)
        if not isinstance(place, dict) or not isinstance(place.get("id"), str):
            raise PageParseError(response.url, "Places API answer has no place 'id'")
        raw = place.get("reviews", [])
        reviews = [r for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []
        kept = self._with_text(reviews, lambda r: "originalText" in r or "text" in r, response.url)
        items = [place_review_item(r, place=place, brand=self.brand, source=self.source) for r in kept]
        return PageResult(items, None)


class GoogleBusinessSpider(_GoogleSpider):
    """All reviews and replies of an own location (``-a account_id=... -a location_id=...``)."""

    name = "google_business"
    credential_env = BUSINESS_TOKEN_ENV

    def __init__(
        self, *args: Any, account_id: str | None = None, location_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.account_id = string_arg(self.name, "account_id", account_id, r"[0-9]+")
        self.location_id = string_arg(self.name, "location_id", location_id, r"[0-9]+")
        self.start_url = business_reviews_url(self.start_url, self.account_id, self.location_id)

    async def start(self) -> AsyncIterator[Request]:
        self.token = self._credential()
        if self.token:
            yield self._page_request(self.start_url, page=1)

    def request_headers(self, *, post: bool) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token or ''}", "Accept": "application/json"}

    def parse_page(self, response: TextResponse) -> PageResult:
        data = load_json(response)
        if not isinstance(data, dict):
            raise PageParseError(response.url, "Business Profile answer is not a JSON object")
        raw = data.get("reviews", [])
        if not isinstance(raw, list):
            raise PageParseError(response.url, "Business Profile answer: 'reviews' is not a list")
        reviews = [r for r in raw if isinstance(r, dict)]
        kept = self._with_text(reviews, lambda r: "comment" in r, response.url)
        page_url = f"https://business.google.com/reviews?location={self.location_id}"
        items = [business_review_item(r, brand=self.brand, source=self.source, url=page_url) for r in kept]
        token = data.get("nextPageToken")
        next_url = add_or_replace_parameter(response.url, "pageToken", token) if isinstance(token, str) and token else None
        return PageResult(items, next_url)
