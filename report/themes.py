"""The dashboard's complaint-themes section (view ``complaint_themes``, insights/themes.py)."""

from __future__ import annotations

from typing import Any

import duckdb

from report.sections import RUN_INSIGHTS, failed, records, section, short

#: Themes shown per brand: the growing ones first, then the largest this week.
THEMES_PER_BRAND = 5


def themes_section(con: duckdb.DuckDBPyConnection, rel: set[str]) -> dict[str, Any]:
    """Per brand, its latest complaint themes: terms, example, weekly voices, growing."""
    if "complaint_themes" not in rel:
        return section("missing", f"No complaint themes yet: {RUN_INSIGHTS}.")
    try:
        rows = records(
            con,
            f"""SELECT as_of, brand, theme_id, terms, example, window_voices, baseline_voices, lift, q_value,
                       growing, weekly_voices
                FROM complaint_themes
                QUALIFY row_number() OVER (PARTITION BY brand ORDER BY growing DESC, window_voices DESC, theme_id)
                        <= {THEMES_PER_BRAND}
                ORDER BY brand, growing DESC, window_voices DESC, theme_id""",
        )
    except duckdb.Error as exc:
        return failed(exc, "Complaint themes")
    if not rows:
        return section("empty", "No complaint themes yet: they need stored sentence embeddings "
                       f"(`store_embeddings`, on by default) and negative mentions; {RUN_INSIGHTS}.")
    for row in rows:
        row["example"] = short(row["example"])
    return section(rows=rows, as_of=rows[0]["as_of"])
