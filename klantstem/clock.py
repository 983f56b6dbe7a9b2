"""The project's one time zone and its "today".

Reviews are counted per Amsterdam calendar day (the SQL macro ``amsterdam_day`` in
``warehouse/views/000_macros.sql`` does the same in the warehouse), whatever the machine's own
time zone: a run at 00:30 in Amsterdam, or on a server in UTC+14, still means the same day.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today_amsterdam() -> date:
    """Today's date in Amsterdam."""
    return datetime.now(AMSTERDAM).date()
