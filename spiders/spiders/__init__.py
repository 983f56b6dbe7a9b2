"""The spiders, one per source type and named after it (``klantstem.config.SOURCE_TYPES``).

Their shared base class and helpers are in ``spiders.base``; the stats file is written by the
``spiders.stats.CrawlStatsWriter`` extension.
"""
