"""Synthetic mention histories with known events, for the alert tests, backtests and benchmarks.

A history is Poisson-gamma daily volumes per brand and source with a weekly pattern,
a negative share (optionally different at weekends, optionally varying from day to day,
optionally shifting for good at some moment), ratings that follow the sentiment, and
*injections*: known negative-share spikes, volume spikes and rating drops over a given
stretch of hours. Because we know exactly where the events are, recall and false alarms
of the rules can be measured. *Invitation campaigns* add reviews the company invited
(provenance ``invited``, mostly positive) on top of the organic ones, which then carry
provenance ``organic``: the mix that made a paused campaign look like a collapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa

from alerts.history import AMSTERDAM, day_start
from warehouse.load import upsert_mentions
from warehouse.scores import store_scores

NEG_TEXTS = (
    "Bestelling kwam veel te laat aan en niemand reageert",
    "Pakket beschadigd, klantenservice helpt niet",
    "Nooit meer, geld nog steeds niet terug na retour",
    "Slechte service, een uur wachten aan de telefoon",
    "Verkeerd product geleverd en retourneren is een gedoe",
    "Levering geannuleerd zonder bericht, erg teleurgesteld",
)
NEU_TEXTS = (
    "Bestelling ontvangen, verder niets bijzonders",
    "Gemiddelde ervaring, levering op de verwachte dag",
    "Product zoals beschreven, verpakking was wat groot",
)
POS_TEXTS = (
    "Snel geleverd en netjes verpakt, aanrader",
    "Prima service en vriendelijke klantenservice",
    "Goede prijs, morgen in huis zoals beloofd",
    "Tweede bestelling en weer helemaal tevreden",
    "Duidelijke communicatie over de bezorging, top",
)
INCIDENT_TEXTS = (
    "Sinds gisteren een storing, inloggen in de app lukt niet",
    "Weer een storing: de app crasht bij het inloggen",
    "Storing bij het afrekenen, de app geeft een foutmelding bij inloggen",
    "Kan niet inloggen door de storing, app is onbruikbaar",
)


@dataclass(frozen=True)
class Injection:
    """A known event: from ``start`` for ``hours``, for one brand and source (None = every source).

    kind 'negative': mentions in the stretch are negative with probability ``size`` (volume unchanged);
    'volume': ``size`` times the usual number of mentions; 'rating': a share ``size`` of the
    mentions gets 1 or 2 stars whatever their text says.
    """

    kind: Literal["negative", "volume", "rating"]
    brand: str
    start: datetime
    hours: float
    size: float
    source: str | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


@dataclass(frozen=True)
class LevelShift:
    """From ``start`` on, for good: the negative share of ``brand`` (and ``source``) is ``negative_share``."""

    brand: str
    start: datetime
    negative_share: float
    source: str | None = None


@dataclass(frozen=True)
class InvitationCampaign:
    """Invited reviews for ``brand`` on ``source`` from ``start`` to ``end``: ``daily_volume`` a day,
    negative with probability ``negative_share`` (injections and level shifts leave them alone:
    they describe the customers, the campaign describes the company)."""

    brand: str
    start: datetime
    end: datetime
    daily_volume: float
    negative_share: float = 0.04
    source: str = "trustpilot"


@dataclass(frozen=True)
class HistorySpec:
    first_day: date
    days: int
    brands: tuple[str, ...] = ("Snelkoop",)
    sources: tuple[str, ...] = ("trustpilot", "webshop-reviews")
    source_weights: tuple[float, ...] = (1.0, 0.6)
    daily_volume: float = 40.0  # mean mentions per brand per source-weight per day
    weekly: tuple[float, ...] = (1.15, 1.1, 1.05, 1.0, 1.0, 0.85, 0.85)  # Monday..Sunday
    volume_cv: float = 0.15  # day-to-day variation beyond Poisson
    negative_share: float = 0.12
    weekend_negative_share: float | None = None
    share_concentration: float | None = None  # beta noise of the daily share; None = none
    neutral_share: float = 0.2
    level_shifts: tuple[LevelShift, ...] = ()
    injections: tuple[Injection, ...] = ()
    invitations: tuple[InvitationCampaign, ...] = ()
    seed: int = 7
    start_id: int = 0


def generate(spec: HistorySpec) -> pa.Table:
    """Mentions (with a ``label`` column holding their sentiment) for ``spec``."""
    rng = np.random.default_rng(spec.seed)
    brand_col, source_col, ts_col = [], [], []
    # 1. base volumes per brand, source and Amsterdam day, spread over the day
    for b, brand in enumerate(spec.brands):
        for s, source in enumerate(spec.sources):
            weight = spec.source_weights[s] if s < len(spec.source_weights) else 1.0
            for d in range(spec.days):
                day = spec.first_day + timedelta(days=d)
                start = day_start(day)
                length = (day_start(day + timedelta(days=1)) - start).total_seconds()
                mean = spec.daily_volume * weight * spec.weekly[day.weekday()]
                if spec.volume_cv:
                    mean *= rng.gamma(1 / spec.volume_cv**2, spec.volume_cv**2)
                count = rng.poisson(mean)
                offsets = rng.uniform(0, length, count)
                ts_col.append(start.timestamp() + offsets)
                brand_col.append(np.full(count, b))
                source_col.append(np.full(count, s))
                # 2. volume injections add mentions at (size - 1) times the usual hourly rate
                for inj in spec.injections:
                    if inj.kind != "volume" or inj.brand != brand or inj.source not in (None, source):
                        continue
                    lo, hi = max(inj.start.timestamp(), start.timestamp()), min(inj.end.timestamp(), start.timestamp() + length)
                    if hi <= lo:
                        continue
                    extra = rng.poisson(mean * (inj.size - 1) * (hi - lo) / length)
                    ts_col.append(rng.uniform(lo, hi, extra))
                    brand_col.append(np.full(extra, b))
                    source_col.append(np.full(extra, s))
    ts = np.concatenate(ts_col)
    bi = np.concatenate(brand_col).astype(np.int64)
    si = np.concatenate(source_col).astype(np.int64)
    n = len(ts)
    # 3. sentiment: weekday/weekend share, daily noise, level shifts, negative injections
    local_days = ((ts - day_start(spec.first_day).timestamp()) // 86400).astype(np.int64)
    local_days = np.clip(local_days, 0, spec.days - 1)
    weekday = np.array([(spec.first_day + timedelta(days=int(d))).weekday() for d in range(spec.days)])
    base = np.full(spec.days, spec.negative_share)
    if spec.weekend_negative_share is not None:
        base[weekday >= 5] = spec.weekend_negative_share
    p_neg = base[local_days]
    if spec.share_concentration:
        # one draw per brand, source and day
        keys = (bi * len(spec.sources) + si) * spec.days + local_days
        draws = rng.beta(
            base * spec.share_concentration,
            (1 - base) * spec.share_concentration,
            size=(len(spec.brands) * len(spec.sources), spec.days),
        ).ravel()
        p_neg = draws[keys]
    brand_names = np.array(spec.brands, dtype=object)
    source_names = np.array(spec.sources, dtype=object)
    for shift in spec.level_shifts:
        sel = (brand_names[bi] == shift.brand) & (ts >= shift.start.timestamp())
        if shift.source is not None:
            sel &= source_names[si] == shift.source
        p_neg = np.where(sel, shift.negative_share, p_neg)
    incident = np.zeros(n, dtype=bool)
    for inj in spec.injections:
        sel = (brand_names[bi] == inj.brand) & (ts >= inj.start.timestamp()) & (ts < inj.end.timestamp())
        if inj.source is not None:
            sel &= source_names[si] == inj.source
        if inj.kind == "negative":
            p_neg = np.where(sel, inj.size, p_neg)
            incident |= sel
    u = rng.uniform(size=n)
    label = np.where(u < p_neg, "neg", np.where(u < p_neg + (1 - p_neg) * spec.neutral_share, "neu", "pos"))
    # 4. ratings follow the sentiment; rating injections override
    stars = np.where(label == "neg", rng.integers(1, 3, n), np.where(label == "neu", 3, rng.integers(4, 6, n)))
    for inj in spec.injections:
        if inj.kind != "rating":
            continue
        sel = (brand_names[bi] == inj.brand) & (ts >= inj.start.timestamp()) & (ts < inj.end.timestamp())
        if inj.source is not None:
            sel &= source_names[si] == inj.source
        sel &= rng.uniform(size=n) < inj.size
        stars = np.where(sel, rng.integers(1, 3, n), stars)
    # 5. invitation campaigns: extra reviews, their own (happy) mix, provenance 'invited'
    invited = np.zeros(n, dtype=bool)
    for campaign in spec.invitations:
        b, s_ = spec.brands.index(campaign.brand), spec.sources.index(campaign.source)
        seconds = (campaign.end - campaign.start).total_seconds()
        count = rng.poisson(campaign.daily_volume * seconds / 86400)
        c_ts = campaign.start.timestamp() + rng.uniform(0, seconds, count)
        c_label = np.where(rng.uniform(size=count) < campaign.negative_share, "neg",
                           np.where(rng.uniform(size=count) < 0.15, "neu", "pos"))
        c_stars = np.where(c_label == "neg", rng.integers(1, 3, count), np.where(c_label == "neu", 3, rng.integers(4, 6, count)))
        ts, label, stars = np.concatenate([ts, c_ts]), np.concatenate([label, c_label]), np.concatenate([stars, c_stars])
        bi, si = np.concatenate([bi, np.full(count, b)]), np.concatenate([si, np.full(count, s_)])
        incident, invited = np.concatenate([incident, np.zeros(count, bool)]), np.concatenate([invited, np.ones(count, bool)])
        n += count
    # 6. texts
    texts = np.empty(n, dtype=object)
    for value, pool in (("neg", NEG_TEXTS), ("neu", NEU_TEXTS), ("pos", POS_TEXTS)):
        sel = label == value
        texts[sel] = np.array(pool, dtype=object)[rng.integers(0, len(pool), int(sel.sum()))]
    sel = incident & (label == "neg")
    texts[sel] = np.array(INCIDENT_TEXTS, dtype=object)[rng.integers(0, len(INCIDENT_TEXTS), int(sel.sum()))]

    order = np.argsort(ts, kind="stable")
    ids = np.array([f"syn{spec.start_id + i:08d}" for i in range(n)], dtype=object)
    published = pa.array((ts[order] * 1_000_000).astype(np.int64), type=pa.timestamp("us", tz="UTC"))
    srcs = source_names[si][order]
    return pa.table(
        {
            "source": pa.array(srcs.tolist(), pa.string()),
            "external_id": pa.array(ids.tolist(), pa.string()),
            "brand": pa.array(brand_names[bi][order].tolist(), pa.string()),
            "url": pa.array([f"https://reviews.example/{s}/{i}" for s, i in zip(srcs.tolist(), ids.tolist(), strict=True)], pa.string()),
            "published_at": published,
            "text": pa.array(texts[order].tolist(), pa.string()),
            "rating": pa.array(stars[order].astype(float), pa.float64()),
            "label": pa.array(label[order].tolist(), pa.string()),
            "provenance": pa.array(
                np.where(invited, "invited", "organic")[order].tolist() if spec.invitations else [None] * n, pa.string()),
        }
    )


def write_history(con: duckdb.DuckDBPyConnection, table: pa.Table, model_id: str = "synthetic") -> int:
    """Load generated mentions and their sentiment through the warehouse's own writers
    (``upsert_mentions``, ``store_scores``), so the maintained tables stay in sync as after a
    real run. Returns rows."""
    con.register("synthetic_mentions", table)
    try:
        mentions = con.sql(
            """
            SELECT source, external_id, brand, 'review' AS kind, url, published_at, NULL AS title, text, rating,
                   1.0 AS rating_min, 5.0 AS rating_max, (rating - 1) / 4 AS rating_normalised, 'nl' AS language,
                   NULL AS author, NULL AS reply, NULL::TIMESTAMPTZ AS reply_at, NULL AS reply_author, published_at AS fetched_at, provenance,
                   NULL AS verification, NULL AS provenance_raw
            FROM synthetic_mentions
            """
        ).to_arrow_table()
        scores = con.sql(
            """
            SELECT md5(source || ':' || external_id) AS mention_id, $model AS model_id, md5(text) AS text_md5, label,
                   CASE label WHEN 'neg' THEN -0.8 WHEN 'pos' THEN 0.8 ELSE 0.0 END AS score,
                   NULL AS p_neg, NULL AS p_neu, NULL AS p_pos, 'nl' AS language
            FROM synthetic_mentions
            """,
            params={"model": model_id},
        ).to_arrow_table()
    finally:
        con.unregister("synthetic_mentions")
    upsert_mentions(con, mentions)
    store_scores(con, scores)
    return table.num_rows


def amsterdam(day: date, hour: int = 0) -> datetime:
    """Aware datetime for ``day`` at ``hour`` o'clock in Amsterdam."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM)
