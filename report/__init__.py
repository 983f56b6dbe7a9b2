"""The customer-sentiment dashboard: ``klantstem report`` (one self-contained HTML file) and
``klantstem dashboard`` (the same page served on 127.0.0.1, refreshed from the warehouse).

``data`` aggregates the warehouse in DuckDB, ``render`` writes the page (Plotly and the
page's script inline), ``build`` ties them together (``write_report``, ``load_payload``),
``server`` serves it, ``commands`` registers the CLI, ``synthetic`` builds test warehouses.
Nothing is imported here, so ``klantstem --help`` stays fast.
"""
