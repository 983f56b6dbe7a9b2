"""Prefect flows: the only place where spiders, warehouse, sentiment and alerts meet."""
