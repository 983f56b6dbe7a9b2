"""`monitor.toml`: which brands to watch, where, and how the pipeline behaves.

Validated with pydantic on load so that a typo stops the run *before* anything crawls or
writes; the error is one line naming the file and the field (``ConfigError``).
Secrets never live here: the author salt, webhook URLs and tokens come from the
environment (see ``secret_env`` fields), so the file can be committed.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

DEFAULT_CONFIG_NAME = "monitor.toml"


class ConfigError(ValueError):
    """A config file that cannot be used; ``str()`` is a single line naming file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _true_booleans(cls, value: object, info: ValidationInfo) -> object:
        """``own = "yes"`` or ``1`` is a typo to report, not a truth to guess: TOML has true/false."""
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.annotation is bool and not isinstance(value, bool):
            raise ValueError(f"must be true or false (TOML booleans), got {value!r}")
        return value


@dataclass(frozen=True)
class SourceType:
    """One kind of source: everything the config knows about it. Adding a source type is an entry
    in ``SOURCE_TYPES``, its spider (named after the type), its fixture and docs/sources.md."""

    kind: Literal["review", "post"]  # reviews are about the brand; posts only where they name it
    fields: frozenset[str] = frozenset()  # the type-specific ``Source`` fields it reads
    requires: tuple[tuple[Callable[[Source], object], str], ...] = ()  # (holds, error message)
    default_url: str | None = None  # its public host; ``url`` points elsewhere only for tests/mirrors
    url_from: str | None = None  # without a url: the first entry of this list field
    defaults: Mapping[str, str] = field(default_factory=dict)  # field defaults for this type

    @property
    def keyword_based(self) -> bool:
        """Post sources keep only texts that mention the brand (its ``keywords``/``exclude``)."""
        return self.kind == "post"


def _required(name: str, holds: Callable[[Source], object], why: str) -> tuple[Callable[[Source], object], str]:
    return holds, f"{name}: required for type {why}"


SOURCE_TYPES: dict[str, SourceType] = {
    "trustpilot": SourceType("review"),
    "jsonld": SourceType("review"),
    "kiyoh": SourceType("review", frozenset({"location_id", "tenant_id"}), (
        (lambda s: s.location_id or not s.tenant_id, "tenant_id: only used with location_id (the Kiyoh publication API)"),
    )),
    "appstore": SourceType("review", frozenset({"app_id", "country"}), (
        _required("app_id", lambda s: s.app_id and s.app_id.isdigit(), "'appstore': the digits after /id in the App Store link"),
    ), default_url="https://itunes.apple.com", defaults={"country": "nl"}),
    "googleplay": SourceType("review", frozenset({"app_id", "country", "language"}), (
        _required("app_id", lambda s: s.app_id and _PACKAGE.match(s.app_id),
                  "'googleplay': the package name after ?id= (e.g. nl.snelkoop.app)"),
    ), default_url="https://play.google.com", defaults={"country": "nl", "language": "nl"}),
    "reddit": SourceType("post", frozenset({"subreddits"}), (
        _required("subreddits", lambda s: s.subreddits, "'reddit' (at least one subreddit name)"),
    ), default_url="https://www.reddit.com"),
    "mastodon": SourceType("post", frozenset({"hashtags", "query"}), (
        _required("hashtags", lambda s: s.hashtags or s.query, "'mastodon' (or query)"),
    )),
    "rss": SourceType("post", frozenset({"feeds"}), url_from="feeds"),
    "bluesky": SourceType("post", frozenset({"language", "query"}), default_url="https://bsky.social"),
    "google_places": SourceType("review", frozenset({"place_id", "language"}), (
        _required("place_id", lambda s: s.place_id, "'google_places' (the ChIJ... id of the place)"),
    ), default_url="https://places.googleapis.com", defaults={"language": "nl"}),
    "google_business": SourceType("review", frozenset({"account_id", "location_id"}), (
        _required("account_id and location_id", lambda s: s.account_id and s.location_id, "'google_business'"),
    ), default_url="https://mybusiness.googleapis.com"),
}
SourceTypeName = Literal[tuple(SOURCE_TYPES)]  # type: ignore[valid-type]  # the table is the one list


