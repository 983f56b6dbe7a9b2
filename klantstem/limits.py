"""Bounds on what one review may cost or claim, shared by the spiders, the loader and scoring.

A public page decides what we read, so nothing it sends may take unbounded time, memory or
disk, and a date it states is believed only within reason.
"""

from __future__ import annotations

from datetime import timedelta

#: A review dated later than now plus this is refused (counted as ``future_date``): review
#: sites state dates in their own time zone, up to 14 hours ahead of UTC, but never days.
FUTURE_SKEW = timedelta(days=1)

#: Characters of a review's text (and title, reply) that are stored; the rest is cut and the
#: cut counted (``truncated/<field>`` in the crawl stats). Long reviews run to a few thousand
#: characters; a megabyte is an attack or a broken page.
MAX_STORED_CHARS = 20_000

#: Characters of title + text the sentiment model is given. The model reads 256 tokens anyway
#: (chunked scorers a few chunks), so more only costs time.
MAX_SCORED_CHARS = 5_000
