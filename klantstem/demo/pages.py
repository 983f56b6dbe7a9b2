"""HTML for the demo site, shaped like the real pages the spiders are written for.

Trustpilot-style pages are Next.js pages: review cards for people plus the same data as
JSON in ``<script id="__NEXT_DATA__">``, with the field names and nesting Trustpilot
uses. Product pages carry schema.org JSON-LD; the two brands on them use two common
variants (an ``@graph`` with typed reviews on 1-5, and a bare ``Product`` with untyped
reviews on the Dutch 1-10 scale, string numbers and date-only dates).
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime
from html import escape
from statistics import mean
from typing import Any

from klantstem.clock import AMSTERDAM
from klantstem.demo.site import DemoBrand, DemoReview, DemoSite, source_url

PER_PAGE = 20
NEXT_BUILD_ID = "kls-demo-7f3a9c"
ROBOTS_TXT = "User-agent: *\nDisallow: /account/\nAllow: /\n"


def page_count(total: int) -> int:
    return max(1, math.ceil(total / PER_PAGE))


def page_slice(reviews: list[DemoReview], page: int) -> list[DemoReview] | None:
    """Reviews on 1-based ``page``, or None when there is no such page."""
    if not 1 <= page <= page_count(len(reviews)):
        return None
    return reviews[(page - 1) * PER_PAGE : page * PER_PAGE]


def _hash_int(*parts: str) -> int:
    """Stable pseudo-random numbers for cosmetic fields (likes, consumer ids)."""
    return int(hashlib.sha1("|".join(parts).encode()).hexdigest(), 16)


def _iso_z(moment: datetime) -> str:
    """Trustpilot's timestamp format: UTC with milliseconds and ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _next_data_json(data: dict[str, Any]) -> str:
    """JSON as Next.js embeds it: ``<``, ``>`` and ``&`` escaped so it cannot end the script."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def layout(title: str, body: str, head: str = "", lang: str = "nl") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{head}"
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1c1c1c}"
        "article{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}"
        ".stars{color:#00b67a}.reply{background:#f3f3f3;padding:.5rem 1rem;border-radius:6px}"
        "nav a{margin-right:1rem}</style></head>"
        f"<body>{body}<footer><p><small>Klantstem demo &ndash; fictieve bedrijven en reviews.</small></p></footer>"
        "</body></html>"
    )


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))


# ----------------------------------------------------------------- Trustpilot style


def _consumer(review: DemoReview) -> dict[str, Any]:
    seed = _hash_int("consumer", review.author)
    return {
        "id": f"{seed:x}"[:24],
        "displayName": review.author,
        "imageUrl": "",
        "numberOfReviews": 1 + seed % 9,
        "countryCode": {"nl": "NL", "fr": "BE"}.get(review.language, "GB"),
        "hasImage": False,
        "isVerified": seed % 4 == 0,
    }


def trustpilot_review(review: DemoReview) -> dict[str, Any]:
    """One entry of ``props.pageProps.reviews`` in Trustpilot's shape."""
    seed = _hash_int("review", review.id)
    verified = review.invited  # Trustpilot verifies the reviews that come through a company's invitation
    return {
        "id": review.id,
        "filtered": False,
        "pending": False,
        "text": review.text,  # Trustpilot's JSON carries plain text, paragraphs split by "\n"
        "rating": review.rating,
        "labels": {
            "merged": None,
            "verification": {
                "isVerified": verified,
                "createdDateTime": _iso_z(review.published_at),
                "reviewSourceName": review.origin,
                "verificationSource": "invitation",
                "verificationLevel": "verified" if verified else "not-verified",
                "hasDachExclusion": False,
            },
        },
        "title": review.title,
        "likes": seed % 4,
        "dates": {
            "experiencedDate": review.published_at.strftime("%Y-%m-%dT00:00:00.000Z"),
            "publishedDate": _iso_z(review.published_at),
            "updatedDate": _iso_z(review.updated_at) if review.updated_at else None,
            "submittedDate": None,
        },
        "report": None,
        "hasUnhandledReports": False,
        "consumer": _consumer(review),
        "reply": (
            {"message": review.reply.message, "publishedDate": _iso_z(review.reply.published_at), "updatedDate": None}
            if review.reply
            else None
        ),
        "consumersReviewCountOnSameDomain": 1,
        "consumersReviewCountOnSameLocation": None,
        "productReviews": [],
        "language": review.language,
        "location": None,
    }


def _business_unit(brand: DemoBrand, reviews: list[DemoReview]) -> dict[str, Any]:
    score = round(mean(r.rating for r in reviews), 1) if reviews else 0.0
    return {
        "id": f"{_hash_int('bu', brand.domain):x}"[:24],
        "displayName": brand.name,
        "identifyingName": brand.domain,
        "numberOfReviews": len(reviews),
        "trustScore": score,
        "stars": round(score * 2) / 2,
        "websiteUrl": f"https://{brand.domain}",
        "isClaimed": True,
        "categories": [{"id": "online_shop", "name": "Webwinkel", "isPrimary": True}],
    }


