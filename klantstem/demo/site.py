"""The demo dataset: four fictional brands (one Belgian) and their reviews over 60 days.

Everything here is invented (brand names, ``.example`` domains, people, texts), so the
demo can be shown and committed without touching anyone's data or terms of service.
The data is deterministic for a given ``today`` and has two stories to find. Snelkoop, the
own brand, gets a wave of 1-2 star delivery complaints in the last three days (about
four times its normal organic volume), which the spike detector should flag. And Snelkoop invites
customers to review it on the Trustpilot-style site in two campaigns (``INVITATIONS``): the
invited reviews are mostly positive, and while they run, the mixed negative share stays flat
although the organic reviews grow steadily more negative (``DemoBrand.organic_tones_today``);
when the second campaign stops, a week before today, the mixed share jumps without anything
having changed for customers. Only the organic series shows both as they are.

Companies answer part of their reviews, some within hours and some a day or two later, and a
few customers raise their rating after the answer (``DemoReply``, ``DemoUpdate``). The site
can be shown as it was at an earlier moment (``DemoSite.as_seen``): ``klantstem demo`` crawls
it once as it stood at the start of today and once as it is now, so the replies and raised
ratings of this morning arrive the way they do in production, on a later crawl.

Sources per brand: Snelkoop on the Trustpilot-style site and a JSON-LD review page,
Winkelwagen on the Trustpilot-style site, Bestelhuis on a JSON-LD page that grades on
the Dutch 1-10 scale (so rating normalisation has something to do), and Colibri, a Belgian
competitor on the Trustpilot-style site whose customers write in French and Dutch
(``french_share``; monitored with ``languages = ["fr", "nl"]``).
"""

from __future__ import annotations

import html
import json
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Literal

from klantstem.clock import AMSTERDAM, today_amsterdam
from klantstem.demo import reviews as pool
from klantstem.demo import reviews_fr as pool_fr
from klantstem.demo.reviews import Tone

Channel = Literal["trustpilot", "jsonld"]

DAYS = 60
SPIKE_DAYS = 3
SPIKE_EXTRA_FACTOR = 3.0  # extra spike reviews per day = factor x normal volume -> ~4x in total
ENGLISH_SHARE = 0.06
MARKUP_SHARE = 0.1
SEED = "klantstem-demo-v1"

# How the rating follows the tone, per scale. 1-10 is the Dutch school grade: 6 is a pass.
RATINGS: dict[int, dict[Tone, tuple[int, ...]]] = {
    5: {"pos": (4, 5, 5), "neu": (3,), "neg": (1, 1, 2)},
    10: {"pos": (8, 8, 9, 10), "neu": (6, 7), "neg": (1, 3, 4, 5)},
}
TOPIC_WEIGHTS: dict[str, int] = {
    "bestellen": 3,
    "bezorging": 5,
    "retour": 2,
    "klantenservice": 3,
    "prijs": 2,
    "kwaliteit": 3,
    "app": 1,
    "winkel": 1,
}
REPLY_CHANCE: dict[Tone, float] = {"pos": 0.12, "neu": 0.25, "neg": 0.45}


ORGANIC = "Organic"
INVITED = "BusinessGeneratedLink"  # Trustpilot's reviewSourceName for a link the company sent
INVITED_TONES: tuple[float, float, float] = (0.86, 0.1, 0.04)  # pos, neu, neg: invited customers are happy ones


@dataclass(frozen=True)
class Campaign:
    """Invited reviews on the Trustpilot-style site from ``first`` to ``last`` days before today."""

    first: int
    last: int
    daily_reviews: float


@dataclass(frozen=True)
class DemoBrand:
    """A fictional company and how much it gets reviewed where."""

    name: str
    slug: str
    domain: str
    own: bool
    daily_reviews: Mapping[Channel, float]
    tone_weights: tuple[float, float, float]  # pos, neu, neg (organic reviews, 60 days ago)
    jsonld_best_rating: int = 5
    #: Organic tone weights on the last day; in between they move linearly (None: no trend).
    organic_tones_today: tuple[float, float, float] | None = None
    invitations: tuple[Campaign, ...] = ()
    #: Share of organic reviews written in French (a Belgian brand), and the monitored languages.
    french_share: float = 0.0
    languages: tuple[str, ...] = ()

    def tones(self, days_ago: int) -> tuple[float, float, float]:
        """The organic tone weights ``days_ago`` days before today."""
        if self.organic_tones_today is None:
            return self.tone_weights
        f = 1 - days_ago / (DAYS - 1)
        start, end = self.tone_weights, self.organic_tones_today
        return (start[0] + f * (end[0] - start[0]), start[1] + f * (end[1] - start[1]), start[2] + f * (end[2] - start[2]))

    def invited_per_day(self, days_ago: int) -> float:
        return sum(c.daily_reviews for c in self.invitations if c.last <= days_ago <= c.first)


