"""``klantstem inbox``: the own brand's unanswered reviews, the reputation manager's queue.

Reads the ``reply_inbox`` view (docs/replies.md): negative reviews first, oldest first, with
their age, rating, sentiment, journey steps and link. ``register`` is called by
``klantstem/cli.py``; errors a user can fix end in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

from klantstem.cli_args import add_config_arg, user_error
from klantstem.config import load_config

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_UNIT_HOURS = {"m": 1 / 60, "h": 1.0, "d": 24.0}
SNIPPET = 70


def parse_duration_hours(text: str) -> float:
    """``90m``, ``24h`` or ``2d`` as hours; ``argparse`` turns the ValueError into a usage error."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration like 24h, 2d or 90m: {text!r}")
    return float(match.group(1)) * _UNIT_HOURS[match.group(2)]


def _hours(text: str) -> float:
    try:
        return parse_duration_hours(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@dataclass(frozen=True)
class InboxRow:
    brand: str
    source: str
    published_at: datetime
    age_hours: float
    negative: bool
    past_sla: bool
    rating: float | None
    rating_max: float | None
    sentiment: str | None
    journey_steps: list[str] | None
    title: str | None
    text: str
    url: str | None

    def line(self) -> str:
        rating = f"{self.rating:g}/{self.rating_max:g}" if self.rating is not None and self.rating_max else "-"
        words = " ".join(part for part in (self.title, self.text) if part).split()
        snippet = " ".join(words)
        snippet = snippet if len(snippet) <= SNIPPET else snippet[: SNIPPET - 1] + "…"
        flag = "!" if self.past_sla else " "
        steps = ", ".join(self.journey_steps or []) or "-"
        return (f"{flag}{self.age_hours:7.1f}h  {rating:>5}  {self.sentiment or '-':3}  {self.source:12} "
                f"{steps[:24]:24}  {snippet}  {self.url or ''}")


def read_inbox(
    con: duckdb.DuckDBPyConnection, brand: str | None = None, older_than_hours: float = 0, negative_only: bool = False
) -> list[InboxRow]:
    """The queue, negative first and then oldest first."""
    rows = con.execute(
        """SELECT brand, source, published_at, age_hours, negative, past_sla, rating, rating_max, sentiment,
                  journey_steps, title, text, url
           FROM reply_inbox
           WHERE (CAST(? AS VARCHAR) IS NULL OR brand = ?) AND age_hours >= ? AND (NOT ? OR negative)
           ORDER BY negative DESC, published_at, mention_id""",
        [brand, brand, older_than_hours, negative_only],
    ).fetchall()
    return [InboxRow(*row) for row in rows]


def _cmd_inbox(args: argparse.Namespace) -> int:
    from warehouse.connection import connect

    config = load_config(args.config)
    own = [b.name for b in config.brands if b.own]
    if args.brand is not None and args.brand not in own:
        return user_error(f"--brand {args.brand!r}: the inbox lists the own brand's reviews; own brands in "
                          f"{args.config}: {', '.join(own) or 'none (set own = true on one [[brands]])'}")
    if not config.warehouse.path.is_file():
        return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` or `klantstem demo` first)")
    with connect(config.warehouse.path, read_only=True, timeout_s=config.warehouse.lock_timeout_s) as con:
        present = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'reply_inbox'").fetchone()[0]
        if not present:
            return user_error(f"{config.warehouse.path} has no reply views yet: the next `klantstem run` adds them")
        rows = read_inbox(con, args.brand, args.older_than, args.negative)
    if not rows:
        print("Nothing to answer" + (f" older than {args.older_than:g} h" if args.older_than else "") + ".")
        return 0
    negative = sum(r.negative for r in rows)
    late = sum(r.past_sla for r in rows)
    print(f"{len(rows)} unanswered review(s), {negative} negative, {late} negative past the "
          f"{config.alerts.reply_sla_hours:g} h reply SLA (marked !); negative first, oldest first")
    print(f" {'AGE':>8}  {'RATING':>5}  {'SEN':3}  {'SOURCE':12} {'JOURNEY STEPS':24}  REVIEW  LINK")
    for row in rows[: args.limit]:
        print(row.line())
    if len(rows) > args.limit:
        print(f"... and {len(rows) - args.limit} more (--limit)")
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inbox = commands.add_parser(
        "inbox", help="the own brand's unanswered reviews, negative first, oldest first",
        description="Print the reply queue (view reply_inbox, docs/replies.md): the own brand's reviews "
        "without a company reply on platforms that show replies, negative first and then oldest first, "
        "with age, rating, sentiment, journey steps and link. '!' marks negative reviews past "
        "alerts.reply_sla_hours.",
    )
    add_config_arg(inbox)
    inbox.add_argument("--brand", default=None, help="one own brand (default: every own brand)")
    inbox.add_argument("--older-than", type=_hours, default=0.0, metavar="DURATION",
                       help="only reviews at least this old: 90m, 24h, 2d (default: all)")
    inbox.add_argument("--negative", action="store_true", help="only negative reviews")
    inbox.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    inbox.set_defaults(handler=_cmd_inbox)