def next_data(brand: DemoBrand, reviews: list[DemoReview], page: int) -> dict[str, Any]:
    """The whole ``__NEXT_DATA__`` object of one company page."""
    on_page = page_slice(reviews, page) or []
    query: dict[str, str] = {"businessUnit": brand.domain}
    if page > 1:
        query["page"] = str(page)
    return {
        "props": {
            "pageProps": {
                "businessUnit": _business_unit(brand, reviews),
                "reviews": [trustpilot_review(r) for r in on_page],
                "filters": {
                    "pagination": {
                        "currentPage": page,
                        "perPage": PER_PAGE,
                        "totalCount": len(reviews),
                        "totalPages": page_count(len(reviews)),
                    },
                    "selected": {"languages": "all", "stars": None, "date": None, "verified": False, "replies": False},
                    "totalNumberOfReviews": len(reviews),
                },
            },
            "__N_SSP": True,
        },
        "page": "/review/[businessUnit]",
        "query": query,
        "buildId": NEXT_BUILD_ID,
        "isFallback": False,
        "gssp": True,
        "locale": "nl-NL",
        "scriptLoader": [],
    }


def _review_card(review: DemoReview) -> str:
    reply = (
        f'<div class="reply"><p><strong>Reactie van het bedrijf</strong></p>{_paragraphs(review.reply.message)}</div>'
        if review.reply
        else ""
    )
    return (
        f'<article data-service-review-card-paper="true" id="review-{review.id}">'
        f'<p>{escape(review.author)} &middot; <time datetime="{_iso_z(review.published_at)}">'
        f"{review.published_at:%d-%m-%Y}</time></p>"
        f'<p class="stars" aria-label="Beoordeeld met {review.rating} van de 5 sterren">'
        f"{'&#9733;' * review.rating}{'&#9734;' * (5 - review.rating)}</p>"
        f'<h2 data-service-review-title-typography="true">'
        f'<a href="/reviews/{review.id}">{escape(review.title)}</a></h2>'
        f'<div data-service-review-text-typography="true">{_paragraphs(review.text)}</div>{reply}</article>'
    )


def _pager(base_path: str, page: int, total_pages: int) -> str:
    links = []
    if page > 1:
        links.append(f'<a rel="prev" href="{base_path}?page={page - 1}">Vorige</a>')
    links.append(f"<span>Pagina {page} van {total_pages}</span>")
    if page < total_pages:
        links.append(f'<a rel="next" href="{base_path}?page={page + 1}">Volgende</a>')
    return f"<nav>{''.join(links)}</nav>"


def trustpilot_page(site: DemoSite, brand: DemoBrand, page: int) -> str | None:
    """A company page ``/review/<domain>?page=N``, or None when the page does not exist."""
    reviews = site.listing(brand, "trustpilot")
    on_page = page_slice(reviews, page)
    if on_page is None:
        return None
    base_path = f"/review/{brand.domain}"
    cards = "".join(_review_card(r) for r in on_page)
    data = _next_data_json(next_data(brand, reviews, page))
    body = (
        f'<div id="__next"><main><h1>{escape(brand.name)} reviews</h1>'
        f"<p>{len(reviews)} reviews &middot; {brand.domain}</p>"
        f"{cards}{_pager(base_path, page, page_count(len(reviews)))}</main></div>"
        f'<script id="__NEXT_DATA__" type="application/json">{data}</script>'
    )
    title = f"{brand.name} Reviews | Lees klantreviews over {brand.domain}"
    return layout(title, body, head=f'<link rel="canonical" href="{base_path}">')


def malformed_trustpilot_page() -> str:
    """A company page whose ``__NEXT_DATA__`` was cut off mid-JSON (a fault route)."""
    complete = _next_data_json(
        {"props": {"pageProps": {"reviews": [], "filters": {}}}, "page": "/review/[businessUnit]"}
    )
    body = f'<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{complete[:40]}</script>'
    return layout("Malformed page", body)


def review_page(review: DemoReview) -> str:
    """Permalink ``/reviews/<id>``: where a staging row's ``url`` sends a person."""
    return layout(f"{review.title} | {review.brand}", _review_card(review), lang=review.language)


# -------------------------------------------------------------------- JSON-LD pages


def _jsonld_reply(review: DemoReview, ten_point: bool) -> dict[str, Any]:
    """The company's answer as a schema.org ``comment``: Bestelhuis answers as the company,
    Snelkoop's customer service signs with a (fictional) employee's name."""
    assert review.reply is not None
    seed = _hash_int("replier", review.id)
    author: dict[str, Any] = (
        {"@type": "Organization", "name": review.brand} if ten_point
        else {"@type": "Person", "name": ("Sanne", "Joris", "Fleur")[seed % 3] + f" van {review.brand}",
              "worksFor": {"@type": "Organization", "name": review.brand}}
    )
    return {"@type": "Comment", "text": review.reply.message, "author": author,
            "dateCreated": review.reply.published_at.astimezone(AMSTERDAM).isoformat(timespec="seconds")}


