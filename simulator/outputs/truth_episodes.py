"""The truth's episodes on a leg's items (``dynamics.Items``), and the span they fall in.

``Span``: a simulated span, its ticks, and whether a fix shows zero speed (as the events
round it). ``item_rows``: the rows a walk's items give inside the span: traffic-light
halts, overspeed and harsh episodes, and the segments incidents slowed (``truth`` lists
them; dwells, GPS outages and incidents it reads off the walks and schedules itself).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.model import days, dynamics, timeline
from simulator.model import fleet as fleet_mod

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def ceil_to(a: I64, b: int) -> I64:
    return np.asarray(-((-a) // b) * b)


def floor_to(a: I64, b: int) -> I64:
    return np.asarray((a // b) * b)


class Span:
    """The span, its ticks, and the fix speeds the events carry (as ``telemetry`` does)."""

    def __init__(self, fleet: fleet_mod.Fleet, t0_us: int, t1_us: int, tick_us: int) -> None:
        self.fleet, self.t0, self.t1, self.tick = fleet, t0_us, t1_us, tick_us
        self.first_tick = int(ceil_to(np.array([t0_us]), tick_us)[0])
        self.last_tick = int(ceil_to(np.array([t1_us]), tick_us)[0]) - tick_us

    def zero_speed(self, vehicle: I64, t_us: I64) -> npt.NDArray[np.bool_]:
        """Whether the fix at ``t_us`` shows 0.00 km/h (the event's rounded speed)."""
        both = days.state(
            self.fleet, np.concatenate([vehicle, vehicle]), np.concatenate([t_us - self.tick, t_us])
        ).distance_m
        n = vehicle.size
        speed = (both[n:] - both[:n]) / (self.tick / 1e6) * 3.6
        return np.asarray(np.round(speed, 2) == 0.0)

    def zero_run(self, vehicle: I64, start_us: I64, end_us: I64) -> tuple[I64, I64]:
        """First and last fix at zero speed of stays ``[start_us, end_us]`` (in the span)."""
        first = ceil_to(start_us, self.tick)
        first = np.where(self.zero_speed(vehicle, first), first, first + self.tick)
        last = floor_to(end_us, self.tick)
        later = last + self.tick
        last = np.where(self.zero_speed(vehicle, later), later, last)
        return self.clip(first, last)

    def clip(self, first: I64, last: I64) -> tuple[I64, I64]:
        return np.maximum(first, self.first_tick), np.minimum(last, self.last_tick)


def item_rows(
    fleet: fleet_mod.Fleet,
    w: timeline.Walk,
    legs: I64,
    it: dynamics.Items,
    span: Span,
    tables: dict[str, list[dict[str, Any]]],
    epoch_us: int,
) -> None:
    """The rows the items of walk ``w``'s legs ``legs`` give inside the span: light halts,
    overspeed and harsh episodes, incident effects."""
    rows = ItemRows(fleet, w, legs, it, span, epoch_us)
    seg = ~it.halt & rows.inside
    tables["halts"].extend(rows.halts(np.flatnonzero(rows.inside & it.red)))
    over = np.flatnonzero(seg & (it.speed_peak_mps > it.limit_mps))
    tables["overspeed"].extend(rows.overspeed(int(i)) for i in over)
    for kind, mask in (("harsh_acceleration", it.harsh_accel), ("harsh_braking", it.harsh_brake)):
        tables["harsh"].extend(rows.harsh(int(i), kind) for i in np.flatnonzero(seg & mask))
    hit = np.flatnonzero(seg & (it.incident >= 0))
    tables["incident_effects"].extend(rows.incident_effect(int(i)) for i in hit)


class ItemRows:
    """Truth rows from items (``i``: an item's index), with their vehicle, road and place."""

    def __init__(
        self,
        fleet: fleet_mod.Fleet,
        w: timeline.Walk,
        legs: I64,
        it: dynamics.Items,
        span: Span,
        epoch_us: int,
    ) -> None:
        self.sc, self.w, self.it, self.span, self.epoch_us = fleet.scenario, w, it, span, epoch_us
        self.vehicle = w.legs.row[legs[it.leg]]  # per item: the fleet row
        self.vehicle_id = fleet.vehicle_id
        self.end_us = it.start_us + it.dur_us
        self.inside = (self.end_us > span.t0) & (it.start_us < span.t1)

    def who(self, i: int) -> str:
        return str(self.vehicle_id[self.vehicle[i]].decode())

    def road(self, i: int) -> dict[str, Any]:
        e = int(self.it.edge[i])
        return {
            "road_id": self.sc.edge_id[e].decode(),
            "road_name": self.sc.edge_name[e],
            "speed_limit_kmh": float(self.sc.edge_limit_kmh[e]),
        }

    def at(self, i: int, t_us: int) -> dict[str, float]:
        sc, it = self.sc, self.it
        x, _ = dynamics.motion(it, np.array([i]), np.array([t_us]))
        f = float(x[0] / it.len_m[i]) if it.len_m[i] > 0 else 0.0
        a, b = int(it.node_a[i]), int(it.node_b[i])
        lat = sc.node_lat[a] + f * (sc.node_lat[b] - sc.node_lat[a])
        lon = sc.node_lon[a] + f * (sc.node_lon[b] - sc.node_lon[a])
        return {"latitude": round(float(lat), 6), "longitude": round(float(lon), 6)}

    def halts(self, halts: I64) -> list[dict[str, Any]]:
        """Red-light halts: where, how long, and their first and last fix at zero speed."""
        if not halts.size:
            return []
        it, epoch_us = self.it, self.epoch_us
        first, last = self.span.zero_run(
            self.vehicle[halts], it.start_us[halts], self.end_us[halts]
        )
        return [
            {
                "vehicle_id": self.who(i),
                "node": int(it.node_b[i]),
                **self.road(i),
                **self.at(i, int(it.start_us[i])),
                "start_us": int(it.start_us[i]) + epoch_us,
                "end_us": int(self.end_us[i]) + epoch_us,
                "duration_s": round(int(it.dur_us[i]) / 1e6, 3),
                "first_fix_us": int(first[j]) + epoch_us if first[j] <= last[j] else None,
                "last_fix_us": int(last[j]) + epoch_us if first[j] <= last[j] else None,
            }
            for j, i in enumerate(halts)
        ]

    def overspeed(self, i: int) -> dict[str, Any]:
        """From reaching the limit while accelerating to falling under it while braking."""
        it, epoch_us = self.it, self.epoch_us
        reaches_limit_s = (it.limit_mps[i] - it.speed_in_mps[i]) / it.accel_mps2[i]
        braking_to_limit_s = (it.speed_peak_mps[i] - it.limit_mps[i]) / it.decel_mps2[i]
        s = int(it.start_us[i]) + int(round(reaches_limit_s * 1e6))
        e = int(it.start_us[i]) + int(
            round((it.accel_s[i] + it.cruise_s[i] + braking_to_limit_s) * 1e6)
        )
        tick = self.span.tick
        f, la = self.span.clip(ceil_to(np.array([s + tick]), tick), floor_to(np.array([e]), tick))
        return {
            "vehicle_id": self.who(i),
            **self.road(i),
            **self.at(i, s),
            "start_us": s + epoch_us,
            "end_us": e + epoch_us,
            "peak_kmh": round(float(it.speed_peak_mps[i] * 3.6), 2),
            "first_fix_us": int(f[0]) + epoch_us if f[0] <= la[0] else None,
            "last_fix_us": int(la[0]) + epoch_us if f[0] <= la[0] else None,
        }

    def harsh(self, i: int, kind: str) -> dict[str, Any]:
        """A harsh acceleration (the segment's acceleration phase) or braking (its braking)."""
        it, epoch_us = self.it, self.epoch_us
        t_seg = int(it.start_us[i])
        if kind == "harsh_acceleration":
            s, e, peak = t_seg, t_seg + int(round(it.accel_s[i] * 1e6)), float(it.accel_mps2[i])
            v_from, v_to = it.speed_in_mps[i], it.speed_peak_mps[i]
        else:
            s = t_seg + int(round((it.accel_s[i] + it.cruise_s[i]) * 1e6))
            e, peak = int(self.end_us[i]), float(it.decel_mps2[i])
            v_from, v_to = it.speed_peak_mps[i], it.speed_out_mps[i]
        return {
            "vehicle_id": self.who(i),
            "kind": kind,
            **self.road(i),
            **self.at(i, s),
            "start_us": s + epoch_us,
            "end_us": e + epoch_us,
            "peak_ms2": round(peak, 3),
            "speed_from_kmh": round(float(v_from * 3.6), 2),
            "speed_to_kmh": round(float(v_to * 3.6), 2),
        }

    def incident_effect(self, i: int) -> dict[str, Any]:
        """A segment driven slower for an incident on it."""
        it, incidents = self.it, self.w.incidents
        return {
            "vehicle_id": self.who(i),
            "incident_id": incidents.incident_id[it.incident[i]].decode(),
            **self.road(i),
            "start_us": int(it.start_us[i]) + self.epoch_us,
            "end_us": int(self.end_us[i]) + self.epoch_us,
            "speed_factor": round(float(incidents.factor[it.incident[i]]), 3),
            "peak_kmh": round(float(it.speed_peak_mps[i] * 3.6), 2),
        }
