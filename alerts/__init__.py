"""Detecting negative-sentiment spikes in the warehouse."""