class Source(_Strict):
    """One place to crawl for one brand.

    ``type`` picks the Scrapy spider; ``name`` is the stable key stored with every
    mention (together with the source's own review id it makes a mention unique), so
    renaming it makes old and new mentions look like different sources.
    """

    type: SourceTypeName
    url: HttpUrl = Field(
        default=None,  # type: ignore[assignment]  # filled per type by _type_defaults, else required
        description="Start page, API base or Mastodon instance; appstore, googleplay, reddit and bluesky "
        "default to the public host, rss defaults to the first of `feeds`.",
    )
    name: str | None = Field(
        default=None,
        description="Stable source key; defaults to the spider type (e.g. 'trustpilot').",
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
    )
    max_pages: int = Field(default=50, ge=1, le=1000, description="Per listing (subreddit, hashtag, feed, query).")
    # Type-specific fields (see SOURCE_TYPE_FIELDS): passed to the spider as `-a name=value`.
    app_id: str | None = Field(
        default=None, description="appstore: the digits of .../id<digits>; googleplay: the package name."
    )
    country: str | None = Field(
        default=None, pattern=r"^[a-z]{2}$", description="Store country (appstore, googleplay); default nl."
    )
    language: str | None = Field(
        default=None, pattern=r"^[a-z]{2}$", description="googleplay: review language (default nl); bluesky: filter."
    )
    subreddits: list[str] = Field(default_factory=list, description="reddit: subreddit names without r/.")
    hashtags: list[str] = Field(default_factory=list, description="mastodon: hashtag timelines to read, without #.")
    query: str | None = Field(
        default=None, min_length=1, description="mastodon/bluesky: search text; bluesky default: each brand keyword."
    )
    feeds: list[HttpUrl] = Field(default_factory=list, description="rss: RSS/Atom feed URLs.")
    place_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{10,}$", description="google_places: the place id (ChIJ...)."
    )
    account_id: str | None = Field(
        default=None, pattern=r"^[0-9]+$", description="google_business: the Business Profile account number."
    )
    location_id: str | None = Field(
        default=None, pattern=r"^[0-9]+$",
        description="google_business: the location number; kiyoh: the location id of the publication API "
        "(own brand; token in KIYOH_API_TOKEN).",
    )
    tenant_id: str | None = Field(default=None, pattern=r"^[0-9]+$", description="kiyoh publication API: tenant (default 98).")

    @property
    def key(self) -> str:
        return self.name or self.type

    @property
    def uses_brand_keywords(self) -> bool:
        """Post sources keep only texts that mention the brand (its ``keywords``/``exclude``)."""
        return SOURCE_TYPES[self.type].keyword_based

    def spider_arguments(self) -> dict[str, str]:
        """The type-specific fields that are set, as ``-a`` values (lists as JSON arrays)."""
        arguments: dict[str, str] = {}
        for name in SOURCE_TYPE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, list):
                if value:
                    arguments[name] = json.dumps([str(v) for v in value], ensure_ascii=False)
            elif value is not None:
                arguments[name] = str(value)
        return arguments

    @model_validator(mode="before")
    @classmethod
    def _type_defaults(cls, data: object) -> object:
        """Public hosts and the store country where the config leaves them out."""
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return data
        kind = SOURCE_TYPES.get(data["type"])
        if kind is None:
            return data
        data = dict(data)
        if data.get("url") is None:
            first = data.get(kind.url_from) if kind.url_from else None
            if kind.default_url:
                data["url"] = kind.default_url
            elif isinstance(first, list) and first:
                data["url"] = first[0]
        for name, value in kind.defaults.items():
            if data.get(name) is None:
                data[name] = value
        return data

    @field_validator("url", "feeds")
    @classmethod
    def _no_credentials_in_urls(cls, value: HttpUrl | list[HttpUrl] | None) -> HttpUrl | list[HttpUrl] | None:
        """A ``user:password@`` URL would carry its password into logs, the run summary,
        crawl_runs and Prefect's database; credentials belong in the environment."""
        for url in value if isinstance(value, list) else [value]:
            if url is not None and (url.username or url.password):
                raise ValueError(
                    "a user name or password in the URL is not allowed (it would be stored and logged with the "
                    "URL); sources that need a login read it from the environment"
                )
        return value

    @field_validator("subreddits")
    @classmethod
    def _subreddit_names(cls, names: list[str]) -> list[str]:
        cleaned = [re.sub(r"^/?r/", "", name.strip()).strip("/") for name in names]
        bad = [name for name in cleaned if not _SUBREDDIT.match(name)]
        if bad:
            raise ValueError(f"not a subreddit name: {', '.join(map(repr, bad))}")
        return cleaned

    @field_validator("hashtags")
    @classmethod
    def _hashtag_names(cls, tags: list[str]) -> list[str]:
        cleaned = [tag.strip().removeprefix("#") for tag in tags]
        bad = [tag for tag in cleaned if not _HASHTAG.match(tag)]
        if bad:
            raise ValueError(f"not a hashtag: {', '.join(map(repr, bad))}")
        return cleaned

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> Source:
        """Required fields per type, and no field a type would silently ignore."""
        for name, types in SOURCE_TYPE_FIELDS.items():
            if self.type not in types and getattr(self, name) not in (None, []):
                users = ", ".join(sorted(types))
                raise ValueError(f"{name}: not used by type {self.type!r} (only by {users})")
        kind = SOURCE_TYPES[self.type]
        if self.url is None:
            hint = f" (or {kind.url_from})" if kind.url_from else ""
            raise ValueError(f"url{hint}: required for type {self.type!r}")
        for holds, message in kind.requires:
            if not holds(self):
                raise ValueError(message)
        return self


