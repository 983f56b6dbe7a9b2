"""Alerts on negative spikes, volume spikes and rating drops: detection (``engine``,
``stats``), episodes and their history in DuckDB (``store``), messages and delivery through
Apprise (``message``, ``notify``, ``delivery``), the flow's entry point
``alerts.pipeline.run_alerts`` and the backtest (``backtest``)."""
