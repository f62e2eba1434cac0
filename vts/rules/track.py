"""One vehicle's fixes as numpy columns, time-ordered: what every report kernel reads.

The Spark side hands each vehicle's rows to the kernels as a pandas frame
(``applyInPandas``); ``Track.from_frame`` turns it into arrays once. Times are seconds
since the Unix epoch (float), speeds km/h. Distances use ``vts.geo``'s haversine, the one
implementation in the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vts.geo import haversine_m

if TYPE_CHECKING:
    import pandas as pd

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

OPTIONAL = ("odometer_km", "fuel_level_pct", "hdop")


@dataclass(frozen=True)
class Track:
    """A vehicle's fixes, sorted by time (``event_id`` breaks ties)."""

    vehicle_id: str
    t: F64
    lat: F64
    lon: F64
    speed_kmh: F64
    heading_deg: F64
    odometer_km: F64
    fuel_pct: F64
    hdop: F64

    def __len__(self) -> int:
        return int(self.t.size)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Track:
        """From a frame with ``vehicle_id, ts`` (timestamp), ``latitude, longitude,
        speed_kmh`` and optionally ``heading_deg, odometer_km, fuel_level_pct, hdop``."""
        order = ["ts", "event_id"] if "event_id" in frame.columns else ["ts"]
        frame = frame.sort_values(order, kind="stable")
        n = len(frame)
        ts = frame["ts"]
        if hasattr(ts, "dt") and ts.dt.tz is not None:
            ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
        t = ts.to_numpy(dtype="datetime64[us]").astype(np.int64) / 1e6

        def col(name: str) -> F64:
            if name in frame.columns:
                return frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
            return np.full(n, np.nan)

        vid = str(frame["vehicle_id"].iloc[0]) if n else ""
        return cls(
            vid,
            t,
            col("latitude"),
            col("longitude"),
            col("speed_kmh"),
            col("heading_deg"),
            col("odometer_km"),
            col("fuel_level_pct"),
            col("hdop"),
        )

    def take(self, keep: Bool | npt.NDArray[np.int64]) -> Track:
        return Track(
            self.vehicle_id,
            self.t[keep],
            self.lat[keep],
            self.lon[keep],
            self.speed_kmh[keep],
            self.heading_deg[keep],
            self.odometer_km[keep],
            self.fuel_pct[keep],
            self.hdop[keep],
        )

    def hops_m(self) -> F64:
        """Distance from each fix to the next (``len - 1`` values)."""
        if len(self) < 2:
            return np.zeros(0)
        return haversine_m(self.lat[:-1], self.lon[:-1], self.lat[1:], self.lon[1:])
