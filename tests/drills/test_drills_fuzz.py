"""Drill "bad input": every spider's page parser and the survey importer get truncated
pages, wrong types, 10 MB texts, invalid UTF-8, emoji, right-to-left text and HTML/script in
review text (hypothesis). Nothing crashes: a page is parsed or refused with ``PageParseError``
naming its URL, a row passes the pipelines and the staging contract or is dropped with a
counted reason, a survey file imports or is refused with one line naming the row; and one bad
review never costs the good ones beside it."""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

# Hypothesis keeps a cache of constants beside the tests; keep it out of the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      str(Path(__file__).resolve().parents[2] / "test-artifacts" / "hypothesis"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from scrapy.exceptions import DropItem
from scrapy.http import Request, TextResponse

from flows.crawl import CrawlJob
from klantstem.config import Brand, Source
from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider
from spiders.spiders import appstore, bluesky, googleplay, jsonld, kiyoh, mastodon, reddit, rss, trustpilot
from tests.drill_helpers import report
from tests.fault_site import jsonld_nodes, jsonld_page, reviews, trustpilot_page
from tests.source_fixtures import fixture_text
from tests.spider_helpers import TEST_SALT, make_crawler, run_pipelines
from klantstem.limits import MAX_STORED_CHARS
from warehouse.staging import RowError, validate_row

BIG = "Heel lang verhaal. " * (10 * 1024 * 1024 // 19)  # ~10 MB of text in one review
EVIL = [
    BIG,
    "Top service 👍🏽🎉 aanrader! 🇳🇱",
    "خدمة ممتازة، شكراً lekker snel \u202eretour\u202c",  # Arabic, with right-to-left override marks
    "שירות מצוין — prima",  # Hebrew
    "<script>alert('xss')</script><b>vet</b> & <img src=x onerror=alert(1)> klaar",
    "</script><script>document.cookie</script>",
    "nul\x00byte en \x07bel en \ud800 losse surrogaat",
    "",
    "   \n\t  ",
    "Z̸̢͔̹͗a̷̢̛l̸g̴o",
]
WRONG_TYPES = [None, True, 0, -1, 1e308, float("nan"), "", "🙂", [], {}, [1, "a"], {"a": {"b": None}}, "2026-13-45"]

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20) | st.sampled_from(EVIL[1:]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
# Deterministic: the same examples on every machine and run (no example database).
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)


def _source(kind: str, url: str) -> Source:
    extra: dict[str, Any] = {
        "appstore": {"app_id": "1234567890"}, "googleplay": {"app_id": "nl.snelkoop.app"},
        "reddit": {"subreddits": ["thenetherlands"]}, "mastodon": {"hashtags": ["snelkoop"]},
        "rss": {"feeds": [url]},
    }.get(kind, {})
    return Source(type=kind, url=url, **extra)


# spider type -> (module, request URL, a real page in the source's shape)
SPIDERS: dict[str, tuple[Any, str, bytes]] = {
    "trustpilot": (trustpilot, "https://tp.example/review/snelkoop.nl", trustpilot_page(reviews("tp")).encode()),
    "jsonld": (jsonld, "https://shop.example/reviews", jsonld_page(reviews("ld"), "https://shop.example").encode()),
    "kiyoh": (kiyoh, "https://www.kiyoh.com/reviews/1047385/snelkoop?lang=nl", fixture_text("kiyoh/embedded_page0.html").encode()),
    "appstore": (appstore, "https://itunes.apple.com/nl/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json",
                 fixture_text("appstore/customerreviews_page1.json").encode()),
    "googleplay": (googleplay, "https://play.google.com/_/PlayStoreUi/data/batchexecute",
                   fixture_text("googleplay/batchexecute_page1.txt").encode()),
    "reddit": (reddit, "https://www.reddit.com/r/thenetherlands/new.json?limit=100", fixture_text("reddit/new.json").encode()),
    "mastodon": (mastodon, "https://mastodon.nl/api/v1/timelines/tag/snelkoop?limit=40",
                 fixture_text("mastodon/tag_snelkoop.json").encode()),
    "rss": (rss, "https://news.example/feeds/economie.xml", fixture_text("rss/nieuws.xml").encode()),
    "bluesky": (bluesky, "https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=Snelkoop",
                fixture_text("bluesky/search_snelkoop.json").encode()),
}
CONTENT_TYPES = {"rss": "application/rss+xml", "kiyoh": "text/html", "trustpilot": "text/html", "jsonld": "text/html"}


def _spider_class(module: Any) -> type[ReviewSpider]:
    (cls,) = {v for v in vars(module).values()
              if isinstance(v, type) and issubclass(v, ReviewSpider) and v is not ReviewSpider and v.__module__ == module.__name__}
    return cls


