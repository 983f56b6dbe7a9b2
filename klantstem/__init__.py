"""Klantstem: local-first reputation monitoring for Dutch-speaking companies."""

__version__ = "0.1.0"