def _jsonld_review(review: DemoReview, ten_point: bool) -> dict[str, Any]:
    """Snelkoop's page types every review and uses full timestamps; Bestelhuis's does not."""
    reply = {"comment": [_jsonld_reply(review, ten_point)]} if review.reply else {}
    if ten_point:
        seed = _hash_int("author-style", review.id)
        return {
            "author": review.author if seed % 2 else {"@type": "Person", "name": review.author},
            "datePublished": review.published_at.astimezone(AMSTERDAM).date().isoformat(),
            "name": review.title,
            "reviewBody": review.published_text,
            "inLanguage": review.language,
            "reviewRating": {"ratingValue": str(review.rating), "bestRating": "10", "worstRating": "1"},
            **reply,
        }
    return {
        "@type": "Review",
        "author": {"@type": "Person", "name": review.author},
        "datePublished": review.published_at.astimezone(AMSTERDAM).isoformat(timespec="seconds"),
        "name": review.title,
        "reviewBody": review.published_text,
        "inLanguage": "nl-NL" if review.language == "nl" else "en-GB",
        "reviewRating": {"@type": "Rating", "ratingValue": review.rating, "bestRating": 5, "worstRating": 1},
        **reply,
    }


def product_json_ld(brand: DemoBrand, reviews: list[DemoReview], page: int, url: str) -> dict[str, Any]:
    """The JSON-LD block holding one page of reviews, in the brand's variant."""
    on_page = page_slice(reviews, page) or []
    ten_point = brand.jsonld_best_rating == 10
    product = {
        "@type": "Product",
        "name": f"{brand.name} webwinkel",
        "brand": {"@type": "Brand", "name": brand.name},
        "url": url,
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": round(mean(r.rating for r in reviews), 1) if reviews else 0,
            "reviewCount": len(reviews),
            "bestRating": brand.jsonld_best_rating,
            "worstRating": 1,
        },
        "review": [_jsonld_review(r, ten_point) for r in on_page],
    }
    if ten_point:
        return {"@context": "https://schema.org", **product}
    webpage = {"@type": "WebPage", "@id": f"{url}#webpage", "url": url, "name": f"{brand.name} ervaringen"}
    return {"@context": "https://schema.org", "@graph": [webpage, {**product, "@id": f"{url}#product"}]}


def _json_ld_script(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/ld+json">{text}</script>'


def product_page(site: DemoSite, brand: DemoBrand, page: int, base_url: str) -> str | None:
    """A review page ``/product/<slug>?page=N`` with JSON-LD and ``rel=next``, or None."""
    reviews = site.listing(brand, "jsonld")
    on_page = page_slice(reviews, page)
    if on_page is None:
        return None
    url = source_url(base_url, brand, "jsonld")
    base_path = f"/product/{brand.slug}"
    total_pages = page_count(len(reviews))
    head = f'<link rel="canonical" href="{url}{"" if page == 1 else f"?page={page}"}">'
    if page < total_pages:
        head += f'<link rel="next" href="{base_path}?page={page + 1}">'
    if page > 1:
        head += f'<link rel="prev" href="{base_path}?page={page - 1}">'
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Webwinkels", "item": f"{base_url.rstrip('/')}/"},
            {"@type": "ListItem", "position": 2, "name": brand.name, "item": url},
        ],
    }
    head += _json_ld_script(breadcrumbs) + _json_ld_script(product_json_ld(brand, reviews, page, url))
    cards = "".join(
        f"<article><h2>{escape(r.title)}</h2><p>{escape(r.author)} &middot; {r.rating}/{r.best_rating}</p>"
        f"{_paragraphs(r.text)}</article>"
        for r in on_page
    )
    body = f"<h1>Ervaringen met {escape(brand.name)}</h1>{cards}{_pager(base_path, page, total_pages)}"
    return layout(f"{brand.name} ervaringen en reviews", body, head=head)


# ---------------------------------------------------------------------------- index


def index_page(site: DemoSite, base_url: str) -> str:
    """Links to every source, for people looking at the demo in a browser."""
    items = "".join(
        f"<li>{escape(brand.name)}{' (eigen merk)' if brand.own else ''}: "
        + ", ".join(
            f'<a href="{source_url(base_url, brand, channel)}">{channel}</a> ({len(site.listing(brand, channel))})'
            for channel in brand.daily_reviews
        )
        + "</li>"
        for brand in site.brands
    )
    body = (
        f"<h1>Klantstem demo</h1><p>Reviews van {len(site.reviews)} fictieve klanten, "
        f"60 dagen tot en met {site.today:%d-%m-%Y}.</p><ul>{items}</ul>"
    )
    return layout("Klantstem demo", body)
