"""A vehicle's day as GPX 1.1 (a track, stops as waypoints) or GeoJSON (line and points)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from vts.reports.dayview import DayView

TIME_KEYS = ("stop_start", "stop_end", "start_ts", "end_ts")


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_gpx(view: DayView) -> str:
    tr = view.track
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="vts" xmlns="http://www.topografix.com/GPX/1/1">',
    ]
    for s in view.stops:
        name = f"stop {_iso(s['stop_start'])} ({s['duration_s'] / 60:.0f} min)"
        lines.append(
            f'  <wpt lat="{s["latitude"]:.6f}" lon="{s["longitude"]:.6f}"><time>'
            f"{_iso(s['stop_start'])}</time><name>{escape(name)}</name>"
            f"<type>stop</type></wpt>"
        )
    for a in view.alerts:
        lines.append(
            f'  <wpt lat="{a["latitude"]:.6f}" lon="{a["longitude"]:.6f}"><time>'
            f"{_iso(a['start_ts'])}</time><name>{escape(a['alert'])}</name><type>alert</type></wpt>"
        )
    lines.append(f"  <trk><name>{escape(view.vehicle_id)} {view.day}</name><trkseg>")
    for i in range(len(tr)):
        lines.append(
            f'    <trkpt lat="{tr.lat[i]:.6f}" lon="{tr.lon[i]:.6f}"><time>{_iso(tr.t[i])}</time>'
            f"<extensions><speed_kmh>{tr.speed_kmh[i]:.1f}</speed_kmh></extensions></trkpt>"
        )
    lines += ["  </trkseg></trk>", "</gpx>", ""]
    return "\n".join(lines)


def to_geojson(view: DayView) -> dict[str, Any]:
    tr = view.track
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {
                "kind": "track",
                "vehicle_id": view.vehicle_id,
                "day": str(view.day),
                "times": [_iso(t) for t in tr.t],
                "speed_kmh": [round(float(v), 1) for v in tr.speed_kmh],
            },
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [round(float(x), 6), round(float(y), 6)]
                    for x, y in zip(tr.lon, tr.lat, strict=True)
                ],
            },
        }
    ]
    for kind, rows in (("stop", view.stops), ("alert", view.alerts)):
        for r in rows:
            props = {k: _iso(v) if k in TIME_KEYS and v is not None else v for k, v in r.items()}
            point = [r.get("longitude"), r.get("latitude")]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": kind, **props},
                    "geometry": {"type": "Point", "coordinates": point},
                }
            )
    return {"type": "FeatureCollection", "features": features}
