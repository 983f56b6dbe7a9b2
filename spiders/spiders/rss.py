"""News feeds (RSS 0.9x/1.0/2.0, Atom), kept when articles mention the brand.

``url`` is a feed; ``feeds`` (JSON array or comma-separated) adds more, e.g. Dutch news
sites' public feeds. Per feed, newest first:

1. The feed is parsed with ``feedparser`` (dates in any feed dialect, HTML summaries,
   relative links). A page that is not a feed (HTML, broken XML without entries) is an
   error; a valid feed without entries is an empty page. A feed that ends mid-document
   (cut off in transfer) is an error too, although feedparser still returns the entries
   before the cut: the rest of the feed was lost, and nobody would notice otherwise.
2. An entry whose id the warehouse already holds is skipped without fetching the
   article: feeds are re-read every run. The id is the article link (the same article in
   two feeds is one mention; ``guid`` differs per feed), else ``guid``/``id``.
3. An entry whose title and summary do not mention the brand is skipped too (counted as
   ``brand_filter/no_keyword``): fetching every article of a busy feed would be rude.
   An article that mentions the brand only deep in its body is therefore missed.
4. The article page is fetched (robots.txt obeyed, per-host politeness) and its main text
   extracted with trafilatura (boilerplate, menus and comments removed). When the page
   fails (paywall 403, 404, robots.txt) or has no extractable text, the feed summary stands
   in and the stats file gets a *warning*, not an error: one unreadable article should
   not mark a whole news source failed every day.

The brand filter then checks title + article text again (an exclusion term in the body
vetoes it). ``language`` is the feed's ``<language>`` (``nl``, ``nl-NL``), if given.
Summaries are HTML and cleaned here; the stored text (summary or extracted article) is
then plain text (``text_is_html`` False), so "5<10" in an article survives.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider
from spiders.brands import parse_list_arg
from spiders.items import ReviewItem
from spiders.pipelines import clean_text

logger = logging.getLogger(__name__)


#: What expat says when the document stops before its root element is closed.
_TRUNCATED = ("no element found", "unclosed token")


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> Any:
    """The parsed feed; ``PageParseError`` when ``body`` is not a feed, or is cut off."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    if not parsed.get("entries") and not parsed.get("version"):  # no feed root: not a feed at all
        problem = parsed.get("bozo_exception")
        detail = f"{type(problem).__name__}: {problem}" if problem else "no RSS/Atom root element"
        raise PageParseError(url, f"not an RSS/Atom feed ({detail})")
    problem = parsed.get("bozo_exception")
    if problem is not None and any(marker in str(problem) for marker in _TRUNCATED):
        raise PageParseError(
            url, f"feed ends mid-document ({problem}) after {len(parsed.entries)} entries: cut off in transfer?"
        )
    return parsed


def _iso(struct: Any) -> str | None:
    """feedparser's ``*_parsed`` (a UTC ``time.struct_time``) as ISO 8601."""
    if struct is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(struct), UTC).isoformat(timespec="seconds")


def entry_item(entry: Any, *, brand: str, source: str, feed_url: str, language: str | None) -> ReviewItem:
    """One feed entry as a raw item whose text is the summary (the article replaces it)."""
    link = entry.get("link")
    published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
    summary = entry.get("summary")
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value")
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=link or entry.get("id") or None,
        url=link or feed_url,
        kind="post",
        published_at=published,
        title=entry.get("title"),
        text=clean_text(summary),
        language=language,
        author=entry.get("author"),
    )


def extract_article_text(html: str, url: str) -> str | None:
    """The article's main text (paragraphs on separate lines), or None when there is none."""
    import trafilatura  # imported here: 0.1 s that `scrapy list` and other spiders need not pay

    return trafilatura.extract(
        html,
        url=url,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        deduplicate=False,
    )


class RssSpider(ReviewSpider):
    """Articles from ``url`` and ``-a feeds=[...]`` that mention the brand."""

    name = "rss"
    id_fallback = True  # entries without guid and link get the contract's hash
    text_is_html = False  # summaries are cleaned in entry_item; article text is plain

    def __init__(self, *args: Any, feeds: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feeds = list(dict.fromkeys([self.start_url, *parse_list_arg(feeds)]))

    async def start(self) -> AsyncIterator[Request]:
        for feed in self.feeds:
            yield self._page_request(feed, page=1, listing=feed)

    def parse_page(self, response: TextResponse) -> PageResult:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        parsed = parse_feed(response.body, response.url, content_type)
        language = parsed.feed.get("language")
        items: list[ReviewItem] = []
        requests: list[Request] = []
        for entry in parsed.entries:
            item = entry_item(entry, brand=self.brand, source=self.source, feed_url=response.url, language=language)
            if item.external_id and item.external_id in self.seen_ids:
                self._count("seen")
                continue
            if not self._count_brand_check(clean_text("\n".join(p for p in (item.title, item.text) if p))):
                continue
            if item.url == response.url:  # no link: the summary is all there is
                items.append(item)
                continue
            requests.append(
                Request(
                    item.url,
                    callback=self.parse_article,
                    errback=self._article_failed,
                    cb_kwargs={"entry": item},
                )
            )
        return PageResult(items, None, requests=requests)

    def parse_article(self, response: Response, entry: ReviewItem) -> Iterator[ReviewItem]:
        self._count("pages_fetched")
        text = extract_article_text(response.text, response.url) if isinstance(response, TextResponse) else None
        if not text:
            self._record_warning(f"{entry.url}: article text from the feed summary: no main text found on the page")
            yield entry
            return
        first, _, rest = text.partition("\n")
        if rest and entry.title and " ".join(first.split()) == " ".join(entry.title.split()):
            text = rest  # the headline is the title already
        yield replace(entry, text=text)

    def _article_failed(self, failure: Failure) -> Iterator[ReviewItem]:
        entry: ReviewItem = failure.request.cb_kwargs["entry"]  # type: ignore[attr-defined]
        self._record_warning(
            f"{entry.url}: article text from the feed summary: {self.describe_request_failure(failure)}"
        )
        yield entry
