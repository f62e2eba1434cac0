"""Helpers for reading event batches the way a consumer would (by vehicle, in time order)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator import EventBatch


def times_s(batch: EventBatch) -> npt.NDArray[np.float64]:
    """Event times as seconds since the Unix epoch (from the ISO ``ts`` text)."""
    text = np.char.rstrip(batch.columns["ts"], b"Z").astype(str)
    return text.astype("datetime64[ms]").astype(np.int64) / 1000.0


def consecutive(batch: EventBatch, entity: str = "vehicle_id") -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (previous, next) of consecutive events of the same entity in time order."""
    ids = batch.columns[entity]
    order = np.lexsort((times_s(batch), ids))
    prev, nxt = order[:-1], order[1:]
    same = ids[prev] == ids[nxt]
    return prev[same], nxt[same]
