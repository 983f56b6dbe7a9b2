"""What the warehouse knows of a review, as a short digest the crawl can compare.

A re-crawl drops the reviews the warehouse already holds (``SeenIdsPipeline``). That must not
hide what changed on a stored review: a company reply that appeared, a rating or text the
reviewer edited. The warehouse writes each known id with the digest of its rating, text and
reply (``warehouse.load.known_external_ids``); the crawl computes the same digest from the
cleaned item and lets the review through when they differ. Both sides call ``review_state``
on the same cleaned values (floats, the stored text), so they cannot disagree.
"""

from __future__ import annotations

import hashlib

SEPARATOR = "\t"


def review_state(rating: float | None, text: str | None, reply: str | None) -> str:
    """A 16-hex digest of rating, text and reply (None and "" differ: no reply is not an empty one)."""
    parts = (repr(None if rating is None else float(rating)), repr(text), repr(reply))
    return hashlib.md5("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def seen_line(external_id: str, state: str | None) -> str:
    """One line of a ``seen_ids`` file: the id, and its digest where known."""
    return f"{external_id}{SEPARATOR}{state}\n" if state else f"{external_id}\n"


def parse_seen_line(line: str) -> tuple[str, str | None] | None:
    """``(id, digest or None)`` from a ``seen_ids`` line; None for a blank line."""
    external_id, _, state = line.strip().partition(SEPARATOR)
    if not external_id:
        return None
    return external_id, (state.strip() or None)
