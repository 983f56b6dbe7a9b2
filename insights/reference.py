"""What every insights writer needs first: the schema, and the reference tables the views
join to (the aspect list and the brands), written for the configured tagger."""

from __future__ import annotations

from insights.aspects import AspectTagger
from insights.db import insert_rows
from insights.tagging import tagger_for
from klantstem.config import MonitorConfig
from warehouse.connection import connect, transaction
from warehouse.migrate import migrate


def _store_reference(con, config: MonitorConfig, tagger: AspectTagger) -> None:
    """The aspect list and the brands (own or competitor) the views join to."""
    with transaction(con):
        con.execute("DELETE FROM insight_aspects")
        insert_rows(con, "insight_aspects", ["aspect", "label", "position"],
                    [[a.key, a.label, a.position] for a in tagger.lexicon.aspects])
        con.execute("DELETE FROM insight_brands")
        insert_rows(con, "insight_brands", ["brand", "own", "position"],
                    [[b.name, b.own, i] for i, b in enumerate(config.brands, start=1)])


def prepare_insights(config: MonitorConfig) -> AspectTagger:
    """Migrate and write the aspect list and brands; returns the tagger for the config."""
    tagger = tagger_for(config)
    with connect(config.warehouse.path, timeout_s=config.warehouse.lock_timeout_s) as con:
        migrate(con)
        _store_reference(con, config, tagger)
    return tagger