INVITATIONS: tuple[Campaign, ...] = (Campaign(50, 36, 1.5), Campaign(30, 8, 3.0))

BRANDS: tuple[DemoBrand, ...] = (
    DemoBrand("Snelkoop", "snelkoop", "snelkoop.example", True, {"trustpilot": 2.4, "jsonld": 0.8}, (0.72, 0.16, 0.12),
              organic_tones_today=(0.54, 0.16, 0.3), invitations=INVITATIONS),
    DemoBrand("Winkelwagen", "winkelwagen", "winkelwagen.example", False, {"trustpilot": 1.7}, (0.55, 0.2, 0.25)),
    DemoBrand("Bestelhuis", "bestelhuis", "bestelhuis.example", False, {"jsonld": 1.4}, (0.68, 0.15, 0.17), 10),
    DemoBrand("Colibri", "colibri", "colibri.example", False, {"trustpilot": 2.0}, (0.6, 0.17, 0.23),
              french_share=0.55, languages=("fr", "nl")),
)


#: The site's "now" on ``today``: the last reviews are posted before it (``_timestamp``), and
#: this morning's replies and raised ratings fall between midnight and it.
NOW_HOUR = 8
UPGRADES_PER_LISTING = 2
UPGRADE_WINDOW = 50  # raised ratings go to reviews this near the top of their listing (re-read on every run)
UPDATE_NOTES: tuple[str, ...] = (
    "Update: de klantenservice heeft het netjes opgelost, daarom meer sterren.",
    "Update: na mijn review werd ik gebeld en kreeg ik alsnog mijn pakket. Top opgelost!",
    "Update: snel gereageerd en het bedrag is teruggestort. Dank jullie wel.",
)


@dataclass(frozen=True)
class DemoReply:
    message: str
    published_at: datetime

    def delay_hours(self, review: DemoReview) -> float:
        """The response time the warehouse must compute for ``review``: reply minus review time."""
        return (self.published_at - review.published_at).total_seconds() / 3600


@dataclass(frozen=True)
class DemoUpdate:
    """The reviewer raises the rating after the company's reply (a recovered customer)."""

    rating: int
    note: str
    updated_at: datetime


@dataclass(frozen=True)
class DemoReview:
    """One review as the demo site publishes it.

    ``text`` is what a reader sees (paragraphs separated by ``\\n``); ``markup`` reviews
    are published as HTML (entities, ``<br>``) so the crawler's clean-up has work to do.
    ``rating`` is on ``best_rating``'s scale (worst is always 1).
    """

    id: str
    brand: str
    channel: Channel
    rating: int
    best_rating: int
    title: str
    text: str
    language: str
    published_at: datetime
    author: str
    reply: DemoReply | None
    markup: bool
    spike: bool
    origin: str = ORGANIC  # Trustpilot's reviewSourceName: ORGANIC or INVITED
    update: DemoUpdate | None = None  # still to come at the moment the site is shown
    updated_at: datetime | None = None  # when the shown version was edited (None: never)

    @property
    def invited(self) -> bool:
        return self.origin == INVITED

    @property
    def published_text(self) -> str:
        """The body as the page carries it: plain, or HTML with entities and line breaks."""
        if not self.markup:
            return self.text
        separator = "<br />\n<br />" if int(self.id[-1], 16) % 2 else "<br>"
        return separator.join(html.escape(paragraph) for paragraph in self.text.split("\n"))


