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


class Source(_Strict):
    """One place to crawl for one brand.

    ``type`` picks the Scrapy spider; ``name`` is the stable key stored with every
    mention (together with the source's own review id it makes a mention unique), so
    renaming it makes old and new mentions look like different sources.
    """

    type: Literal[
        "trustpilot", "jsonld", "kiyoh", "appstore", "googleplay", "reddit", "mastodon", "rss", "bluesky",
        "google_places", "google_business",
    ]
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
        return self.type in KEYWORD_SOURCE_TYPES

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
        data = dict(data)
        kind = data["type"]
        if data.get("url") is None:
            if kind in DEFAULT_SOURCE_URLS:
                data["url"] = DEFAULT_SOURCE_URLS[kind]
            elif kind == "rss" and isinstance(data.get("feeds"), list) and data["feeds"]:
                data["url"] = data["feeds"][0]
        if kind in ("appstore", "googleplay") and data.get("country") is None:
            data["country"] = "nl"
        if kind in ("googleplay", "google_places") and data.get("language") is None:
            data["language"] = "nl"
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
        if self.url is None:
            hint = " (or feeds)" if self.type == "rss" else ""
            raise ValueError(f"url{hint}: required for type {self.type!r}")
        if self.type == "appstore" and not (self.app_id and self.app_id.isdigit()):
            raise ValueError("app_id: required for type 'appstore': the digits after /id in the App Store link")
        if self.type == "googleplay" and not (self.app_id and _PACKAGE.match(self.app_id)):
            raise ValueError("app_id: required for type 'googleplay': the package name after ?id= (e.g. nl.snelkoop.app)")
        if self.type == "reddit" and not self.subreddits:
            raise ValueError("subreddits: required for type 'reddit' (at least one subreddit name)")
        if self.type == "mastodon" and not (self.hashtags or self.query):
            raise ValueError("hashtags: required for type 'mastodon' (or query)")
        if self.type == "google_places" and not self.place_id:
            raise ValueError("place_id: required for type 'google_places' (the ChIJ... id of the place)")
        if self.type == "google_business" and not (self.account_id and self.location_id):
            raise ValueError("account_id and location_id: required for type 'google_business'")
        if self.tenant_id and not self.location_id:
            raise ValueError("tenant_id: only used with location_id (the Kiyoh publication API)")
        return self


#: Public hosts of the sources that have one; ``url`` points elsewhere only for tests/mirrors.
DEFAULT_SOURCE_URLS: dict[str, str] = {
    "appstore": "https://itunes.apple.com",
    "googleplay": "https://play.google.com",
    "reddit": "https://www.reddit.com",
    "bluesky": "https://bsky.social",
    "google_places": "https://places.googleapis.com",
    "google_business": "https://mybusiness.googleapis.com",
}
#: Source types whose texts are kept only when they mention the brand.
KEYWORD_SOURCE_TYPES = frozenset({"reddit", "mastodon", "rss", "bluesky"})
#: The type-specific ``Source`` fields and the types that use them.
SOURCE_TYPE_FIELDS: dict[str, frozenset[str]] = {
    "app_id": frozenset({"appstore", "googleplay"}),
    "country": frozenset({"appstore", "googleplay"}),
    "language": frozenset({"googleplay", "bluesky", "google_places"}),
    "subreddits": frozenset({"reddit"}),
    "hashtags": frozenset({"mastodon"}),
    "query": frozenset({"mastodon", "bluesky"}),
    "feeds": frozenset({"rss"}),
    "place_id": frozenset({"google_places"}),
    "account_id": frozenset({"google_business"}),
    "location_id": frozenset({"google_business", "kiyoh"}),
    "tenant_id": frozenset({"kiyoh"}),
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
