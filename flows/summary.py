"""What a run did, as data (for tests and the CLI) and as text (for logs, the terminal and
the Prefect artifact)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from alerts.episodes import AlertEvent as Spike  # alerts messaged by this run (RunSummary.spikes)
from flows.steps import BrandLine
from klantstem.limits import MAX_SCORED_CHARS


@dataclass(frozen=True)
class SourceReport:
    brand: str
    source: str
    url: str
    status: str  # 'ok', 'degraded' (format drift), 'failed' or 'skipped' (e.g. no credentials)
    pages: int = 0
    scraped: int = 0
    new: int = 0
    updated: int = 0
    seen: int = 0
    dropped: int = 0
    rejected: int = 0
    error: str | None = None
    recovered: int = 0  # rows loaded from staged files an earlier run left unloaded (counted in new/updated)
    note: str | None = None  # complete but cut short, e.g. a backfill that stopped at max_pages (depth_note)


def depth_note(stats: dict, max_pages: int) -> str | None:
    """Why an 'ok' crawl may not hold everything: it stopped at ``max_pages`` before the listing's
    end (a first crawl: the history was cut) or before reaching the reviews already stored."""
    if stats.get("stop_reason") != "max_pages":
        return None
    pages, items, total = int(stats.get("pages_fetched", 0)), int(stats.get("items_scraped", 0)), stats.get("total_available")
    if stats.get("first_crawl"):
        held = f"{items:,} of {total:,} reviews" if isinstance(total, int) and total >= items else f"{items:,} reviews"
        return f"backfilled {pages} pages, {held}; raise `max_pages` (now {max_pages}) to go further"
    return (f"stopped at max_pages ({max_pages}) before reaching reviews already stored: reviews in between may be "
            f"missing; raise `max_pages` to close the gap")


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    as_of: date
    sources: list[SourceReport]
    model_id: str
    scored: int
    brands: list[BrandLine]
    spikes: list[Spike] = field(default_factory=list)
    insights: str | None = None  # one line: what the insights refresh did
    scored_cut: int = 0  # of ``scored``: texts longer than MAX_SCORED_CHARS, scored on their start
    unsourced: list[str] = field(default_factory=list)  # brands without sources: nothing crawled for them
    hint: str | None = None  # one suggestion for the reader (e.g. adapting the sentiment model)

    @property
    def failed_sources(self) -> list[SourceReport]:
        return [s for s in self.sources if s.status == "failed"]

    @property
    def degraded_sources(self) -> list[SourceReport]:
        """Sources that ran but whose pages no longer fit their parser well (format drift)."""
        return [s for s in self.sources if s.status == "degraded"]

    def render(self) -> str:
        return "\n".join(self._lines())

    def _lines(self) -> list[str]:
        pct = lambda v: "-" if v is None else f"{v:.0%}"  # noqa: E731
        lines = [f"Klantstem run {self.run_id} (as of {self.as_of})", "", "Sources:"]
        lines.append(f"  {'brand':<14} {'source':<12} {'status':<8} {'pages':>5} {'new':>5} {'updated':>7} {'seen':>5} {'dropped':>7}")
        for s in self.sources:
            lines.append(
                f"  {s.brand:<14} {s.source:<12} {s.status:<8} {s.pages:>5} {s.new:>5} {s.updated:>7} {s.seen:>5} {s.dropped + s.rejected:>7}"
            )
            if s.error:
                lines.append(f"    {'error' if s.status == 'failed' else 'note'}: {s.error}")
            if s.note:
                lines.append(f"    note: {s.note}")
            if s.recovered:
                lines.append(f"    recovered: {s.recovered} rows staged by an earlier run that had not been loaded "
                             "(counted above; rows in both are counted as updated)")
        cut = f" ({self.scored_cut} longer than {MAX_SCORED_CHARS:,} characters: scored on their start)" if self.scored_cut else ""
        lines += ["", f"Scored {self.scored} new texts with {self.model_id}{cut}."]
        if self.insights:
            lines.append(self.insights[0].upper() + self.insights[1:] + ".")
        lines += ["", "Brands:"]
        lines.append(f"  {'brand':<14} {'organic':>8} {'negative':>8}   {'last days':>9} {'negative':>8}   "
                     f"{'invited 7d':>10}   alerts judged")
        for b in self.brands:
            name = f"{b.brand}{' *' if b.own else ''}"
            lines.append(
                f"  {name:<14} {b.volume:>8} {pct(b.share_negative):>8}   {b.recent_volume:>9} {pct(b.recent_share_negative):>8}"
                f"   {pct(b.invited_share):>10}   {b.judged}"
            )
        lines.append("")
        if self.spikes:
            lines.append("Alerts:")
            lines += [f"  ! {spike.describe()}" for spike in self.spikes]
        else:
            lines.append("No alerts.")
        if self.failed_sources:
            lines.append(f"{len(self.failed_sources)} source(s) failed; the others were loaded.")
        if self.unsourced:
            lines.append(f"No sources configured for {', '.join(self.unsourced)}: nothing was crawled for them.")
        if self.degraded_sources:
            lines.append(f"{len(self.degraded_sources)} source(s) degraded: their pages changed format (see notes).")
        if self.hint:
            lines.append(f"Tip: {self.hint}.")
        return lines
