"""Which road segment a fix is on, and its speed limit (``vts.reference.roads``' table).

The rule is ``sql/analytics/speeding_events.sql``'s: a fix is on the nearest segment
within ``road_max_distance_m`` (point-to-segment distance on a local flat projection);
where several are equally near (a junction), on the one most aligned with its heading.
Candidates come from a grid of cells as large as the search radius, each listing the
segments whose box (grown by the radius) touches it, so a fix is compared with a few
segments rather than all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vts.geo import M_PER_DEG

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# the columns of the roads table (vts.reference.roads.ROADS) the matching reads
ROAD_FIELDS = ("road_id", "speed_limit_kmh", "start_lat", "start_lon", "end_lat", "end_lon")


@dataclass(frozen=True, eq=False)
class RoadIndex:
    road_id: tuple[str, ...]
    limit_kmh: F64
    a_lat: F64
    a_lon: F64
    b_lat: F64
    b_lon: F64
    radius_m: float
    cell_deg: float
    origin: tuple[int, int]  # the grid's first cell (lat, lon index)
    grid: I64  # (rows, cols, k): segment indexes per cell, -1 padded

    @classmethod
    def build(cls, rows: Sequence[Mapping[str, Any]], radius_m: float) -> RoadIndex:
        def col(name: str) -> F64:
            return np.array([float(r[name]) for r in rows], dtype=np.float64)

        a_lat, a_lon, b_lat, b_lon = (col(c) for c in ROAD_FIELDS[2:])
        lat0 = float(np.max(np.abs(np.concatenate([a_lat, b_lat])))) if rows else 0.0
        pad = 1.01 * radius_m / (M_PER_DEG * np.cos(np.radians(min(lat0, 89.0))))
        cell = max(pad, 1e-4)
        buckets: dict[tuple[int, int], list[int]] = {}
        for i in range(len(rows)):
            i0 = int(np.floor((min(a_lat[i], b_lat[i]) - pad) / cell))
            i1 = int(np.floor((max(a_lat[i], b_lat[i]) + pad) / cell))
            j0 = int(np.floor((min(a_lon[i], b_lon[i]) - pad) / cell))
            j1 = int(np.floor((max(a_lon[i], b_lon[i]) + pad) / cell))
            for ci in range(i0, i1 + 1):
                for cj in range(j0, j1 + 1):
                    buckets.setdefault((ci, cj), []).append(i)
        keys = np.array(list(buckets) or [(0, 0)], dtype=np.int64)
        lo = keys.min(axis=0)
        shape = keys.max(axis=0) - lo + 1
        k = max((len(v) for v in buckets.values()), default=1)
        grid = np.full((int(shape[0]), int(shape[1]), k), -1, dtype=np.int64)
        for (ci, cj), segs in buckets.items():
            grid[ci - lo[0], cj - lo[1], : len(segs)] = segs
        return cls(
            tuple(str(r["road_id"]) for r in rows),
            col("speed_limit_kmh"),
            a_lat,
            a_lon,
            b_lat,
            b_lon,
            radius_m,
            cell,
            (int(lo[0]), int(lo[1])),
            grid,
        )

    def match(self, lat: F64, lon: F64, heading_deg: F64) -> I64:
        """Per fix, the index of its segment, or -1 when no segment is near enough."""
        out = np.full(lat.size, -1, dtype=np.int64)
        if lat.size == 0 or not self.road_id:
            return out
        ci = np.floor(lat / self.cell_deg).astype(np.int64) - self.origin[0]
        cj = np.floor(lon / self.cell_deg).astype(np.int64) - self.origin[1]
        inside = (ci >= 0) & (ci < self.grid.shape[0]) & (cj >= 0) & (cj < self.grid.shape[1])
        at = np.flatnonzero(inside)
        cand = self.grid[ci[at], cj[at]]  # (n, k)
        seg = np.maximum(cand, 0)
        k = np.cos(np.radians(self.a_lat[seg])) * M_PER_DEG
        px = (lon[at, None] - self.a_lon[seg]) * k
        py = (lat[at, None] - self.a_lat[seg]) * M_PER_DEG
        dx = (self.b_lon - self.a_lon)[seg] * k
        dy = (self.b_lat - self.a_lat)[seg] * M_PER_DEG
        t = np.clip((px * dx + py * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
        dist = np.where(cand >= 0, np.hypot(px - t * dx, py - t * dy), np.inf)
        heading = np.radians(np.nan_to_num(heading_deg[at]))[:, None]
        misalign = np.abs(np.sin(heading - np.arctan2(dx, dy)))
        # nearest first; within 10 cm of each other, the most aligned
        best = np.argmin(np.round(dist, 2) * 10.0 + misalign, axis=1)
        rows = np.arange(at.size)
        near = dist[rows, best] <= self.radius_m
        out[at] = np.where(near, cand[rows, best], -1)
        return out

    def limits(self, lat: F64, lon: F64, heading_deg: F64) -> F64:
        """Per fix, the speed limit (km/h) of its segment, NaN off the roads."""
        seg = self.match(lat, lon, heading_deg)
        return np.where(seg >= 0, self.limit_kmh[np.maximum(seg, 0)], np.nan)
