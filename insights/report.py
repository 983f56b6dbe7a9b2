"""Plain-text reports of the insights views, in Dutch, for the CLI.

Each function takes a (read-only) connection and returns the text to print, so the same
reports can go into a flow artifact or an e-mail later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

SOURCE_LABELS = {"all": "alle reviews", "survey": "enquête"}

BENCHMARK_METRICS = {
    "share_negative": "aandeel negatief",
    "mean_score": "gemiddelde sentimentscore (-1..1)",
    "importance": "aandeel van de vermeldingen",
    "mean_grade": "gemiddeld cijfer (1-10) van wie het aspect noemt",
    "share_unhappy": "aandeel ontevreden (cijfer 6 of lager)",
}


INVITED_NOTE = ("Alle cijfers zijn van organische reviews; reviews op uitnodiging van het bedrijf staan "
                "ernaast (Uitgenodigd), zodat een uitnodigingscampagne ze niet kleurt (docs/provenance.md).")


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A fixed-width text table; columns in ``right`` are right-aligned (numbers)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _brand_filter(brand: str | None, language: str | None = None) -> tuple[str, list[Any]]:
    """WHERE clause for an optional brand and an optional language group (views *_by_language)."""
    parts = [(c, v) for c, v in (("brand = ?", brand), ("language = ?", language)) if v]
    return ("WHERE " + " AND ".join(c for c, _ in parts) if parts else "", [v for _, v in parts])


def aspects_report(con: duckdb.DuckDBPyConnection, brand: str | None = None, language: str | None = None) -> str:
    where, params = _brand_filter(brand, language)
    rows = con.execute(
        f"""SELECT brand, own, aspect_label, mentions, importance, share_negative, mean_score, rated,
                   mean_grade, share_unhappy,
                   {'NULL, NULL' if language else 'invited_mentions, invited_share_negative'}
            FROM {'aspect_performance_by_language' if language else 'aspect_performance'} {where}
            ORDER BY own DESC, brand, importance DESC, position""",
        params,
    ).fetchall()
    if not rows:
        if language:
            return f"Geen vermeldingen in taal {language!r} (talen: nl, fr, en, other; zie `klantstem insights languages`)."
        return "Nog geen aspecten: draai eerst `klantstem insights refresh`."
    out = [f"Taal: {language}", ""] if language else []
    for name in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == name]
        title = f"{name}{' (eigen merk)' if mine[0][1] else ''}"
        out.append(title)
        invited = any(r[10] for r in mine)  # beside the organic figures where the sources label invitations
        out.append(
            table(
                ["Aspect", "Vermeldingen", "Belang", "Negatief", "Gem. score", "Met cijfer", "Gem. cijfer", "Ontevreden",
                 *(["Uitgenodigd", "Uitg. negatief"] if invited else [])],
                [[r[2], r[3], pct(r[4]), pct(r[5]), num(r[6]), r[7], num(r[8], 1), pct(r[9]),
                  *([r[10], pct(r[11])] if invited else [])] for r in mine],
                right=range(1, 10 if invited else 8),
            )
        )
        out.append("")
    out.append("Belang = aandeel van de vermeldingen van het merk dat het aspect noemt; "
               "ontevreden = cijfer 6 of lager bij wie het aspect noemt.")
    if any(r[10] for r in rows):
        out.append(INVITED_NOTE)
    return "\n".join(out)


def grades_report(con: duckdb.DuckDBPyConnection, brand: str | None = None, language: str | None = None) -> str:
    where, params = _brand_filter(brand, language)
    by_language = "_by_language" if language else ""
    summary = con.execute(
        f"""SELECT brand, own, source, responses, mean_grade, level_of_mean, nps, share_promoters,
                   share_passives, share_detractors, share_below_basics, share_basics,
                   share_customer_focused, share_delight,
                   {'NULL, NULL' if language else 'invited_responses, invited_nps'}
            FROM {'satisfaction_by_language' if language else 'satisfaction_summary'} {where}
            ORDER BY own DESC, brand, source = 'all' DESC, source = 'survey', source""",
        params,
    ).fetchall()
    if not summary:
        if language:
            return f"Geen beoordelingen met een cijfer in taal {language!r}."
        return "Nog geen beoordelingen met een cijfer (of enquête-antwoorden)."
    dist = con.execute(
        f"""SELECT brand, source, grade, responses, share FROM grade_distribution{by_language} {where}
            ORDER BY brand, source, grade""",
        params,
    ).fetchall()
    invited = any(r[14] for r in summary)
    out = [
        *([f"Taal: {language} (publieke reviews)", ""] if language else []),
        "Cijfers 1-10 (sterren: 1=2, 2=4, 3=6, 4=8, 5=10). NPS: promotors 9-10, passief 7-8, criticasters 0-6.",
        "Niveaus: onder de basis 1-5, basis op orde 6, klantgericht 7-8, enthousiasmerend 9-10.",
        "",
        table(
            ["Merk", "Bron", "Aantal", "Gem.", "Niveau (gem.)", "NPS", "Promotor", "Passief", "Criticaster",
             "Onder basis", "Basis", "Klantgericht", "Enthousiast", *(["Uitgenodigd", "NPS uitg."] if invited else [])],
            [[r[0] + (" *" if r[1] else ""), SOURCE_LABELS.get(r[2], r[2]), r[3], num(r[4], 1), r[5], num(r[6], 0), pct(r[7]), pct(r[8]),
              pct(r[9]), pct(r[10]), pct(r[11]), pct(r[12]), pct(r[13]), *([r[14], num(r[15], 0)] if invited else [])]
             for r in summary],
            right=[2, 3, 5, 6, 7, 8, 9, 10, 11, 12, *([13, 14] if invited else [])],
        ),
        *([INVITED_NOTE] if invited else []),
        "",
        "Verdeling (publieke reviews, alle bronnen; enquête apart):",
    ]
    for name, source in dict.fromkeys((r[0], r[1]) for r in dist):
        if source not in ("all", "survey"):
            continue
        out.append(f"{name} - {'enquête' if source == 'survey' else 'reviews'}")
        for _, _, grade, n, share in (r for r in dist if r[0] == name and r[1] == source):
            bar = "#" * round(40 * (share or 0))
            out.append(f"  {grade:>2}  {pct(share):>4}  {n:>6}  {bar}")
    out.append("* = eigen merk")
    return "\n".join(out)


def benchmark_report(con: duckdb.DuckDBPyConnection, metric: str = "share_negative",
                     language: str | None = None) -> str:
    if metric not in BENCHMARK_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(BENCHMARK_METRICS)}")
    source, params = "competitor_benchmark", []
    if language:
        source = """(SELECT a.*, b.position AS brand_position FROM aspect_performance_by_language AS a
                     LEFT JOIN insight_brands AS b USING (brand) WHERE a.language = ?)"""
        params = [language]
    rows = con.execute(
        f"""SELECT aspect, aspect_label, position, brand, own, coalesce(brand_position, 999), {metric}, mentions
            FROM {source} ORDER BY position, aspect, own DESC, coalesce(brand_position, 999), brand""",
        params,
    ).fetchall()
    if not rows:
        return f"Geen vermeldingen in taal {language!r}." if language else "Nog geen vermeldingen."
    brands = sorted({(r[5], not r[4], r[3]) for r in rows})
    names = [b[2] for b in brands]
    own = {r[3] for r in rows if r[4]}
    value: dict[tuple[str, str], tuple[Any, int]] = {(r[0], r[3]): (r[6], r[7]) for r in rows}
    fmt = pct if metric in ("share_negative", "importance", "share_unhappy") else (
        (lambda v: num(v, 1)) if metric == "mean_grade" else num)
    lines = []
    for aspect, label in dict.fromkeys((r[0], r[1]) for r in rows):
        cells = []
        for b in names:
            v, n = value.get((aspect, b), (None, 0))
            cells.append(f"{fmt(v)} ({n})")
        lines.append([label, *cells])
    headers = ["Aspect", *(f"{b}{' *' if b in own else ''}" for b in names)]
    return "\n".join([
        f"Concurrentievergelijking: {BENCHMARK_METRICS[metric]} (tussen haakjes: aantal vermeldingen)"
        + (f", taal {language}" if language else ""),
        "",
        table(headers, lines, right=range(1, len(headers))),
        "",
        "* = eigen merk",
    ])


def drivers_report(con: duckdb.DuckDBPyConnection, brand: str | None = None, language: str | None = None) -> str:
    where, params = _brand_filter(brand, language)
    rows = con.execute(
        f"""SELECT brand, own, priority, aspect_label, quadrant_label, importance, impact, p_value,
                   performance, share_negative, gain_if_fixed, mentioned, reviews, r_squared
            FROM {'key_driver_matrix_by_language' if language else 'key_driver_matrix'} {where}
            ORDER BY brand = 'Alle merken', own DESC, brand, priority""",
        params,
    ).fetchall()
    if not rows:
        return ("Nog geen sleuteldrijvers: er zijn minstens 30 beoordeelde reviews per merk nodig "
                "(insights.driver_min_reviews), met aspecten die gescoord zijn (`klantstem insights refresh`).")
    out = ["Sleuteldrijvers van het reviewcijfer: welk aspect verbeteren levert het meeste op?"
           + (f" (taal {language})" if language else ""), ""]
    for name in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == name]
        out.append(f"{name}{' (eigen merk)' if mine[0][1] else ''}: {mine[0][12]} beoordeelde reviews, R² {num(mine[0][13])}")
        out.append(
            table(
                ["#", "Aspect", "Kwadrant", "Belang", "Effect/punt", "p", "Prestatie", "Negatief", "Winst (cijfer)", "Genoemd"],
                [[r[2], r[3], r[4], pct(r[5]), num(r[6]), num(r[7], 3), num(r[8]), pct(r[9]), f"+{num(r[10])}", r[11]]
                 for r in mine],
                right=[0, 3, 4, 5, 6, 7, 8, 9],
            )
        )
        out.append("")
    out.append("Belang = aandeel in de verklaarde variantie van het cijfer; effect = cijferpunten per eenheid "
               "aspectsentiment; winst = stijging van het gemiddelde cijfer als negatieve oordelen over het "
               "aspect neutraal worden.")
    return "\n".join(out)


def blind_spots_report(con: duckdb.DuckDBPyConnection, limit: int = 10) -> str:
    aspects = con.execute(
        """SELECT aspect_label, share_public, share_survey, z, direction_label, public_examples, survey_examples,
                  public_negative_mentions, survey_unhappy_answers, invited_negative_mentions
           FROM blind_spot_aspects ORDER BY z DESC NULLS LAST, position"""
    ).fetchall()
    if not aspects or not aspects[0][7] or not aspects[0][8]:
        n_pub = aspects[0][7] if aspects else 0
        n_srv = aspects[0][8] if aspects else 0
        return (f"Te weinig om te vergelijken: {n_pub} negatieve organische vermeldingen van het eigen merk, "
                f"{n_srv} ontevreden enquête-antwoorden (score 0-6). Importeer een enquête met "
                "`klantstem survey import BESTAND` en draai `klantstem insights refresh`.")
    out = [
        "Blinde vlekken: wat ontevreden klanten publiek zeggen maar niet in de enquête, en omgekeerd.",
        f"Publiek: {aspects[0][7]} negatieve organische vermeldingen van het eigen merk; enquête: {aspects[0][8]} "
        "antwoorden met score 0-6."
        + (f" {aspects[0][9]} negatieve reviews op uitnodiging van het bedrijf tellen niet mee "
           "(zie blind_spot_aspects.share_invited)." if aspects[0][9] else ""),
        "",
        table(
            ["Aspect", "Publiek", "Enquête", "z", "Conclusie"],
            [[r[0], pct(r[1]), pct(r[2]), num(r[3], 1), r[4]] for r in aspects],
            right=[1, 2, 3],
        ),
    ]
    for r in aspects:
        examples = r[5] if r[4].startswith("Publiek") else r[6] if r[4].startswith("Enquête") else None
        if examples:
            out.append(f"  {r[0]}: " + " | ".join(f'"{e}"' for e in examples))
    for direction, title in (("public_not_survey", "Termen publiek, niet in de enquête"),
                             ("survey_not_public", "Termen in de enquête, niet publiek")):
        order = "DESC" if direction == "public_not_survey" else "ASC"
        terms = con.execute(
            f"""SELECT surface, public_mentions, share_public, survey_answers, share_survey, z, examples
                FROM blind_spot_terms WHERE direction = ? ORDER BY z {order} LIMIT ?""",
            [direction, limit],
        ).fetchall()
        out += ["", f"{title}:"]
        if not terms:
            out.append("  (geen significante verschillen)")
            continue
        out.append(table(["Term", "Publiek", "Enquête", "z"],
                         [[t[0], f"{t[1]} ({pct(t[2])})", f"{t[3]} ({pct(t[4])})", num(t[5], 1)] for t in terms],
                         right=[1, 2, 3]))
        for t in terms:
            if t[6]:
                out.append(f'  {t[0]}: "{t[6][0]}"')
    return "\n".join(out)


def emerging_report(con: duckdb.DuckDBPyConnection, brand: str | None = None, language: str | None = None) -> str:
    where, params = _brand_filter(brand, language)
    rows = con.execute(
        f"""SELECT as_of, brand, own, surface, window_count, window_negative, window_share, baseline_share,
                   lift, q_value, examples, window_start, language
            FROM emerging_topics {where}
            ORDER BY own DESC, brand, q_value, lift DESC""",
        params,
    ).fetchall()
    if not rows:
        latest = con.execute("SELECT max(as_of) FROM insight_runs").fetchall()[0][0]
        when = f" (berekend voor {latest})" if latest else ""
        return f"Geen opkomende onderwerpen in organische negatieve vermeldingen{when}."
    out = [f"Opkomende onderwerpen in organische negatieve vermeldingen, week {rows[0][11]} t/m {rows[0][0]}:", ""]
    out.append(
        table(
            ["Merk", "Taal", "Term", "Deze week", "Aandeel", "Basis", "x", "q"],
            [[r[1] + (" *" if r[2] else ""), r[12], r[3], f"{r[4]}/{r[5]}", pct(r[6]), pct(r[7]), num(r[8], 1),
              num(r[9], 3)] for r in rows],
            right=[3, 4, 5, 6, 7],
        )
    )
    for r in rows:
        if r[10]:
            out.append(f'  {r[3]}: "{r[10][0]}"')
    return "\n".join(out)
