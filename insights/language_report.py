"""``klantstem insights languages``: per brand and language, how much is said and how well
the language is read (the share of mentions with a journey step), with sentiment and grades.

A language whose journey-step share lags far behind the brand's other languages is read
badly (missing term lists), which is what issue-style "half the voice is missing" looks like.
"""

from __future__ import annotations

import duckdb

from insights.report import num, pct, table

LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Frans", "en": "Engels", "other": "overig"}


def languages_report(con: duckdb.DuckDBPyConnection, brand: str | None = None) -> str:
    where, params = ("WHERE brand = ?", [brand]) if brand else ("", [])
    rows = con.execute(
        f"""SELECT brand, own, language, mentions, share_of_brand, with_step, share_with_step, share_negative,
                   rated, mean_grade, nps, share_unhappy, detected_languages
            FROM language_overview {where}
            ORDER BY own DESC, brand, language = 'other', mentions DESC, language""",
        params,
    ).fetchall()
    if not rows:
        return "Nog geen vermeldingen per taal: draai eerst `klantstem insights refresh`."
    out = ["Per taal (organische vermeldingen). Met stap = aandeel met een klantreisstap (hoe goed de taal gelezen wordt).", ""]
    out.append(table(
        ["Merk", "Taal", "Vermeldingen", "Aandeel", "Met stap", "Negatief", "Met cijfer", "Gem. cijfer", "NPS", "Ontevreden"],
        [[r[0] + (" *" if r[1] else ""),
          LANGUAGE_NAMES.get(r[2], r[2]) + (f" ({', '.join(r[12])})" if r[2] == "other" and r[12] else ""),
          r[3], pct(r[4]), pct(r[6]), pct(r[7]), r[8], num(r[9], 1), num(r[10], 0), pct(r[11])] for r in rows],
        right=range(2, 10),
    ))
    out.append("* = eigen merk; overig = talen die het merk niet volgt (monitor.toml: languages).")
    return "\n".join(out)
