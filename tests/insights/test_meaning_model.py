"""Search and near-duplicates with the real default model (e5-small-nl): slow, it loads the encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from insights.search import embed_query, search
from tests.insights.test_meaning import score_all
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def e5():
    from sentiment import load_scorer

    return load_scorer()


def test_a_dutch_query_finds_the_same_complaint_in_french_and_english(e5, tmp_path: Path) -> None:
    # Across languages the similarity is lower than within one (docs/search.md): short
    # reviews that say just this rank above unrelated Dutch complaints; long ones may not.
    with connect(tmp_path / "w.duckdb") as con:
        migrate(con)
        upsert_mentions(con, table(
            row("fr", title="", text="Mon colis n'est jamais arrivé, je n'ai rien reçu."),
            row("en", title="", day=1, text="My parcel never arrived, I received nothing."),
            row("nl1", title="", day=2, text="De app crasht elke keer als ik wil inloggen."),
            row("nl2", title="", day=3, text="Vriendelijk personeel in de winkel en een mooie inrichting."),
            row("nl3", title="", day=4, text="De prijzen zijn de laatste tijd flink gestegen."),
        ))
        score_all(con, e5)
        hits = search(con, embed_query(e5, "pakket nooit aangekomen"), e5.model_id, limit=5)
        external = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
        assert {external[h.mention_id] for h in hits[:2]} == {"fr", "en"}
        assert hits[0].language in ("fr", "en")


def test_an_edited_copy_is_a_copy_and_a_reworded_complaint_is_another_voice(e5, tmp_path: Path) -> None:
    original = ("Ik heb drie weken gewacht op mijn bestelling en de klantenservice reageert niet op mijn mails. "
                "Nooit meer bestellen hier!")
    with connect(tmp_path / "w.duckdb") as con:
        migrate(con)
        upsert_mentions(con, table(
            row("original", title="", text=original),
            row("edited", title="", brand="Winkelwagen", day=1, text=original.replace("drie weken", "3 weken").lower()),
            row("reworded", title="", day=1, text="Al bijna een maand wacht ik op mijn pakket en op mijn e-mails krijg ik "
                                                  "geen antwoord van de klantenservice. Hier bestel ik nooit meer."),
            row("shared", title="", day=2, text="Ik heb drie weken gewacht op mijn bestelling. Verder was het product "
                                                "wel prima en de prijs was ook goed."),
        ))
        score_all(con, e5)
        external = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
        copies = {external[m]: external[o] for m, o in con.execute(
            "SELECT mention_id, original_id FROM mention_copies").fetchall()}
        similarity = con.execute(
            "SELECT a.external_id, array_inner_product(x.embedding, y.embedding) FROM mention_embeddings x "
            "JOIN mentions a USING (mention_id), mention_embeddings y JOIN mentions b USING (mention_id) "
            "WHERE b.external_id = 'original' AND a.external_id <> 'original'").fetchall()
    assert copies == {"edited": "original"}, similarity
    assert all(np.isfinite(s) for _, s in similarity)


def test_klantstem_search_prints_the_closest_mentions(e5, tmp_path: Path, monkeypatch, capsys) -> None:
    from flows import steps
    from klantstem.cli import main

    config = tmp_path / "monitor.toml"
    config.write_text('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n', encoding="utf-8")
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        upsert_mentions(con, table(row("lost", title="", text="Mijn zending is zoekgeraakt, al twee weken niets ontvangen."),
                                   row("app", title="", day=1, text="De app crasht elke keer als ik wil inloggen.")))
        score_all(con, e5)
    monkeypatch.setattr(steps, "configured_scorer", lambda config: e5)
    assert main(["search", "pakket nooit aangekomen", "-c", str(config), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "zoekgeraakt" in out and "crasht" not in out
    assert main(["search", "pakket nooit aangekomen", "-c", str(config), "--print-vector"]) == 0
    literal = capsys.readouterr().out.strip()
    with connect(tmp_path / "wh.duckdb", read_only=True) as con:
        top = con.execute(f"SELECT text FROM search_vector({literal}, k := 1)").fetchall()
    assert "zoekgeraakt" in top[0][0], "the printed vector searches the same in SQL"


def test_the_demo_delivery_spike_is_a_growing_theme_of_snelkoop_without_a_term_list(e5, tmp_path: Path) -> None:
    from datetime import date

    from insights.themes import compute_themes
    from tests.meaning_helpers import demo_rows

    today = date(2026, 11, 20)
    with connect(tmp_path / "w.duckdb") as con:
        migrate(con)
        upsert_mentions(con, table(*demo_rows(today)))
        score_all(con, e5)
        _, _, themes = compute_themes(con, today, exclude=frozenset({"snelkoop", "winkelwagen", "bestelhuis"}))
    growing = [t for t in themes if t.growing]
    assert [t.brand for t in growing] == ["Snelkoop"], [(t.brand, t.terms) for t in growing]
    assert "pakket" in growing[0].terms or "bezorg" in growing[0].terms, growing[0].terms
    assert growing[0].weekly_voices[-1] > 2 * max(growing[0].weekly_voices[:-1])
