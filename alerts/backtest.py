"""Replay the rules over stored history: what would have fired, and how often we would have
bothered someone. Read-only: nothing is written to the warehouse and nothing is sent.

Runs are simulated at the deployment's schedule (06:00 Amsterdam by default, optionally
every few hours) from ``first`` to ``last``, starting from no alerts, with exactly the
detection and episode logic of the live runs (``alerts.engine``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from alerts.engine import history_range, replay
from alerts.episodes import AlertEvent, Episode
from alerts.history import AMSTERDAM, load_history
from klantstem.config import AlertConfig, MonitorConfig
from warehouse.connection import connect


@dataclass(frozen=True)
class BacktestResult:
    first: date
    last: date
    runs: list[datetime]
    events: list[AlertEvent]
    episodes: list[Episode]

    @property
    def notified(self) -> list[AlertEvent]:
        return [e for e in self.events if e.notify]

    @property
    def messages(self) -> int:
        """Messages that would have been sent: one per brand per run with something to say."""
        return len({(e.evaluated_at, e.alert.brand) for e in self.notified})

    def render(self, all_events: bool = False) -> str:
        at = self.runs[0].astimezone(AMSTERDAM) if self.runs else None
        per_day = len(self.runs) / max((self.last - self.first).days + 1, 1)
        lines = [
            f"Backtest {self.first}..{self.last}: {len(self.runs)} runs"
            + (f" ({per_day:g} a day from {at:%H:%M} Europe/Amsterdam)" if at else "")
            + "; nothing written or sent.",
            "",
        ]
        shown = self.events if all_events else self.notified
        if not shown:
            lines.append("Nothing would have fired.")
        for ev in shown:
            when = ev.evaluated_at.astimezone(AMSTERDAM)
            lines.append(f"{when:%Y-%m-%d %H:%M}  {ev.describe()}")
        rules = Counter(e.rule for e in self.episodes)
        statuses = Counter(e.status for e in self.episodes)
        lines += [
            "",
            f"{len(self.episodes)} alert(s) ("
            + ", ".join(f"{n} {r}" for r, n in sorted(rules.items()))
            + (f"; {', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}" if statuses else "")
            + f"), {self.messages} message(s).",
        ]
        return "\n".join(lines)


def run_times(first: date, last: date, at: time = time(6, 0), every_hours: int = 24) -> list[datetime]:
    """Scheduled run times in Amsterdam wall-clock time (06:00 stays 06:00 across DST)."""
    if every_hours < 1 or 24 % every_hours:
        raise ValueError("every_hours must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)")
    times = []
    day = first
    while day <= last:
        base = datetime.combine(day, at)
        for k in range(0, 24, every_hours):
            moment = base + timedelta(hours=k)
            if moment.date() == day:
                times.append(moment.replace(tzinfo=AMSTERDAM))
        day += timedelta(days=1)
    return times


def backtest_history(path: Path, settings: AlertConfig, times: list[datetime], brands: list[str] | None,
                     timeout_s: float = 300.0) -> BacktestResult:
    with connect(path, read_only=True, timeout_s=timeout_s) as con:
        history = load_history(con, *history_range(settings, times[0], times[-1]), brands, settings.population)
    events, book = replay(history, settings, times)
    return BacktestResult(times[0].date(), times[-1].date(), times, events, book.episodes)


def backtest(config: MonitorConfig, first: date, last: date, *, at: time = time(6, 0), every_hours: int = 24,
             brands: list[str] | None = None) -> BacktestResult:
    """Replay the configured rules over the warehouse's history, runs from ``first`` to ``last``."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    times = run_times(first, last, at, every_hours)
    wanted = brands or [b.name for b in config.brands]
    result = backtest_history(config.warehouse.path, config.alerts, times, wanted, config.warehouse.lock_timeout_s)
    return BacktestResult(first, last, result.runs, result.events, result.episodes)
