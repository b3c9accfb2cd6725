"""The percentages and durations deployment strategies are written in ("25%", "10m").

Not a provider module (no PROVIDERS): the registry skips it.
"""

from __future__ import annotations

from typing import Any

SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PERCENT = {"type": "string", "pattern": "^[0-9]{1,3}%$"}


def percent(text: Any) -> int:
    """'25%' -> 25."""
    return int(str(text).rstrip("%"))


def seconds(duration: str) -> int:
    """'90s' -> 90, '10m' -> 600."""
    return int(duration[:-1]) * SECONDS[duration[-1]]


def whole_minutes(duration: str) -> int:
    """'90s' -> 2 (rounded up), '10m' -> 10."""
    return -(-seconds(duration) // 60)