@dataclass(frozen=True)
class DemoSite:
    """All demo reviews, newest first, with the look-ups the web server needs."""

    today: date
    brands: tuple[DemoBrand, ...]
    reviews: tuple[DemoReview, ...]

    def listing(self, brand: DemoBrand, channel: Channel) -> list[DemoReview]:
        """One brand's reviews on one channel, newest first (the order pages list them)."""
        return [r for r in self.reviews if r.brand == brand.name and r.channel == channel]

    def brand_by_domain(self, domain: str) -> DemoBrand | None:
        return next((b for b in self.brands if b.domain == domain), None)

    def brand_by_slug(self, slug: str) -> DemoBrand | None:
        return next((b for b in self.brands if b.slug == slug), None)

    @cached_property
    def _by_id(self) -> dict[str, DemoReview]:
        return {review.id: review for review in self.reviews}

    def review(self, review_id: str) -> DemoReview | None:
        return self._by_id.get(review_id)

    @property
    def now(self) -> datetime:
        """The moment the full site shows: ``NOW_HOUR`` o'clock on ``today`` (Amsterdam)."""
        return datetime.combine(self.today, time(NOW_HOUR), tzinfo=AMSTERDAM).astimezone(UTC)

    def as_seen(self, moment: datetime | None) -> DemoSite:
        """The site as a visitor saw it at ``moment`` (None: now): later reviews absent, later
        replies not yet there, edits made by then applied."""
        moment = min(moment or self.now, self.now)
        shown = []
        for review in self.reviews:
            if review.published_at > moment:
                continue
            if review.reply is not None and review.reply.published_at > moment:
                review = replace(review, reply=None)
            if review.update is not None and review.update.updated_at <= moment:
                review = replace(review, rating=review.update.rating, text=f"{review.text}\n{review.update.note}",
                                 updated_at=review.update.updated_at)
            shown.append(replace(review, update=None))
        return replace(self, reviews=tuple(shown))

    def start_of_today(self) -> datetime:
        return datetime.combine(self.today, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; review counts per day vary like real ones instead of a flat rate."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _timestamp(rng: random.Random, day: date, today: date) -> datetime:
    """A moment on the Amsterdam calendar day ``day`` (the day the warehouse counts it on, whatever
    the machine's time zone); reviews of ``today`` fall in its first hours."""
    first_hour, last_hour = (0, 7) if day == today else (6, 22)
    moment = time(rng.randint(first_hour, last_hour), rng.randrange(60), rng.randrange(60))
    return datetime.combine(day, moment, tzinfo=AMSTERDAM).astimezone(UTC)


def _object_id(rng: random.Random, moment: datetime) -> str:
    """24 hex chars like Trustpilot's (MongoDB ObjectId: creation time, then random bytes)."""
    return f"{int(moment.timestamp()):08x}{rng.getrandbits(64):016x}"


def _people(rng: random.Random, count: int) -> list[str]:
    """Display names as people type them; a fixed crowd so some review more than once."""
    names = []
    for _ in range(count):
        first, last = rng.choice(pool.FIRST_NAMES), rng.choice(pool.LAST_NAMES)
        style = rng.randrange(4)
        names.append([first, f"{first} {last}", f"{first[0]}. {last}", f"{first} {last.split()[-1][0]}."][style])
    return names


def _tone(rng: random.Random, weights: tuple[float, float, float]) -> Tone:
    return rng.choices(pool.TONES, weights=weights)[0]


def _dutch_body(rng: random.Random, tone: Tone) -> list[str]:
    """Sentences about one or two topics; neutral reviews mix a plus and a minus."""
    topics = list(dict.fromkeys(rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()), k=2)))
    sentences = []
    for index, topic in enumerate(topics[: rng.randint(1, 2)]):
        topic_tone: Tone = tone if tone != "neu" or index == 0 else rng.choice(("pos", "neg"))
        options = pool.TOPIC_SENTENCES[topic][topic_tone]
        sentences += rng.sample(options, k=min(len(options), rng.randint(1, 2)))
    if tone != "neu" and rng.random() < 0.45:
        sentences.insert(0, rng.choice(pool.OPENERS[tone]))
    if rng.random() < 0.4:
        sentences.append(rng.choice(pool.CLOSERS[tone]))
    return sentences


def _french_body(rng: random.Random, tone: Tone) -> list[str]:
    """As ``_dutch_body``, from the French pool."""
    topics = list(dict.fromkeys(rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()), k=2)))
    sentences = []
    for index, topic in enumerate(topics[: rng.randint(1, 2)]):
        topic_tone: Tone = tone if tone != "neu" or index == 0 else rng.choice(("pos", "neg"))
        options = pool_fr.TOPIC_SENTENCES[topic][topic_tone]
        sentences += rng.sample(options, k=min(len(options), rng.randint(1, 2)))
    if rng.random() < 0.45:
        sentences.insert(0, rng.choice(pool_fr.OPENERS[tone]))
    if rng.random() < 0.4:
        sentences.append(rng.choice(pool_fr.CLOSERS[tone]))
    return sentences


def _spike_body(rng: random.Random) -> list[str]:
    sentences = rng.sample(pool.SPIKE_SENTENCES, k=rng.randint(1, 2))
    if rng.random() < 0.5:
        sentences.append(rng.choice(pool.TOPIC_SENTENCES["bezorging"]["neg"]))
    if rng.random() < 0.4:
        sentences.insert(0, rng.choice(pool.OPENERS["neg"]))
    return sentences


