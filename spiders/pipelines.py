"""Item pipelines: everything that is the same for every source.

Spiders only copy values off a page; these pipelines make them staging rows, in this
order (see ``ITEM_PIPELINES`` in settings):

1. ``ExternalIdPipeline``   fill a missing source id with the contract's fallback hash
2. ``CleanTextPipeline``    strip HTML and unescape entities (HTML sources only), normalise whitespace
3. ``NormaliseFieldsPipeline`` timestamps to ISO 8601 UTC, language to ISO 639-1
4. ``RatingPipeline``       numbers, scale and ``rating_normalised``
5. ``PseudonymisePipeline`` salted author pseudonym (klantstem.privacy)
6. ``ValidationPipeline``   drop, count and log rows without text / date / id
7. ``BrandMatchPipeline``   post sources only: drop texts that do not mention the brand
8. ``DuplicatePipeline``    drop an id already written in this crawl (a post under two hashtags)
9. ``SeenIdsPipeline``      drop rows already in the warehouse (``seen_ids``) unless their
   rating, text or company reply changed (``klantstem.review_state``)

The id is computed first, from the raw values, because the spider computes the same id
from the same raw values to decide whether to stop paging; both call
``resolve_external_id`` so they cannot disagree. Pseudonymisation runs before the drops
so that the items Scrapy writes into its "Dropped" log lines carry no raw names.

The pure helpers (``clean_text``, ``normalise_timestamp``, ``normalise_rating`` ...)
are importable for tests and for other packages.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol, Self

from scrapy.exceptions import DropItem
from w3lib.html import remove_tags, replace_entities

from klantstem.limits import FUTURE_SKEW, MAX_STORED_CHARS
from klantstem.privacy import PSEUDONYMISE_ENV, SALT_ENV, keyed_id, pseudonymise
from klantstem.review_state import review_state
from spiders import refuse_to_start
from spiders.items import ReviewItem, ScrapedNumber

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from spiders.brands import BrandMatcher

logger = logging.getLogger(__name__)

DEFAULT_RATING_SCALE = (1.0, 5.0)
REQUIRED_FIELDS = ("text", "published_at", "external_id")
STATS_PREFIX = "klantstem/"

_LINE_BREAK_TAGS = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(?:p|div|li)\s*>", re.IGNORECASE)
_LANGUAGE_CODE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$")


# --------------------------------------------------------------------------- helpers


def clean_text(value: object) -> str | None:
    """Plain text with single spaces and ``\\n`` between paragraphs; blank becomes None.

    Line breaks are kept (``<br>``, ``</p>`` become newlines) because people read these
    texts in dashboards; runs of spaces, tabs and non-breaking spaces are not.
    """
    if value is None:
        return None
    text = replace_entities(remove_tags(_LINE_BREAK_TAGS.sub("\n", str(value))))
    lines = (" ".join(line.split()) for line in text.splitlines())
    cleaned = unicodedata.normalize("NFC", "\n".join(line for line in lines if line))
    return cleaned or None


def clean_plain_text(value: object) -> str | None:
    """``clean_text`` for sources whose text is not HTML: whitespace only, nothing removed.

    A customer who types "5<10" or "&amp;" on Trustpilot, in an app store or on Reddit
    (read with ``raw_json=1``) means those characters; stripping "tags" or unescaping
    entities there would change what they wrote.
    """
    if value is None:
        return None
    lines = (" ".join(line.split()) for line in str(value).splitlines())
    cleaned = unicodedata.normalize("NFC", "\n".join(line for line in lines if line))
    return cleaned or None


def normalise_timestamp(value: object) -> str | None:
    """ISO 8601 in UTC with an explicit offset, or None when ``value`` is not a date.

    A date without a time means midnight and a time without an offset means UTC: a
    wrong hour is better than a dropped review, and both are rare on review sites.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).isoformat(timespec="seconds")
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        return None


def utc_now_iso() -> str:
    """Now, in the same format as ``normalise_timestamp`` produces."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalise_language(value: object) -> str | None:
    """``"nl-NL"`` -> ``"nl"``; anything that does not start with a 2-letter code -> None."""
    if not isinstance(value, str):
        return None
    match = _LANGUAGE_CODE.match(value.strip().lower())
    return match.group(1) if match else None


def to_float(value: ScrapedNumber) -> float | None:
    """A number from JSON or page text (``"4,5"`` is Dutch for 4.5); None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # a list or object where a number belongs; 10**400
        return None
    return number if math.isfinite(number) else None


class Rating(NamedTuple):
    """A rating on its own scale plus its position on 0..1."""

    value: float | None
    minimum: float | None
    maximum: float | None
    normalised: float | None


def normalise_rating(value: ScrapedNumber, minimum: ScrapedNumber, maximum: ScrapedNumber) -> Rating:
    """Put ``value`` on 0..1 using its own scale (1..5 when the source names none).

    A value outside its scale keeps its raw number but gets no normalised one: a wrong
    0..1 score would skew every average it lands in.
    """
    number = to_float(value)
    if number is None:
        return Rating(None, None, None, None)
    low = to_float(minimum)
    high = to_float(maximum)
    low = DEFAULT_RATING_SCALE[0] if low is None else low
    high = DEFAULT_RATING_SCALE[1] if high is None else high
    if high <= low or not low <= number <= high:
        return Rating(number, low, high, None)
    return Rating(number, low, high, (number - low) / (high - low))


