"""What every insights writer needs first: the schema, and the reference tables the views
join to (the aspect list and the brands), written for the configured tagger."""

from __future__ import annotations

from insights.db import insert_rows
from insights.tagging import Taggers, tagger_for
from klantstem.config import MonitorConfig
from warehouse.connection import connect, transaction
from warehouse.migrate import migrate


def _store_reference(con, config: MonitorConfig, taggers: Taggers) -> None:
    """The aspect list and the brands (own or competitor, their languages) the views join to."""
    with transaction(con):
        con.execute("DELETE FROM insight_aspects")
        insert_rows(con, "insight_aspects", ["aspect", "label", "position"],
                    [[a.key, a.label, a.position] for a in taggers.aspects()])
        con.execute("DELETE FROM insight_brands")
        insert_rows(con, "insight_brands", ["brand", "own", "position", "languages"],
                    [[b.name, b.own, i, list(b.languages)] for i, b in enumerate(config.brands, start=1)])


def prepare_insights(config: MonitorConfig) -> Taggers:
    """Migrate and write the aspect list and brands; returns the taggers (one per language) for the config."""
    tagger = tagger_for(config)
    with connect(config.warehouse.path, timeout_s=config.warehouse.lock_timeout_s) as con:
        migrate(con)
        _store_reference(con, config, tagger)
    return tagger