def _compose(rng: random.Random, brand: DemoBrand, tone: Tone, spike: bool) -> tuple[str, list[str], str]:
    """Title, sentences and language of one review."""
    if spike:
        return rng.choice(pool.SPIKE_TITLES), _spike_body(rng), "nl"
    if brand.french_share and rng.random() < brand.french_share:
        return rng.choice(pool_fr.TITLES[tone]), _french_body(rng, tone), "fr"
    if rng.random() < ENGLISH_SHARE:
        sentences = rng.sample(pool.ENGLISH_SENTENCES[tone], k=rng.randint(1, 2))
        return rng.choice(pool.ENGLISH_TITLES[tone]), sentences, "en"
    return rng.choice(pool.TITLES[tone]), _dutch_body(rng, tone), "nl"


def _reply_message(rng: random.Random, brand: DemoBrand, tone: Tone, author: str) -> str:
    return rng.choice(pool.REPLIES[tone]).format(naam=author.split(maxsplit=1)[0].rstrip("."), merk=brand.name)


def _reply(
    rng: random.Random, brand: DemoBrand, *, tone: Tone, author: str, published: datetime, today: date, review_key: str
) -> DemoReply | None:
    """Companies answer some reviews, within a day or two (a reply this morning shows only on
    the run that crawls the site as it is now). ``rng`` is drawn from exactly as before replies
    could fall on today, so the reviews after this one stay the same; what only today's
    replies need comes from their own generator (``review_key``)."""
    if rng.random() >= REPLY_CHANCE[tone]:
        return None
    answered = published + timedelta(hours=rng.randint(2, 40))
    if answered.date() >= today:
        own = random.Random(f"{SEED}:reply-today:{review_key}")
        now = datetime.combine(today, time(NOW_HOUR), tzinfo=AMSTERDAM).astimezone(UTC)
        return DemoReply(_reply_message(own, brand, tone, author), answered) if answered <= now else None
    return DemoReply(_reply_message(rng, brand, tone, author), answered)


def _jsonld_reply(brand: DemoBrand, *, tone: Tone, author: str, published: datetime, review_key: str) -> DemoReply | None:
    """Replies on the JSON-LD pages (their own generator: the review stream stays as it was)."""
    own = random.Random(f"{SEED}:jsonld-reply:{review_key}")
    if own.random() >= REPLY_CHANCE[tone]:
        return None
    return DemoReply(_reply_message(own, brand, tone, author), published + timedelta(hours=own.randint(1, 30)))


def _review(
    rng: random.Random, brand: DemoBrand, *, channel: Channel, day: date, today: date, author: str, spike: bool,
    invited: bool = False,
) -> DemoReview:
    weights = INVITED_TONES if invited else brand.tones((today - day).days)
    tone: Tone = "neg" if spike else _tone(rng, weights)
    best = brand.jsonld_best_rating if channel == "jsonld" else 5
    rating = rng.choice((1, 1, 2) if spike else RATINGS[best][tone])
    title, sentences, language = _compose(rng, brand, tone, spike)
    markup = rng.random() < MARKUP_SHARE
    paragraphs = [" ".join(sentences)] if not markup else [" ".join(sentences[:1]), " ".join(sentences[1:])]
    published = _timestamp(rng, day, today)
    key = f"{brand.slug}:{channel}:{published.isoformat()}:{author}"
    reply = (
        _reply(rng, brand, tone=tone, author=author, published=published, today=today, review_key=key)
        if channel == "trustpilot"
        else _jsonld_reply(brand, tone=tone, author=author, published=published, review_key=key)
    )
    return DemoReview(
        id=_object_id(rng, published),
        brand=brand.name,
        channel=channel,
        rating=rating,
        best_rating=best,
        title=title.format(merk=brand.name),
        text="\n".join(p for p in paragraphs if p).format(merk=brand.name),
        language=language,
        published_at=published,
        author=author,
        reply=reply,
        markup=markup,
        spike=spike,
        origin=INVITED if invited else ORGANIC,
    )


