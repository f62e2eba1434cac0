"""Vectorised text columns: entity ids and ISO 8601 event times as numpy byte strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

Bytes = npt.NDArray[np.bytes_]

EPOCH_UNIX = datetime(1970, 1, 1, tzinfo=UTC)


def ids(prefix: str, numbers: npt.ArrayLike, width: int) -> Bytes:
    """``prefix`` + zero-padded ``numbers``: ``ids("VEH-", [7], 6)`` -> ``[b"VEH-000007"]``."""
    n = np.asarray(numbers, dtype=np.int64)
    if n.size and (n.min() < 0 or n.max() >= 10**width):
        raise ValueError(f"numbers must be in [0, 10**{width})")
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    out = np.empty((n.size, head.size + width), dtype=np.uint8)
    out[:, : head.size] = head
    q = n.ravel().copy()
    for col in range(head.size + width - 1, head.size - 1, -1):
        out[:, col] = 48 + q % 10
        q //= 10
    return out.view(f"S{head.size + width}").reshape(n.shape)


def iso_ms(unix_ms: npt.ArrayLike) -> Bytes:
    """Unix milliseconds -> ``b"2024-03-01T10:15:30.123Z"`` (UTC, ``S24``).

    Formats each distinct instant once (ticks are shared by a whole fleet).
    """
    ms = np.asarray(unix_ms, dtype=np.int64)
    uniq, inverse = np.unique(ms, return_inverse=True)
    text = np.datetime_as_string(uniq.astype("datetime64[ms]"), unit="ms", timezone="UTC")
    return text.astype("S24")[inverse].reshape(ms.shape)


def to_unix_ms(when: datetime) -> int:
    """A zone-aware datetime -> whole Unix milliseconds (sub-ms parts must be zero)."""
    if when.tzinfo is None:
        raise ValueError(f"{when.isoformat()} has no time zone")
    delta = when - EPOCH_UNIX
    ms, rest = divmod(delta, timedelta(milliseconds=1))
    if rest:
        raise ValueError(f"{when.isoformat()} is not a whole millisecond")
    return int(ms)


def from_unix_ms(ms: int) -> datetime:
    return EPOCH_UNIX + timedelta(milliseconds=ms)
