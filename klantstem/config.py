"""`monitor.toml`: which brands to watch, where, and how the pipeline behaves.

Validated with pydantic on load so that a typo stops the run *before* anything crawls or
writes; the error is one line naming the file and the field (``ConfigError``).
Secrets never live here: the author salt, webhook URLs and tokens come from the
environment (see ``secret_env`` fields), so the file can be committed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_CONFIG_NAME = "monitor.toml"


class ConfigError(ValueError):
    """A config file that cannot be used; ``str()`` is a single line naming file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """One place to crawl for one brand.

    ``type`` picks the Scrapy spider; ``name`` is the stable key stored with every
    mention (together with the source's own review id it makes a mention unique), so
    renaming it makes old and new mentions look like different sources.
    """

    type: Literal["trustpilot", "jsonld"]
    url: HttpUrl
    name: str | None = Field(
        default=None,
        description="Stable source key; defaults to the spider type (e.g. 'trustpilot').",
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
    )
    max_pages: int = Field(default=50, ge=1, le=1000)

    @property
    def key(self) -> str:
        return self.name or self.type


class Brand(_Strict):
    name: str = Field(min_length=1)
    own: bool = Field(default=False, description="True for the company itself, false for competitors.")
    keywords: list[str] = Field(default_factory=list, description="Terms that mean this brand in posts.")
    exclude: list[str] = Field(default_factory=list, description="Terms that mean a keyword is *not* this brand.")
    sources: list[Source] = Field(default_factory=list)


class WarehouseConfig(_Strict):
    path: Path = Path("data/klantstem.duckdb")
    staging_dir: Path = Path("data/staging")
    lock_timeout_s: float = Field(default=300.0, ge=0, description="How long to wait for a file held by another process.")


class SentimentConfig(_Strict):
    model: str = Field(default="e5-small-nl", description="Registry name, hub id or local path.")
    batch_size: int = Field(default=32, ge=1, le=1024)
    max_length: int = Field(default=256, ge=16, le=4096)


class PrivacyConfig(_Strict):
    pseudonymise_authors: bool = True
    salt_env: str = Field(default="KLANTSTEM_AUTHOR_SALT", description="Environment variable holding the salt.")


class CrawlConfig(_Strict):
    retries: int = Field(default=2, ge=0, le=10)
    timeout_s: float = Field(default=1800, gt=0, description="A crawl subprocess running longer is killed.")
    user_agent: str = "KlantstemBot/0.1 (+https://github.com/klantstem/klantstem; reputation monitoring)"
    obey_robots: bool = True
    autothrottle: bool = True
    download_delay_s: float = Field(default=1.0, ge=0)


class SpikeConfig(_Strict):
    window_days: int = Field(default=3, ge=1, le=14)
    baseline_days: int = Field(default=28, ge=7, le=365)
    min_volume: int = Field(default=10, ge=1)
    min_lift: float = Field(default=0.15, ge=0, le=1, description="Minimum rise in share negative (absolute).")
    max_p_value: float = Field(default=0.01, gt=0, lt=1)


class MonitorConfig(_Strict):
    brands: Annotated[list[Brand], Field(min_length=1)]
    warehouse: WarehouseConfig = WarehouseConfig()
    sentiment: SentimentConfig = SentimentConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    crawl: CrawlConfig = CrawlConfig()
    spikes: SpikeConfig = SpikeConfig()

    @field_validator("brands")
    @classmethod
    def _unique_brand_names(cls, brands: list[Brand]) -> list[Brand]:
        names = [b.name for b in brands]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"brand names must be unique, repeated: {', '.join(dupes)}")
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
                )
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
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_config(text, source=str(path), base=path.resolve().parent)