def build_site(today: date | None = None) -> DemoSite:
    """All demo reviews for the 60 days ending ``today`` (default: the real today)."""
    today = today or today_amsterdam()
    reviews: list[DemoReview] = []
    for brand in BRANDS:
        for channel, mean in brand.daily_reviews.items():
            rng = random.Random(f"{SEED}:{brand.slug}:{channel}:{today.isoformat()}")
            people = _people(rng, 120)
            for offset in range(DAYS - 1, -1, -1):
                day = today - timedelta(days=offset)
                in_spike = brand.own and offset < SPIKE_DAYS
                normal = _poisson(rng, mean)
                extra = round(mean * SPIKE_EXTRA_FACTOR) if in_spike else 0  # fixed: the story must always show
                invited = _poisson(rng, brand.invited_per_day(offset)) if channel == "trustpilot" else 0
                kinds = [(False, False)] * normal + [(True, False)] * extra + [(False, True)] * invited
                for spike, by_invitation in kinds:
                    author = rng.choice(people)
                    reviews.append(
                        _review(rng, brand, channel=channel, day=day, today=today, author=author, spike=spike,
                                invited=by_invitation)
                    )
    reviews.sort(key=lambda r: (r.published_at, r.id), reverse=True)
    return DemoSite(today=today, brands=BRANDS, reviews=tuple(_with_upgrades(reviews, today)))


def _with_upgrades(reviews: list[DemoReview], today: date) -> list[DemoReview]:
    """Per listing, the ``UPGRADES_PER_LISTING`` newest negative reviews near its top that were
    posted before yesterday get a reply (if they had none) before today and a raised rating
    this morning, between the start of today and the site's now: the demo's recovered customers."""
    start = datetime.combine(today, time(0), tzinfo=AMSTERDAM).astimezone(UTC)
    chosen: dict[str, DemoReview] = {}
    for brand in BRANDS:
        for channel in brand.daily_reviews:
            listing = [r for r in reviews if r.brand == brand.name and r.channel == channel][:UPGRADE_WINDOW]
            negative = [r for r in listing if (r.rating - 1) / (r.best_rating - 1) < 0.5 and not r.spike
                        and r.published_at < start - timedelta(days=1)]
            for review in negative[:UPGRADES_PER_LISTING]:
                own = random.Random(f"{SEED}:upgrade:{review.id}")
                reply = review.reply
                if reply is None or reply.published_at >= start:
                    message = _reply_message(own, brand, "neg", review.author)
                    reply = DemoReply(message, review.published_at + timedelta(hours=own.randint(2, 20)))
                best = review.best_rating
                rating = own.choice((4, 5) if best == 5 else (7, 8))
                updated = start + timedelta(minutes=own.randint(30, NOW_HOUR * 60 - 30))
                chosen[review.id] = replace(review, reply=reply,
                                            update=DemoUpdate(rating, own.choice(UPDATE_NOTES), updated))
    return [chosen.get(r.id, r) for r in reviews]


def source_url(base_url: str, brand: DemoBrand, channel: Channel) -> str:
    """Where the demo server lists ``brand`` on ``channel``."""
    base = base_url.rstrip("/")
    return f"{base}/review/{brand.domain}" if channel == "trustpilot" else f"{base}/product/{brand.slug}"


def _toml_string(value: str) -> str:
    """A TOML basic string; JSON's escapes are a subset TOML accepts."""
    return json.dumps(value, ensure_ascii=False)


def demo_config_toml(base_url: str, data_dir: str = "data") -> str:
    """monitor.toml text for watching the demo site at ``base_url``.

    Delays are off because the demo server runs on loopback; everything else keeps the
    real defaults (robots.txt obeyed, pseudonymised authors).
    """
    lines = [
        "# Klantstem demo: fictional brands on the local demo site "
        f"(generated by klantstem.demo.site.demo_config_toml for {base_url}).",
        "",
    ]
    for brand in BRANDS:
        lines += [
            "[[brands]]",
            f"name = {_toml_string(brand.name)}",
            f"own = {'true' if brand.own else 'false'}",
            f"keywords = [{_toml_string(brand.name)}, {_toml_string(brand.domain)}]",
            *([f"languages = [{', '.join(_toml_string(x) for x in brand.languages)}]"] if brand.languages else []),
            "",
        ]
        for channel in brand.daily_reviews:
            lines += [
                "[[brands.sources]]",
                f"type = {_toml_string(channel)}",
                f"url = {_toml_string(source_url(base_url, brand, channel))}",
                "",
            ]
    data = data_dir.rstrip("/\\") or "."
    lines += [
        "[warehouse]",
        f"path = {_toml_string(f'{data}/klantstem.duckdb')}",
        f"staging_dir = {_toml_string(f'{data}/staging')}",
        "",
        "[crawl]",
        "download_delay_s = 0.0",
        "autothrottle = false",
        "trustpilot_login_wall_page = 0  # the demo site shows every page without a login",
        "",
    ]
    return "\n".join(lines)
