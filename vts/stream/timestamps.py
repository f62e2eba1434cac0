"""ISO 8601 event times in Spark, read the way the Python side reads them.

The Python validator uses ``datetime.fromisoformat`` (after ``strip()``); the job accepts
the same *extended* profile::

    YYYY-MM-DD[(T|t| )hh[:mm[:ss[(.|,)fraction]]][Z|±hh[[:]mm[[:]ss[.ffffff]]]]]

Fractions beyond microseconds are truncated, as Python does. A few exotic forms Python
3.11 also takes (the basic format ``20240301T101530``, any other separator character,
``"10:15:30.Z"``, offsets of 18 hours or more) are rejected here as ``bad_timestamp``;
docs/exactly-once.md lists them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column

_ZONE = r"(?:[Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)"
ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?" + _ZONE + r"?)?$"
# A zone is present when the time part (digits, ':', '.', ',') is followed by one.
ZONED_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt ][0-9:.,]+[Zz+-]"
# YYYY-MM-DDThh:mm:ss[.f]{Z|±hh:mm}, which Spark's parser reads exactly as Python does.
FAST_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
_STRIP = r"(?U)^\s+|\s+$"
_HOUR_ONLY = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2})(?=[Z+-]|$)"
_NO_SECONDS = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(?=[Z+-]|$)"


def parse_iso(text: Column, *, naive_zone: str | None) -> tuple[Column, Column]:
    """``(timestamp, zoned)`` for an ISO 8601 string column.

    ``naive_zone=None`` requires a zone offset (the current contract: a zone-less time is
    ``null``); otherwise zone-less times are wall-clock times in ``naive_zone`` (the
    tutorial format's ``v0_timezone``) and a lower-case ``z`` is not a zone, as in
    ``datetime.fromisoformat``. ``timestamp`` is ``null`` when the text is not a valid time.
    """
    from pyspark.sql import functions as F

    # The common form (what vts producers write) needs one regex and Spark's own parser.
    fast = text.rlike(FAST_PATTERN)
    fast_ts = F.try_to_timestamp(text)
    stripped = F.regexp_replace(text, _STRIP, "")
    zoned = stripped.rlike(ZONED_PATTERN)
    well_formed = stripped.rlike(ISO_PATTERN)
    if naive_zone is not None:
        well_formed = well_formed & ~stripped.endswith("z")
    # The pattern guarantees ',' only separates a fraction and 't'/'z' only as separators;
    # Spark's parser wants minutes and seconds when a zone follows ("T10Z").
    canonical = F.translate(stripped, ",tz", ".TZ")
    canonical = F.regexp_replace(canonical, _HOUR_ONLY, "$1:00:00")
    canonical = F.regexp_replace(canonical, _NO_SECONDS, "$1:00")
    parsed = F.try_to_timestamp(canonical)
    if naive_zone is None:
        slow = F.when(well_formed & zoned, parsed)
    else:
        slow = F.when(
            well_formed,
            F.when(zoned, parsed).otherwise(F.to_utc_timestamp(parsed, naive_zone)),
        )
    return F.when(fast, fast_ts).otherwise(slow), fast | zoned
