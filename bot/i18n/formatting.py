"""Times in the reader's zone."""

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(instant: datetime, zone: str) -> str:
    """``Fri 27 Nov 2026, 7:12 PM EST`` in ``zone``."""
    local = instant.astimezone(ZoneInfo(zone))
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a} {local.day} {local:%b %Y}, {hour}:{local:%M %p %Z}"