def _crawler(kind: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    module, url, _ = SPIDERS[kind]
    base = url if kind in ("trustpilot", "jsonld", "kiyoh", "rss") else url.split("/", 3)[0] + "//" + url.split("/")[2]
    job = CrawlJob.from_config(Brand(name="Snelkoop", keywords=["Snelkoop", "snelkoop.nl", "Jumbo"]), _source(kind, base))
    return make_crawler(_spider_class(module), url=job.url, brand=job.brand, source=job.source, **dict(job.arguments))


def _response(kind: str, body: bytes) -> TextResponse:
    _, url, _ = SPIDERS[kind]
    headers = {"Content-Type": CONTENT_TYPES.get(kind, "application/json") + "; charset=utf-8"}
    return TextResponse(url, body=body, request=Request(url, cb_kwargs={"page": 1, "listing": None}), headers=headers)


def _drop_counters(crawler) -> int:
    """Sum of the crawl's ``klantstem/`` counters that a dropped row increments (the stats
    file reports them per reason: dropped/missing_text, brand_filter/no_keyword, seen ...)."""
    stats = crawler.stats.get_stats()
    return sum(v for k, v in stats.items() if k.startswith("klantstem/") and isinstance(v, int)
               and not k.startswith(("klantstem/pages", "klantstem/brand_filter/matched")))


def _outcome(crawler, kind: str, body: bytes) -> tuple[PageResult | None, Counter]:
    """Parse one page, run its items through the pipelines, check them against the staging
    contract. Returns the page result (None if refused) and what happened to each row."""
    tally: Counter = Counter()
    try:
        result = crawler.spider.parse_page(_response(kind, body))
    except PageParseError as exc:
        assert str(exc).startswith("http"), "the error names the URL"
        tally["page refused"] += 1
        return None, tally
    assert isinstance(result, PageResult)
    for item in result.items:
        before = _drop_counters(crawler)
        try:
            done = run_pipelines(crawler, copy.deepcopy(item))
        except DropItem as exc:
            assert _drop_counters(crawler) > before, f"drop not counted in the crawl stats: {exc}"
            tally["dropped"] += 1
            continue
        row = json.loads(json.dumps(asdict(done)))  # what the loader will read
        try:
            validate_row(row)
        except RowError:
            # Counted and logged too, one stage later: the loader rejects it with file:line:
            # field (e.g. a whitespace-only id passes the spider's truthiness check).
            tally["rejected at load"] += 1
            continue
        tally["kept"] += 1
    return result, tally


# --------------------------------------------------------------------- mutations


def _json_paths(value: Any, path: tuple = ()) -> list[tuple]:
    paths = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            paths += _json_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            paths += _json_paths(v, (*path, i))
    return paths


def _replace(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    value = copy.deepcopy(value)
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return value


@st.composite
def mutated_pages(draw: st.DrawFn, kind: str) -> bytes:
    """A real page of ``kind`` truncated, with bytes flipped, or (JSON pages) one node replaced
    by a wrong type or a hostile string."""
    _, _, page = SPIDERS[kind]
    how = draw(st.sampled_from(["truncate", "bytes", "node", "node"]))
    if how == "truncate":
        return page[: draw(st.integers(0, len(page)))]
    if how == "bytes":
        data = bytearray(page)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.sampled_from([0xFF, 0xC3, 0x80, 0x00, 0x3C, 0x22, 0x7D]))
        return bytes(data)
    try:
        data = json.loads(page)
    except ValueError:  # HTML/XML/batchexecute pages: inject into the text instead
        at = draw(st.integers(0, len(page)))
        return page[:at] + draw(st.sampled_from(EVIL[1:])).encode("utf-8", "surrogatepass") + page[at:]
    paths = _json_paths(data)
    path = draw(st.sampled_from(paths))
    new = draw(JSON_VALUES | st.sampled_from(WRONG_TYPES))
    return json.dumps(_replace(data, path, new), ensure_ascii=False).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("kind", sorted(SPIDERS))
def test_every_spider_parser_survives_mutated_pages(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = _crawler(kind, monkeypatch)
    baseline, base_tally = _outcome(crawler, kind, SPIDERS[kind][2])
    assert baseline is not None and base_tally["kept"] == len(baseline.items) - base_tally["dropped"]
    totals: Counter = Counter()

    @FUZZ
    @given(mutated_pages(kind))
    def check(body: bytes) -> None:
        _, tally = _outcome(crawler, kind, body)
        totals.update(tally)
        totals["pages"] += 1

    check()
    report(f"fuzz {kind}: {totals['pages']} mutated pages, {totals['page refused']} refused with PageParseError, "
           f"{totals['kept']} rows kept (valid staging rows), {totals['dropped']} dropped and counted by the pipelines, "
           f"{totals['rejected at load']} rejected by the loader's validation (counted, file:line); no crash")


def _set(node: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    node = copy.deepcopy(node)
    *parents, last = dotted.split(".")
    target = node
    for key in parents:
        target = target[key]
    target[last] = value
    return node


HOSTILE_FIELDS = [
    ("trustpilot", "text"), ("trustpilot", "title"), ("trustpilot", "dates.publishedDate"), ("trustpilot", "dates"),
    ("trustpilot", "consumer"), ("trustpilot", "id"), ("trustpilot", "language"), ("trustpilot", "reply"),
    ("trustpilot", "rating"),
    ("jsonld", "reviewBody"), ("jsonld", "name"), ("jsonld", "datePublished"), ("jsonld", "author"),
    ("jsonld", "@id"), ("jsonld", "reviewRating"),
    ("jsonld", "reviewRating.bestRating"), ("jsonld", "reviewRating.ratingValue"),
]


@pytest.mark.parametrize(("kind", "field"), HOSTILE_FIELDS)
def test_one_hostile_review_never_costs_the_good_ones_beside_it(kind: str, field: str, monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = _crawler(kind, monkeypatch)
    good = reviews("good", 3)
    shop = "https://shop.example"

    def page(bad_value: Any) -> bytes:
        if kind == "trustpilot":
            html = trustpilot_page([_set(good[0] | {"id": "bad-one"}, field, bad_value), *good])
        else:
            nodes = jsonld_nodes([good[0] | {"id": "bad-one"}, *good], shop)
            html = jsonld_page([], shop, nodes=[_set(nodes[0], field, bad_value), *nodes[1:]])
        return html.encode("utf-8", "surrogatepass")

    base, _ = _outcome(crawler, kind, page("Goed"))
    assert base is not None
    good_ids = {i.external_id for i in base.items[1:]}
    values = EVIL + WRONG_TYPES
    for value in values:
        result, tally = _outcome(crawler, kind, page(value))
        assert result is not None, f"{field}={value!r:.40}: the whole page was refused"
        assert good_ids <= {i.external_id for i in result.items}, f"{field}={value!r:.40}: a good review was lost"
        assert tally["kept"] >= 3, f"{field}={value!r:.40}: a good review was dropped"
    report(f"fuzz {kind}: {len(values)} hostile values of {field} in one review next to 3 good ones: "
           "the good ones always kept, the bad one kept clean or dropped and counted; no crash")


def test_hostile_text_reaches_the_warehouse_as_plain_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warehouse.connection import connect
    from warehouse.load import upsert_mentions
    from warehouse.migrate import migrate
    from warehouse.staging import read_staging_file

    crawler = _crawler("trustpilot", monkeypatch)
    hostile = [r | {"id": f"h{i}", "text": t} for i, (r, t) in enumerate(zip(reviews("h", len(EVIL)), EVIL, strict=True))]
    body = trustpilot_page(hostile).encode("utf-8", "surrogatepass") + b"\xff\xfe trailing invalid utf-8"
    result = crawler.spider.parse_page(_response("trustpilot", body))
    rows, dropped = [], 0
    for item in result.items:
        try:
            rows.append(asdict(run_pipelines(crawler, item)))
        except DropItem:
            dropped += 1
    staged = tmp_path / "trustpilot__snelkoop.jsonl"
    # As Scrapy's feed exporter writes them (UTF-8; a lone surrogate cannot be encoded and is replaced).
    staged.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8", errors="replace")
    batch = read_staging_file(staged)
    assert not batch.rejects and batch.table.num_rows == len(rows)
    db = tmp_path / "wh.duckdb"
    with connect(db) as con:
        migrate(con)
        upsert_mentions(con, batch.table)
        texts = dict(con.execute("SELECT external_id, text FROM mentions").fetchall())
    assert len(texts) + dropped == len(EVIL)
    assert dropped == sum(1 for t in EVIL if not t.strip()), "only the empty texts are dropped (missing_text)"
    # Trustpilot's texts are plain text: markup characters are what the customer typed and are
    # stored as typed (the dashboard and report render text, never HTML).
    assert texts["h4"] == EVIL[4] and texts["h5"] == EVIL[5], "plain text stored as typed"
    assert len(texts["h0"]) == MAX_STORED_CHARS and texts["h0"].endswith("…"), "the 10 MB review is stored cut"
    assert crawler.stats.get_value("klantstem/truncated/text") == 1, "and the cut is counted"
    assert "👍🏽" in texts["h1"] and "خدمة" in texts["h2"] and "שירות" in texts["h3"]
    report(f"fuzz end to end: {len(EVIL)} hostile reviews -> {len(texts)} stored as plain text "
           f"(10 MB one cut to {MAX_STORED_CHARS:,} characters and counted, emoji and RTL intact, typed markup kept "
           f"as text), {dropped} empty ones dropped and counted")


# ------------------------------------------------------------------ survey importer

SURVEY_CELLS = st.one_of(st.text(max_size=30), st.sampled_from(EVIL[1:] + ["8", "8,0", "11", "-1", "2026-11-03",
                                                                             "03-11-2026", "31-02-2026", "", "nan"]))
SURVEY_FILES = dict(
    header=st.lists(st.sampled_from(["date", "datum", "score", "cijfer", "answer", "antwoord", "segment", "id", "x", ""]),
                    min_size=0, max_size=6),
    body=st.lists(st.lists(SURVEY_CELLS, max_size=6), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    cut=st.integers(0, 400),
    suffix=st.sampled_from([".csv", ".csv", ".xlsx", ".txt"]),
)


def _survey_outcome(path: Path) -> str:
    """'imported' or 'refused'; anything but SurveyImportError propagates (a crash)."""
    from insights.survey import SurveyImportError, read_survey

    try:
        answers = read_survey(path)
    except SurveyImportError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message, "one line naming the file"
        return "refused"
    assert answers and all(0 <= a.score <= 10 for a in answers)
    return "imported"


def _survey_file(folder: Path, header, body, delimiter, cut, suffix, junk: bytes = b"") -> Path:
    text = "\n".join(delimiter.join(row) for row in [header, *body])
    if not junk:  # valid UTF-8: truncated between characters, a lone surrogate becomes '?'
        raw = (text[: max(len(text) - cut, 0)] if cut % 3 == 0 else text).encode("utf-8", "replace")
    else:  # cut anywhere, even inside a character, and stray bytes after it
        raw = text.encode("utf-8", "surrogatepass")
        raw = raw[: max(len(raw) - cut, 0)] + junk
    path = folder / f"export{suffix}"
    path.write_bytes(raw)
    return path


@FUZZ
@given(**SURVEY_FILES)
def test_the_survey_importer_imports_or_refuses_with_one_line_never_crashes(
    tmp_path_factory: pytest.TempPathFactory, header, body, delimiter, cut, suffix
) -> None:
    _survey_outcome(_survey_file(tmp_path_factory.mktemp("survey"), header, body, delimiter, cut, suffix))


@FUZZ
@given(**SURVEY_FILES, junk=st.binary(min_size=1, max_size=16))
def test_a_survey_file_with_stray_bytes_is_refused_with_one_line(
    tmp_path_factory: pytest.TempPathFactory, header, body, delimiter, cut, suffix, junk
) -> None:
    _survey_outcome(_survey_file(tmp_path_factory.mktemp("survey"), header, body, delimiter, cut, ".csv", junk))


def _survey_csv(path: Path, answers: list[str]) -> Path:
    lines = ["datum;cijfer;antwoord"] + [f"2026-11-{1 + i % 28:02d};{i % 11};\"{a.replace(chr(34), chr(34) * 2)}\""
                                        for i, a in enumerate(answers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return path


def test_hostile_survey_answers_are_all_kept(tmp_path: Path) -> None:
    from insights.survey import read_survey

    answers = [t for t in EVIL[1:] if t.strip() and "\x00" not in t]
    got = read_survey(_survey_csv(tmp_path / "nps.csv", answers))
    assert [g.answer for g in got] == [" ".join(a.split()) for a in answers]
    report(f"fuzz survey: {len(answers)} hostile answers (emoji, RTL, script, combining marks) all kept; "
           "bad files refused with one line naming file, row and column (and how many more)")


def test_a_10_mb_survey_answer_is_kept_cut_to_the_stored_length(tmp_path: Path) -> None:
    from insights.survey import parse_survey

    got = parse_survey(_survey_csv(tmp_path / "nps.csv", ["kort", BIG.strip()]))
    assert [len(a.answer) for a in got.answers] == [4, MAX_STORED_CHARS] and got.cut == 1


def test_a_survey_file_neither_utf8_nor_cp1252_is_refused_naming_the_byte(tmp_path: Path) -> None:
    from insights.survey import SurveyImportError, read_survey

    path = tmp_path / "nps.csv"
    path.write_bytes("datum;cijfer;antwoord\n2026-11-03;8;caf\u00e9\n".encode() + b"\x81\x8d")
    with pytest.raises(SurveyImportError, match=r"nps\.csv: neither UTF-8 nor Windows-1252 text \(byte 0x81 at offset"):
        read_survey(path)