def fallback_external_id(brand: str, author: str | None, published_at: str, text: str, salt: str = "") -> str:
    """The contract's id for sources without one: ``"h:" + HMAC-SHA256(salt, sha1(brand|author|published_at|text))``
    (first 40 hex digits, ``klantstem.privacy.keyed_id``), keyed with the pseudonymisation salt.

    Keyed, because the id is stored beside brand, date and text: an unkeyed hash of them
    maps back to the author's name from a list of guesses, and the author's pseudonym then
    reveals all their reviews. Keyed over the unkeyed ``sha1``, which ids were before, so the
    warehouse re-keys those without knowing the author. Without a salt (a spider run by hand)
    it is that unkeyed ``sha1``.
    Deliberately not the page URL: the same review must keep its id when it moves to a later
    page, when the site changes host or port, or when the configured start URL is edited;
    otherwise a re-crawl would store it a second time.
    """
    digest = hashlib.sha1("|".join((brand, author or "", published_at, text)).encode("utf-8")).hexdigest()
    return keyed_id(salt, digest) if salt else digest


def resolve_external_id(item: ReviewItem, allow_fallback: bool, salt: str = "") -> str | None:
    """The item's id: the source's own, else (if the source has none) the fallback hash.

    Works on the raw item (cleans copies of the values itself) so that the spider, which
    needs ids to stop paging, and ``ExternalIdPipeline`` get the same answer.
    """
    if item.external_id:
        return str(item.external_id)
    if not allow_fallback:
        return None
    text = clean_text(item.text)
    published_at = normalise_timestamp(item.published_at)
    if text is None or published_at is None:
        return None
    return fallback_external_id(item.brand, clean_text(item.author), published_at, text, salt)


# ------------------------------------------------------------------------- pipelines


class SourceSpider(Protocol):
    """What the pipelines read from the spider (``spiders.base.ReviewSpider``)."""

    id_fallback: bool
    id_salt: str
    text_is_html: bool
    brand_filter: bool
    seen_ids: frozenset[str]
    brand_matcher: BrandMatcher | None


class _CrawlerPipeline:
    """Keeps the crawler, the way Scrapy 2.13+ wants pipelines to reach spider and stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def spider(self) -> SourceSpider:
        return self.crawler.spider  # type: ignore[return-value]

    def count(self, key: str) -> None:
        """Add one to a ``klantstem/`` stat that the crawl summary reports."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(STATS_PREFIX + key)


class ExternalIdPipeline(_CrawlerPipeline):
    """Fill ``external_id`` from the fallback hash where the spider's source has no ids."""

    def process_item(self, item: ReviewItem) -> ReviewItem:
        spider = self.spider
        item.external_id = resolve_external_id(item, spider.id_fallback, spider.id_salt)
        return item


class CleanTextPipeline(_CrawlerPipeline):
    """Stray whitespace out of every free-text field, HTML too where the source's texts are HTML
    (``spider.text_is_html``), each cut to ``MAX_STORED_CHARS``.

    The cut bounds what one hostile page can make every later step (storage, scoring,
    tagging, the dashboard) pay; it is counted as ``truncated/<field>`` and the text ends in
    an ellipsis, so a reader sees that more was there.
    """

    def process_item(self, item: ReviewItem) -> ReviewItem:
        clean = clean_text if getattr(self.spider, "text_is_html", True) else clean_plain_text
        item.title = self._capped("title", clean(item.title))
        item.text = self._capped("text", clean(item.text))
        item.reply = self._capped("reply", clean(item.reply))
        item.author = self._capped("author", clean(item.author))
        item.reply_author = self._capped("reply_author", clean(item.reply_author)) if item.reply else None
        return item

    def _capped(self, field: str, value: str | None) -> str | None:
        if value is None or len(value) <= MAX_STORED_CHARS:
            return value
        self.count(f"truncated/{field}")
        return value[: MAX_STORED_CHARS - 1] + "…"


class NormaliseFieldsPipeline(_CrawlerPipeline):
    """One timestamp format and one language format for every source, plus ``fetched_at``."""

    def process_item(self, item: ReviewItem) -> ReviewItem:
        raw_published = item.published_at
        item.published_at = normalise_timestamp(raw_published)
        if raw_published and item.published_at is None:
            logger.warning("unreadable date %r at %s", raw_published, item.url)
        item.language = normalise_language(item.language)
        # A reply date only with a reply; unreadable, it is left out (the load then uses the crawl time).
        item.reply_at = normalise_timestamp(item.reply_at) if item.reply else None
        item.fetched_at = utc_now_iso()
        return item


