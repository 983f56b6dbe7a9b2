"""Blind spots and emerging topics judge the organic reviews (docs/provenance.md): reviews the
company invited are a prompted channel, like its survey, and come in campaigns; mixed in,
they would hide or invent a blind spot and make a campaign's topics "emerge"."""

from __future__ import annotations

from pathlib import Path

from insights.pipeline import refresh_insights
from insights.survey import import_survey
from klantstem.config import MonitorConfig
from tests.insights.test_insights_pipeline import AS_OF, FakeScorer, load, query
from tests.insights.test_insights_pipeline import config  # noqa: F401  (fixture)
from tests.warehouse_helpers import row

INVITED = {"provenance": "invited", "provenance_raw": "BusinessGeneratedLink"}
ORGANIC = {"provenance": "organic", "provenance_raw": "Organic"}


def test_blind_spots_compare_the_survey_with_organic_reviews_and_show_invited_ones_beside(
        config: MonitorConfig, tmp_path: Path) -> None:  # noqa: F811
    organic = ["De bezorger gooide het pakket over de schutting.", "Bezorger belde niet aan, pakket kwijt.",
               "De bezorger was weer te laat.", "Bezorger kwam niet opdagen."] * 4
    # An invitation campaign after purchases: the unhappy invited reviews are about the price,
    # which the survey also says; counted in, they would hide that the public side never does.
    invited = ["De prijs is te hoog.", "Veel te duur.", "Prijs omhoog gegaan, jammer.", "Te duur voor wat het is."] * 4
    rows = [row(f"o{i}", title=None, text=t, **ORGANIC) for i, t in enumerate(organic)]
    rows += [row(f"i{i}", title=None, text=t, **INVITED) for i, t in enumerate(invited)]
    load(config, *rows, labels={r["external_id"]: "neg" for r in rows})
    answers = ["De prijs is te hoog", "Te duur vergeleken met anderen", "Prijzen zijn gestegen",
               "Klantenservice nam niet op"] * 8
    survey = tmp_path / "enquete.csv"
    survey.write_text("date,score,answer\n" + "".join(f"2026-11-{1 + i % 28:02d},{i % 5},{a}\n" for i, a in enumerate(answers)),
                      encoding="utf-8")
    import_survey(config, survey)
    refresh_insights(config, FakeScorer(), as_of=AS_OF)

    aspects = {r[0]: r[1:] for r in query(
        config, """SELECT aspect, public_negative_mentions, public_mentions, direction, invited_negative_mentions,
                          invited_mentions, share_invited, public_examples FROM blind_spot_aspects""")}
    assert aspects["price"][:3] == (16, 0, "survey_not_public"), "the public's own voice never names the price"
    assert aspects["price"][3:6] == (16, 16, 1.0), "the invited reviews that do stand beside it"
    assert aspects["delivery"][:3] == (16, 16, "public_not_survey")
    assert all("rijs" not in e and "duur" not in e for e in aspects["delivery"][6]), "organic examples only"
    stats = query(config, "SELECT aspect, public_negative_mentions, invited_mentions FROM blind_spot_aspect_stats "
                          "WHERE aspect = 'price'")
    assert stats == [("price", 16, 16)]

    terms = {r[0]: r[1:] for r in query(
        config, "SELECT surface, direction, public_mentions, invited_mentions, share_invited FROM blind_spot_terms")}
    assert terms["prijs"][1:] == terms["duur"][1:] == (0, 8, 0.5), "public 0, invited 8 of 16"
    assert terms["bezorger"][:3] == ("public_not_survey", 16, 0)


def test_an_invitation_campaign_does_not_make_its_topics_emerge(config: MonitorConfig) -> None:  # noqa: F811
    rows, labels = [], {}
    for day in range(0, 23):  # baseline: organic complaints about delivery and service
        for i in range(2):
            ext = f"b{day}-{i}"
            rows.append(row(ext, day=day, text="De bezorging was weer traag." if i else "Klantenservice onbeschoft.",
                            **ORGANIC))
            labels[ext] = "neg"
    for day in range(23, 30):  # this week: the same organic complaints plus lost parcels ...
        for i in range(3):
            ext = f"w{day}-{i}"
            text = ["De bezorging was weer traag.", "Klantenservice onbeschoft.", "Mijn pakket kwijt geraakt."][i]
            rows.append(row(ext, day=day, text=text, **ORGANIC))
            labels[ext] = "neg"
        for i in range(4):  # ... and an invitation campaign in the app, whose unhappy reviews say it crashes
            ext = f"c{day}-{i}"
            rows.append(row(ext, day=day, text="De app crasht bij het betalen, waardeloos.", **INVITED))
            labels[ext] = "neg"
    load(config, *rows, labels=labels)
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    topics = {r[0]: r[1:] for r in query(
        config, "SELECT term, window_count, window_negative, examples FROM emerging_topics")}
    assert "pakket kwijt" in topics, "a topic rising among the organic reviews still emerges"
    assert topics["pakket kwijt"][:2] == (7, 21), "counted among the organic negative mentions only"
    assert not {"app", "crasht"} & set(topics), "the campaign's topic does not"
    assert all("app" not in e for t in topics.values() for e in t[2]), "nor do its reviews become examples"


def test_the_blind_spot_report_says_which_reviews_it_compared(config: MonitorConfig, tmp_path: Path) -> None:  # noqa: F811
    from insights.report import blind_spots_report
    from warehouse.connection import connect

    rows = [row(f"o{i}", title=None, text="Bezorger kwam niet opdagen.", **ORGANIC) for i in range(6)]
    rows += [row(f"i{i}", title=None, text="Veel te duur.", **INVITED) for i in range(3)]
    load(config, *rows, labels={r["external_id"]: "neg" for r in rows})
    survey = tmp_path / "enquete.csv"
    survey.write_text("date,score,answer\n" + "".join(f"2026-11-{1 + i:02d},3,Te duur\n" for i in range(6)),
                      encoding="utf-8")
    import_survey(config, survey)
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    with connect(config.warehouse.path, read_only=True) as con:
        text = blind_spots_report(con)
    assert "Publiek: 6 negatieve organische vermeldingen" in text
    assert "3 negatieve reviews op uitnodiging van het bedrijf tellen niet mee" in text


def test_the_grade_and_aspect_reports_show_invited_reviews_beside_the_organic_figures(
        config: MonitorConfig) -> None:  # noqa: F811
    from insights.report import INVITED_NOTE, aspects_report, grades_report
    from warehouse.connection import connect

    rows = [row(f"o{i}", title=None, text="Bezorging was traag.", rating=1, rating_normalised=0.0, **ORGANIC)
            for i in range(4)]
    rows += [row(f"i{i}", title=None, text="Bezorging was snel, top.", rating=5, rating_normalised=1.0, **INVITED)
             for i in range(6)]
    load(config, *rows, labels={r["external_id"]: "neg" if r["external_id"][0] == "o" else "pos" for r in rows})
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    with connect(config.warehouse.path, read_only=True) as con:
        grades, aspects = grades_report(con), aspects_report(con)
    line = next(x for x in grades.splitlines() if x.startswith("Snelkoop") and "alle reviews" in x)
    assert line.split()[4:6] == ["4", "2.0"], "4 organic reviews, mean grade 2 (1 star)"
    assert line.split()[-2:] == ["6", "100"], "6 invited ones beside them, NPS +100"
    assert INVITED_NOTE in grades and INVITED_NOTE in aspects
    delivery = next(x for x in aspects.splitlines() if x.startswith("Bezorging"))
    assert delivery.split()[1] == "4" and delivery.split()[-2:] == ["6", "0%"]