#: Derived from ``SOURCE_TYPES``, for the spiders and the flow.
DEFAULT_SOURCE_URLS: dict[str, str] = {name: t.default_url for name, t in SOURCE_TYPES.items() if t.default_url}
KEYWORD_SOURCE_TYPES = frozenset(name for name, t in SOURCE_TYPES.items() if t.keyword_based)
#: The type-specific ``Source`` fields and the types that use them.
SOURCE_TYPE_FIELDS: dict[str, frozenset[str]] = {
    attr: frozenset(name for name, t in SOURCE_TYPES.items() if attr in t.fields)
    for attr in Source.model_fields if any(attr in t.fields for t in SOURCE_TYPES.values())
}
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_HASHTAG = re.compile(r"^\w+$")
_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


class Brand(_Strict):
    name: str = Field(min_length=1)
    own: bool = Field(default=False, description="True for the company itself, false for competitors.")
    keywords: list[str] = Field(default_factory=list, description="Terms that mean this brand in posts.")
    exclude: list[str] = Field(default_factory=list, description="Terms that mean a keyword is *not* this brand.")
    sources: list[Source] = Field(default_factory=list)
    languages: list[str] = Field(
        default_factory=lambda: ["nl", "fr", "en"], min_length=1,
        description="Languages monitored (ISO 639-1), figures per language; the first is the language "
        "of texts too short to detect; texts in any other language count as 'other'.")

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, languages: list[str]) -> list[str]:
        """Two-letter codes, each once: they are compared with the detected language."""
        bad = [code for code in languages if not re.fullmatch(r"[a-z]{2}", code)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a two-letter language code like 'nl' or 'fr'")
        if len(set(languages)) != len(languages):
            raise ValueError("each language once")
        return languages

    @field_validator("name")
    @classmethod
    def _trimmed_name(cls, name: str) -> str:
        """``"Snelkoop "`` is ``"Snelkoop"``: stray spaces must not make a second brand."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("must not be blank")
        return name


class WarehouseConfig(_Strict):
    path: Path = Path("data/klantstem.duckdb")
    staging_dir: Path = Path("data/staging")
    keep_run_logs_days: int = Field(default=14, ge=0, description="Crawl logs and stats of loaded runs are deleted after this.")
    lock_timeout_s: float = Field(default=300.0, ge=0, description="How long to wait for a file held by another process.")


class SentimentConfig(_Strict):
    model: str = Field(default="e5-small-nl", description="Registry name, hub id or local path.")
    use_adapted: bool = Field(default=True, description="Score with the head `klantstem model adapt` accepted "
                              "for this model, when there is one.")
    batch_size: int = Field(default=32, ge=1, le=1024)
    max_length: int = Field(default=256, ge=16, le=4096)
    store_embeddings: bool = Field(default=True, description="Keep each scored text's sentence embedding in the "
                                   "warehouse (search by meaning, complaint themes, near-duplicates; about 1.5 GB "
                                   "per million texts, docs/search.md).")


class PrivacyConfig(_Strict):
    pseudonymise_authors: bool = True
    salt_env: str = Field(default="KLANTSTEM_AUTHOR_SALT", description="Environment variable holding the salt.")


class CrawlConfig(_Strict):
    retries: int = Field(default=2, ge=0, le=10, description="Prefect retries of a failed crawl.")
    retry_delay_s: float = Field(default=60.0, ge=0, description="Pause before a crawl is retried.")
    timeout_s: float = Field(default=1800, gt=0, description="A crawl subprocess running longer is killed.")
    user_agent: str = "KlantstemBot/0.1 (+https://github.com/klantstem/klantstem; reputation monitoring)"
    obey_robots: bool = True
    autothrottle: bool = True
    download_delay_s: float = Field(default=1.0, ge=0)
    max_drop_share: float = Field(
        default=0.2, gt=0, le=1, description="Format drift: a source whose share of items lacking a required field "
        "(text, date, id) exceeds this is reported 'degraded'; none usable at all is 'failed'.")
    trustpilot_login_wall_page: int = Field(
        default=10, ge=0, description="Trustpilot asks anonymous visitors to log in beyond this page: a backfill "
        "stops there and says so. 0 for a site without the wall (the demo site).")
    recheck_pages: int = Field(
        default=3, ge=1, le=50, description="Listing pages read on every run even when they hold only stored "
        "reviews, so that company replies and edits to recent reviews are seen (docs/replies.md).")


class NegativeShareRule(_Strict):
    """Share of negative mentions in the window vs the baseline (binomial / beta-binomial test)."""

    enabled: bool = True
    min_volume: int = Field(default=10, ge=1, description="Scored mentions the window needs.")
    min_lift: float = Field(default=0.15, ge=0, le=1, description="Minimum rise in share negative (absolute).")
    max_p_value: float = Field(default=0.0001, gt=0, lt=1, description="Per test; per-source tests are Bonferroni-corrected.")
    overdispersion: Literal["auto", "binomial", "beta-binomial"] = Field(
        default="auto", description="auto: beta-binomial when the baseline days vary more than binomial."
    )
    weekly_seasonality: bool = Field(default=True, description="Expect per-weekday shares (angrier weekends).")


class VolumeRule(_Strict):
    """Mentions far above the usual count (Poisson / negative binomial, weekday-aware)."""

    enabled: bool = True
    min_volume: int = Field(default=20, ge=1, description="Mentions the window needs.")
    min_ratio: float = Field(default=3.0, ge=1, description="Observed count at least this many times the expected.")
    max_p_value: float = Field(default=0.0001, gt=0, lt=1, description="Per test; per-source tests are Bonferroni-corrected.")
    weekly_seasonality: bool = Field(default=True, description="Expect per-weekday volumes (quiet Sundays).")


class RatingDropRule(_Strict):
    """Mean normalised rating (0..1) of review sources below the baseline (one-sided Welch t-test)."""

    enabled: bool = True
    min_volume: int = Field(default=10, ge=1, description="Rated mentions the window needs.")
    min_drop: float = Field(default=0.15, gt=0, le=1, description="Minimum fall of the mean normalised rating.")
    max_p_value: float = Field(default=0.0001, gt=0, lt=1, description="Per test; per-source tests are Bonferroni-corrected.")


class InvitationRule(_Strict):
    """A brand's flow of invited reviews starting or stopping (docs/provenance.md).

    Not an incident: it tells a reputation manager why totals and mixed averages moved. The
    organic figures, which the other rules judge, are not affected by it."""

    enabled: bool = True
    window_days: int = Field(default=7, ge=1, le=28, description="Invited reviews counted over the last N complete days.")
    min_volume: int = Field(default=5, ge=1, description="Invited reviews a window (started) or the usual flow "
                            "over a window (stopped) must reach.")
    min_ratio: float = Field(default=3.0, gt=1, description="At least this many times more (started) or fewer (stopped).")
    max_p_value: float = Field(default=0.001, gt=0, lt=1, description="Poisson test, per direction.")


class SparseAlerts(_Strict):
    """Quiet scopes (too few mentions for daily windows) are judged on the review stream instead.

    A scope is sparse for the negative-share and rating rules when its baseline_days hold fewer
    of the rule's mentions than a day-scale test needs (``min_baseline_volume``, or the rule's
    ``min_volume`` per ``max_window_days``). Then a CUSUM runs over the last ``window_days``,
    against the ``baseline_days`` before them: it adds up the evidence of every review, so a
    brand with three reviews a week is judged in weeks instead of never. The volume rule uses a
    ``volume_window_days`` window against the same long baseline."""

    enabled: bool = True
    baseline_days: int = Field(default=365, ge=28, le=1460)
    window_days: int = Field(default=91, ge=14, le=365, description="The stream the CUSUM reads.")
    min_baseline_volume: int = Field(default=20, ge=5, description="Scored (or rated) mentions the long baseline needs.")
    negative_lift: float = Field(default=0.25, gt=0, lt=1, description="Rise in negative share the CUSUM is tuned to find.")
    rating_drop: float = Field(default=0.25, gt=0, le=1, description="Fall of the mean normalised rating it is tuned to find (1 star of 5).")
    threshold: float = Field(default=5.0, gt=0, description="CUSUM decision limit h (higher: fewer false alarms, later detection).")
    volume_window_days: int = Field(default=28, ge=7, le=91)
    level_shift_days: int = Field(default=56, ge=7, le=365, description="A sparse alert open this long becomes the new normal.")


class AlertDelivery(_Strict):
    """Where alerts go. The Apprise URLs are secrets: they come from the environment or a
    Prefect Secret block, never from this file, and are never stored or logged."""

    urls_env: str = Field(default="KLANTSTEM_ALERT_URLS", description="Env var with Apprise URLs, comma/space separated.")
    secret_block: str | None = Field(default=None, description="Name of a Prefect Secret block holding Apprise URLs.")
    retries: int = Field(default=2, ge=0, le=10, description="Extra tries within one run.")
    retry_backoff_s: float = Field(default=2.0, ge=0, le=300)
    max_attempts: int = Field(default=20, ge=1, le=1000, description="Then 'failed' (kept; `alerts deliver --retry-failed`).")
    examples: int = Field(default=3, ge=0, le=10, description="Example mentions (with links) per message.")
    top_terms: int = Field(default=5, ge=0, le=20)
    notify_recovery: bool = True


class AlertConfig(_Strict):
    """Alert rules (``[alerts]``), shared episode handling, and delivery."""

    enabled: bool = True
    window_days: int = Field(default=1, ge=1, le=14, description="Daily window: the last N complete days.")
    max_window_days: int = Field(default=7, ge=1, le=28, description="Quiet scopes: widen the daily window up to "
                                 "this many days until it holds the rule's min_volume (share and rating rules).")
    intraday_hours: int = Field(default=24, ge=0, le=72, description="Rolling window up to the run; 0 = off.")
    baseline_days: int = Field(default=28, ge=7, le=365, description="Baseline before the window, alert days excluded.")
    min_baseline_volume: int = Field(default=30, ge=1)
    per_source: bool = Field(default=True, description="Also per (brand, source), not only per brand.")
    recover_after_hours: float = Field(default=12, gt=0, description="Quiet this long: the alert is resolved.")
    cooldown_hours: float = Field(default=72, ge=0, description="A new trigger this soon after recovery re-opens the alert.")
    worse_factor: float = Field(default=1.5, gt=1, description="Re-notify when the effect grows by this factor.")
    level_shift_days: int = Field(default=7, ge=0, le=60, description="Elevated this long: the new normal, reported once; 0 = never.")
    reply_sla_hours: float = Field(
        default=48, ge=0, description="unanswered_negative: a negative review of the own brand still unanswered "
        "after this many hours opens an alert (docs/replies.md); 0 = off.")
    population: Literal["organic", "all"] = Field(
        default="organic", description="Which mentions the rules judge: 'organic' leaves out reviews the company "
        "invited (docs/provenance.md); 'all' mixes both.")
    negative_share: NegativeShareRule = NegativeShareRule()
    volume: VolumeRule = VolumeRule()
    rating_drop: RatingDropRule = RatingDropRule()
    invitations: InvitationRule = InvitationRule()
    sparse: SparseAlerts = SparseAlerts()
    delivery: AlertDelivery = AlertDelivery()


_LEGACY_SPIKES = {"window_days": (), "baseline_days": (), "min_volume": ("negative_share",),
                  "min_lift": ("negative_share",), "max_p_value": ("negative_share",)}


class InsightsConfig(_Strict):
    """Insights (``[insights]``): aspect term lists, emerging topics, key drivers."""

    aspects_file: Path | None = Field(
        default=None, description="TOML extending the shipped Dutch aspect term lists "
        "(format of insights/aspects_nl.toml); relative to this file.")
    emerging_window_days: int = Field(default=7, ge=1, le=31, description="'This week': the last N days.")
    emerging_baseline_days: int = Field(default=28, ge=7, le=365, description="Compared with the N days before.")
    emerging_min_mentions: int = Field(default=3, ge=1, description="Negative mentions with the term in the window.")
    emerging_min_lift: float = Field(default=2.0, ge=1, description="Share at least this many times the baseline.")
    emerging_max_q: float = Field(default=0.05, gt=0, lt=1, description="False discovery rate (Benjamini-Hochberg).")
    driver_min_reviews: int = Field(default=30, ge=10, description="Rated reviews a brand needs for key drivers.")
    driver_min_mentions: int = Field(default=5, ge=1, description="Rated reviews that must mention an aspect.")


class MonitorConfig(_Strict):
    brands: Annotated[list[Brand], Field(min_length=1)]
    warehouse: WarehouseConfig = WarehouseConfig()
    sentiment: SentimentConfig = SentimentConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    crawl: CrawlConfig = CrawlConfig()
    alerts: AlertConfig = AlertConfig()
    insights: InsightsConfig = InsightsConfig()

    @model_validator(mode="before")
    @classmethod
    def _legacy_spikes_section(cls, data: object) -> object:
        """Files written for 0.1 have ``[spikes]``: read it as the negative-share rule of ``[alerts]``."""
        if not isinstance(data, dict) or "spikes" not in data:
            return data
        if "alerts" in data:
            raise ValueError("[spikes] is the old name of [alerts]: keep only [alerts]")
        data = dict(data)
        spikes = data.pop("spikes")
        alerts: dict = {"negative_share": {}}
        for key, value in (spikes.items() if isinstance(spikes, dict) else []):
            target = alerts
            for part in _LEGACY_SPIKES.get(key, ("negative_share",)):
                target = target[part]
            target[key] = value
        data["alerts"] = alerts
        return data

    @field_validator("brands")
    @classmethod
    def _unique_brand_names(cls, brands: list[Brand]) -> list[Brand]:
        """Unique ignoring case: mentions, alerts and reports group by the name."""
        names = [b.name.casefold() for b in brands]
        dupes = sorted({b.name for b in brands if names.count(b.name.casefold()) > 1})
        if dupes:
            raise ValueError(f"brand names must be unique (ignoring case), repeated: {', '.join(dupes)}")
        return brands

    @model_validator(mode="after")
    def _unique_source_per_brand(self) -> MonitorConfig:
        for brand in self.brands:
            seen: set[tuple[str, str]] = set()
            for source in brand.sources:
                key = (source.key, str(source.url))
                if key in seen:
                    raise ValueError(f"brand {brand.name!r} lists source {source.key} {source.url} twice")
                seen.add(key)
        return self

    def resolve_paths(self, base: Path) -> MonitorConfig:
        """Relative warehouse paths are relative to the config file, not the cwd,
        so a scheduled run finds the same database as a manual one."""
        wh = self.warehouse
        return self.model_copy(
            update={
                "warehouse": wh.model_copy(
                    update={"path": base / wh.path, "staging_dir": base / wh.staging_dir}
                ),
                "insights": self.insights.model_copy(
                    update={"aspects_file": base / self.insights.aspects_file}
                ) if self.insights.aspects_file is not None else self.insights,
            }
        )


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def parse_config(text: str, source: str = DEFAULT_CONFIG_NAME, base: Path | None = None) -> MonitorConfig:
    """Parse and validate TOML text; ``source`` names the file in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        config = MonitorConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{source}: {_field_path(first['loc'])}: {first['msg']}{more}") from None
    return config.resolve_paths(base) if base is not None else config


def load_config(path: Path | str) -> MonitorConfig:
    """Load ``monitor.toml``; relative paths inside resolve against its folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file (pass the .toml file with --config)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_config(text, source=str(path), base=path.resolve().parent)