class RatingPipeline(_CrawlerPipeline):
    """Ratings as floats on their own scale plus ``rating_normalised`` in [0, 1]."""

    def process_item(self, item: ReviewItem) -> ReviewItem:
        rating = normalise_rating(item.rating, item.rating_min, item.rating_max)
        if item.rating is not None and rating.normalised is None:
            logger.warning(
                "rating %r outside scale %r..%r at %s", item.rating, item.rating_min, item.rating_max, item.url
            )
        item.rating, item.rating_min, item.rating_max, item.rating_normalised = rating
        return item


class PseudonymisePipeline(_CrawlerPipeline):
    """Replace the author's name, and the name of a person who replied for the company where a
    platform gives one, by a salted pseudonym (see klantstem.privacy).

    On unless ``KLANTSTEM_PSEUDONYMISE=0``. The salt comes only from the environment
    (``KLANTSTEM_AUTHOR_SALT``), never from a ``-s`` setting, because command lines are
    visible to every user of the machine. Without a salt the crawl refuses to start:
    crawling with a made-up salt would produce pseudonyms that never match later runs.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.enabled = os.environ.get(PSEUDONYMISE_ENV, "1").strip() != "0"
        self.salt = os.environ.get(SALT_ENV, "")
        if self.enabled and not self.salt:
            message = (
                f"{SALT_ENV} is not set: author pseudonymisation needs the salt "
                f"(or set {PSEUDONYMISE_ENV}=0 to store raw author names)"
            )
            refuse_to_start(logger, message)
        if not self.enabled:
            logger.warning("%s=0: raw author names will be written", PSEUDONYMISE_ENV)

    def process_item(self, item: ReviewItem) -> ReviewItem:
        if self.enabled:
            item.author = pseudonymise(self.salt, item.source, item.author)
            item.reply_author = pseudonymise(self.salt, item.source, item.reply_author)
        return item


class ValidationPipeline(_CrawlerPipeline):
    """Drop rows the warehouse cannot use, counted per reason, without stopping the crawl.

    A date beyond ``FUTURE_SKEW`` from now is refused too: a review from the year 9999 is a
    broken or hostile page, and one such row stretches every chart's time axis to it.
    """

    def process_item(self, item: ReviewItem) -> ReviewItem:
        self.count("checked")  # the denominator of the format-drift check (spiders.drift)
        for field in REQUIRED_FIELDS:
            if not getattr(item, field):
                self.count(f"dropped/missing_{field}")
                raise DropItem(f"missing {field} at {item.url}", log_level="WARNING")
        assert item.published_at is not None
        if datetime.fromisoformat(item.published_at) > datetime.now(UTC) + FUTURE_SKEW:
            self.count("dropped/future_date")
            raise DropItem(f"published_at {item.published_at} is in the future at {item.url}", log_level="WARNING")
        return item


class SeenIdsPipeline(_CrawlerPipeline):
    """Drop rows whose id the warehouse already has (the ``seen_ids`` spider argument), unless
    the warehouse's digest of rating, text and reply differs from the row's: a reply that
    appeared or an edit goes through (counted as ``changed``) and updates the stored row."""

    def process_item(self, item: ReviewItem) -> ReviewItem:
        seen = self.spider.seen_ids
        if item.external_id not in seen:
            return item
        stored = seen.get(item.external_id) if isinstance(seen, dict) else None
        if stored is not None and stored != review_state(to_float(item.rating), item.text, item.reply):
            self.count("changed")
            return item
        self.count("seen")
        raise DropItem(f"already seen: {item.external_id}", log_level="DEBUG")


class BrandMatchPipeline(_CrawlerPipeline):
    """Post sources (``spider.brand_filter``): keep a row only if title or text mentions the brand.

    Rules in ``spiders.brands``. Counted as ``brand_filter/matched``, ``brand_filter/no_keyword``
    and ``brand_filter/excluded`` (a keyword vetoed by an exclusion term), so the stats file
    shows how well the keywords fit. Not "dropped": a post about something else is no defect.
    Runs after pseudonymisation so that no dropped row carries a raw name.
    """

    def process_item(self, item: ReviewItem) -> ReviewItem:
        matcher = self.spider.brand_matcher
        if matcher is None:
            return item
        result = matcher.check("\n".join(part for part in (item.title, item.text) if part))
        if result.matched:
            self.count("brand_filter/matched")
            return item
        if result.keyword is None:
            self.count("brand_filter/no_keyword")
            raise DropItem(f"no brand keyword at {item.url}", log_level="DEBUG")
        self.count("brand_filter/excluded")
        raise DropItem(f"{result.keyword!r} excluded by {result.excluded_by!r} at {item.url}", log_level="DEBUG")


class DuplicatePipeline(_CrawlerPipeline):
    """Drop a row whose id this crawl already wrote: the same post found twice (two hashtags,
    two feeds, a review that moved to the next page while paging). Counted as
    ``dropped/duplicate``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.written: set[str] = set()

    def process_item(self, item: ReviewItem) -> ReviewItem:
        key = str(item.external_id)
        if key in self.written:
            self.count("dropped/duplicate")
            raise DropItem(f"duplicate in this crawl: {item.external_id}", log_level="DEBUG")
        self.written.add(key)
        return item
