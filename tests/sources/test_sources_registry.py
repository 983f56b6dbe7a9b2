"""One table of source types (``klantstem.config.SOURCE_TYPES``): the config's type list, its
defaults, its required fields and which sources are filtered by brand keywords all come from it."""

from __future__ import annotations

from typing import get_args

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from klantstem.config import (
    DEFAULT_SOURCE_URLS,
    SOURCE_TYPE_FIELDS,
    SOURCE_TYPES,
    ConfigError,
    Source,
    parse_config,
)


def _config(source: str) -> str:
    return f'[[brands]]\nname = "Snelkoop"\nkeywords = ["Snelkoop"]\n[[brands.sources]]\n{source}\n'


def test_the_config_accepts_exactly_the_types_of_the_table() -> None:
    assert get_args(Source.model_fields["type"].annotation) == tuple(SOURCE_TYPES)


def test_every_type_has_a_spider_of_its_name_that_filters_by_keywords_exactly_when_it_reads_posts() -> None:
    loader = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["spiders.spiders"]}))
    assert sorted(loader.list()) == sorted(SOURCE_TYPES)
    for name, kind in SOURCE_TYPES.items():
        assert loader.load(name).brand_filter == kind.keyword_based == (kind.kind == "post"), name


def test_derived_lookups_agree_with_the_table() -> None:
    for name, kind in SOURCE_TYPES.items():
        assert DEFAULT_SOURCE_URLS.get(name) == kind.default_url
        assert {f for f, types in SOURCE_TYPE_FIELDS.items() if name in types} == set(kind.fields)


@pytest.mark.parametrize("name", [n for n, t in SOURCE_TYPES.items() if t.default_url])
def test_a_type_with_a_public_host_needs_no_url(name: str) -> None:
    kind = SOURCE_TYPES[name]
    fields = {"app_id": '"123"' if name == "appstore" else '"nl.snelkoop.app"', "subreddits": '["thenetherlands"]',
              "place_id": '"ChIJ0123456789"', "account_id": '"1"', "location_id": '"2"'}
    lines = [f'type = "{name}"'] + [f"{f} = {fields[f]}" for f in sorted(kind.fields) if f in fields]
    source = parse_config(_config("\n".join(lines))).brands[0].sources[0]
    assert str(source.url).rstrip("/") == kind.default_url
    for field, value in kind.defaults.items():
        assert getattr(source, field) == value


@pytest.mark.parametrize("name", [n for n, t in SOURCE_TYPES.items() if t.requires])
def test_a_type_without_its_required_fields_is_one_line_naming_the_field(name: str) -> None:
    url = "" if SOURCE_TYPES[name].default_url else '\nurl = "https://example.nl"'
    kiyoh = '\ntenant_id = "98"' if name == "kiyoh" else ""
    with pytest.raises(ConfigError) as caught:
        parse_config(_config(f'type = "{name}"{url}{kiyoh}'))
    text = str(caught.value)
    (_, message), *_ = SOURCE_TYPES[name].requires
    assert message in text and "\n" not in text
