"""The rules' parameters (the reports job's and the live alerts'), named once, with
Traccar's defaults where Traccar has one.

Traccar (``org.traccar.config.Keys``) is the reference: its trip logic (``report.trip.*``,
the "new logic" it enables by default), its position filter (``filter.*``) and its
overspeed event (``event.overspeed.*``). Where Traccar has no default (it disables the
rule), vts picks one and says so; every value can be overridden per build.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from vts.exceptions import ConfigError

KNOT_KMH = 1.852


@dataclass(frozen=True)
class ReportParams:
    """Every knob of the reports job. Times in seconds, distances in metres."""

    # -- trips and stops (Traccar report.trip.minDistance / minDuration / stopGap) --
    min_distance_m: float = 200.0
    """A vehicle that stays within this distance of where it stopped has not left."""
    min_duration_s: float = 180.0
    """A halt shorter than this is part of the trip (a traffic light), not a stop."""
    stop_gap_s: float = 3600.0
    """A gap without fixes longer than this is a stop, or (driven fast enough to cover it)
    a trip of its own between two stops."""
    speed_threshold_kmh: float = 0.01 * KNOT_KMH
    """Above this speed a fix is moving (Traccar event.motion.speedThreshold: 0.01 kn)."""
    lookback_s: float = 12 * 3600.0
    """How far into the day before a build reads, so trips and stops that cross midnight
    are whole. (vts; Traccar reads a report's own interval.)"""

    # -- fix filter (Traccar filter.*) --
    filter_future_s: float = 86400.0
    """Fixes more than this far ahead of the build's clock are rejected (filter.future)."""
    filter_max_speed_kmh: float = 300.0
    """A fix whose implied speed from the previous kept fix exceeds this is a jump
    (filter.maxSpeed; Traccar: no default, rule off)."""
    filter_max_hdop: float | None = None
    """Reject fixes with a larger HDOP (filter.accuracy is similar; off by default)."""

    # -- alerts --
    overspeed_multiplier: float = 1.0
    """Speeding is speed > limit x this (event.overspeed.thresholdMultiplier, 1.0)."""
    overspeed_min_duration_s: float = 15.0
    """An overspeed episode must last this long (event.overspeed.minimalDuration;
    Traccar: no default, 0). An episode starts at the fix before its first fast one."""
    road_max_distance_m: float = 30.0
    """A fix farther than this from every road segment is on no road (not judged)."""
    harsh_braking_ms2: float = 3.1
    """Deceleration between consecutive fixes at or above this is harsh braking
    (event.behavior.brakingThreshold; Traccar: no default, off. vts: just above the
    firmest normal braking the simulator's drivers do, 3.0 m/s^2)."""
    harsh_acceleration_ms2: float = 2.7
    """Acceleration at or above this is harsh (event.behavior.accelerationThreshold;
    Traccar: no default, off. vts: above the simulator's normal maximum, 2.5 m/s^2)."""
    silent_gap_s: float = 600.0
    """No fix for this long while not stopped (the vehicle was on a trip) is a silence
    alert (vts; Traccar's deviceOffline is a live status instead)."""
    low_fuel_pct: float = 15.0
    """Fuel or battery falling below this is a low-fuel alert (re-armed 5 points above)."""

    near_incident_radius_m: float = 1000.0
    """A vehicle this close to an active emergency incident is near it (vts; the same
    default as ``sql/analytics/vehicles_near_incidents.sql``'s ``radius_km``)."""

    # -- geofences --
    geofence_dwell_s: float = 60.0
    """A vehicle must stay inside (or outside) this long for an enter (exit) to count,
    so a drive-by fires nothing; a GeoJSON feature's ``dwell_s`` overrides it (vts;
    Traccar fires on the first fix inside)."""

    @property
    def min_average_speed_ms(self) -> float:
        """Covering a gap faster than this (min distance / min duration) is driving."""
        return self.min_distance_m / self.min_duration_s

    def with_overrides(self, items: dict[str, str]) -> ReportParams:
        """These parameters with ``name=value`` overrides (from ``--param`` or job args)."""
        known = {f.name: f for f in fields(self)}
        values: dict[str, Any] = {}
        for name, raw in items.items():
            if name not in known:
                raise ConfigError(
                    f"unknown report parameter {name!r}",
                    hint="one of: " + ", ".join(sorted(known)),
                )
            try:
                values[name] = None if raw.lower() in ("", "none") else float(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"report parameter {name}={raw!r} is not a number",
                    hint=f"e.g. {name}={getattr(self, name)}",
                ) from exc
        return replace(self, **values)

    def as_dict(self) -> dict[str, float | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_PARAMS = ReportParams()


def describe() -> dict[str, str]:
    """Each parameter's docstring (the string under its field above), on one line."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(ReportParams))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for field, doc in zip(body, body[1:], strict=False):
        if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name):
            if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
                docs[field.target.id] = " ".join(str(doc.value.value).split())
    return docs
