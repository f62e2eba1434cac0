"""Time windows: what one simulator invocation covers.

A window is ``[start, start + seconds)`` in UTC, to whole milliseconds. A scheduled Lambda
invocation covers the ``seconds`` before its scheduled time (floored to a whole second),
so consecutive schedules tile time without gaps or overlaps; the CLI walks a duration in
consecutive windows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from simulator.exceptions import BadWindowError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


@dataclass(frozen=True)
class Window:
    """``[start, start + seconds)``; ``start`` is zone-aware UTC."""

    start: datetime
    seconds: float

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise BadWindowError(
                f"window start {self.start.isoformat()} has no time zone",
                hint="give times in ISO 8601 with a zone, e.g. 2024-03-01T10:00:00Z",
            )
        if not (self.seconds > 0 and math.isfinite(self.seconds)):
            raise BadWindowError(
                f"window length {self.seconds!r}s must be positive",
                hint="use a window of at least 0.001 seconds",
            )

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def as_dict(self) -> dict[str, object]:
        return {"window_start": iso(self.start), "window_seconds": self.seconds}


def iso(when: datetime) -> str:
    """UTC ISO 8601 with ``Z`` (milliseconds only when needed)."""
    text = when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return text.replace(".000Z", "Z")


def parse_time(text: str) -> datetime:
    """ISO 8601 with a zone (``Z`` or ``+hh:mm``) -> aware UTC datetime; ``now`` is now."""
    raw = text.strip()
    if raw == "now":
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in "Zz" else raw)
    except ValueError:
        raise BadWindowError(
            f"{text!r} is not an ISO 8601 time", hint="write e.g. 2024-03-01T10:00:00Z"
        ) from None
    if when.tzinfo is None:
        raise BadWindowError(
            f"{text!r} has no time zone", hint="append Z for UTC, e.g. 2024-03-01T10:00:00Z"
        )
    return when.astimezone(UTC)


def parse_duration(text: str) -> float:
    """``"10m"`` -> 600.0 seconds (units ms, s, m, h, d; none means seconds)."""
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise BadWindowError(
            f"{text!r} is not a duration", hint="write a positive number with a unit: 90s, 10m, 2h"
        )
    return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def floor_seconds(when: datetime) -> datetime:
    return when.replace(microsecond=0)


def scheduled_window(scheduled_time: datetime, seconds: float) -> Window:
    """The window a scheduled invocation covers: the ``seconds`` before its (floored) time."""
    end = floor_seconds(scheduled_time.astimezone(UTC))
    return Window(end - timedelta(seconds=seconds), seconds)


def windows(start: datetime, total_seconds: float, step_seconds: float) -> Iterator[Window]:
    """Consecutive windows of ``step_seconds`` covering ``[start, start + total_seconds)``."""
    step_ms = round(step_seconds * 1000)
    total_ms = round(total_seconds * 1000)
    if step_ms <= 0:
        raise BadWindowError("window step must be at least 1 ms", hint="use a larger step")
    done = 0
    while done < total_ms:
        size = min(step_ms, total_ms - done)
        yield Window(start + timedelta(milliseconds=done), size / 1000.0)
        done += size
