"""Simulated fixes and their ground truth, as the report kernels and tests see them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import numpy as np

from simulator import generate
from simulator.outputs.reference import road_table
from vts.reference.roadmatch import RoadIndex
from vts.rules.track import Track


def tracks(
    scenario: str, seed: int, start: datetime, seconds: float, vehicles: int, tick: float
) -> Iterator[Track]:
    """Each vehicle's ``vehicle_data`` fixes of the span, as a ``Track``."""
    batch = generate(scenario, seed, start, seconds, vehicles=vehicles, tick_seconds=tick)[
        "vehicle_data"
    ]
    c = batch.columns
    vid = c["vehicle_id"].astype(str)
    t = np.char.rstrip(c["ts"].astype(str), "Z").astype("datetime64[us]").astype(np.int64) / 1e6
    order = np.lexsort((t, vid))
    bounds = np.flatnonzero(np.r_[True, vid[order][1:] != vid[order][:-1], True])
    nan = np.full(t.size, np.nan)
    cols = [
        t,
        c["latitude"],
        c["longitude"],
        c["speed_kmh"],
        c["heading_deg"],
        c["odometer_km"],
        c["fuel_level_pct"],
        nan,
    ]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        idx = order[a:b]
        yield Track(str(vid[idx[0]]), *(np.asarray(x, dtype=np.float64)[idx] for x in cols))


def roads(scenario: str, radius_m: float) -> RoadIndex:
    return RoadIndex.build(road_table(scenario), radius_m)
