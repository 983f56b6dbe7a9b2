"""Does a post mention the brand? Keyword matching for sources that are not about one company.

Review pages belong to one company; Reddit, Mastodon, news feeds and Bluesky do not, so
their texts are kept only when they mention the brand. The rules, per keyword or
exclusion term from ``monitor.toml``:

* **Case.** A term written with a capital anywhere (``"Jumbo"``, ``"ING"``) matches only
  in exactly that spelling: "bij de Jumbo" is the supermarket, "een jumbo pakket" is not.
  An all-lowercase term (``"snelkoop"``, ``"snelkoop.nl"``) matches in any case.
* **Word boundaries.** A term matches only as a whole word: "Jumbojet" is not "Jumbo",
  "Jumbo's", "Jumbo-filiaal", "#Jumbo" and "@Jumbo" are. Dutch compounds written as one
  word ("Jumbofiliaal") therefore do not match; add them as keywords where they matter.
* **Spaces.** Whitespace inside a term matches any run of whitespace ("Albert  Heijn").
* **Exclusion veto.** A text containing any exclusion term is not about the brand, even
  if a keyword occurs as well (``exclude = ["Jumbo Jet", "winkelwagentje"]``).

Terms are NFC-normalised, like the texts (``clean_text``), so "café" always meets "café".
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


def parse_list_arg(value: str | Iterable[str] | None) -> list[str]:
    """A list from a spider argument: a JSON array (as the flow passes it) or comma-separated.

    ``-a keywords='["Jumbo", "jumbo.com"]'`` and ``-a keywords=Jumbo,jumbo.com`` are the same.
    Blank entries are dropped; an argument already given as a list (in-process) is kept.
    """
    if value is None:
        return []
    if not isinstance(value, str):
        return [str(v).strip() for v in value if str(v).strip()]
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON list: {exc.msg}") from None
        if not isinstance(parsed, list):
            raise ValueError("not a JSON list")
        return [str(v).strip() for v in parsed if str(v).strip()]
    return [part.strip() for part in text.split(",") if part.strip()]


def term_pattern(term: str) -> re.Pattern[str]:
    """The regular expression for one keyword or exclusion term (rules in the module doc)."""
    term = unicodedata.normalize("NFC", term.strip())
    if not term:
        raise ValueError("empty keyword")
    flags = 0 if any(ch.isupper() for ch in term) else re.IGNORECASE
    body = r"\s+".join(re.escape(part) for part in term.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", flags)


@dataclass(frozen=True)
class MatchResult:
    """``keyword``: the first keyword found; ``excluded_by``: the exclusion term that vetoed it."""

    keyword: str | None
    excluded_by: str | None = None

    @property
    def matched(self) -> bool:
        return self.keyword is not None and self.excluded_by is None


class BrandMatcher:
    """Keywords and exclusion terms of one brand, compiled once per crawl."""

    def __init__(self, keywords: Iterable[str], exclude: Iterable[str] = ()) -> None:
        self.keywords = [k.strip() for k in keywords if k.strip()]
        self.exclude = [e.strip() for e in exclude if e.strip()]
        if not self.keywords:
            raise ValueError("a brand needs at least one keyword to match posts")
        self._keywords = [(k, term_pattern(k)) for k in self.keywords]
        self._exclude = [(e, term_pattern(e)) for e in self.exclude]

    def check(self, text: str | None) -> MatchResult:
        """Which keyword matched and which exclusion term (if any) vetoed it."""
        if not text:
            return MatchResult(None)
        text = unicodedata.normalize("NFC", text)
        keyword = next((k for k, pattern in self._keywords if pattern.search(text)), None)
        if keyword is None:
            return MatchResult(None)
        excluded_by = next((e for e, pattern in self._exclude if pattern.search(text)), None)
        return MatchResult(keyword, excluded_by)

    def matches(self, text: str | None) -> bool:
        return self.check(text).matched

    def __repr__(self) -> str:
        return f"BrandMatcher(keywords={self.keywords!r}, exclude={self.exclude!r})"
