"""A vehicle's day on a map: a PNG (matplotlib) and a self-contained HTML page (inline SVG).

Both draw the same things in the same colours: the roads (grey), the geofences
(``FENCE_COLOURS`` by kind, translucent), the track coloured by speed (``SPEED_BANDS``),
stops (white discs ringed in blue) and alerts (red triangles). The HTML has no scripts or
external resources: it opens anywhere, offline, and a hover shows each mark's details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from vts.reports.dayview import DayView
from vts.rules.episode import shown

# (upper bound km/h, colour): the track's colour by speed
SPEED_BANDS = (
    (5.0, "#2c7bb6"),
    (30.0, "#00a651"),
    (50.0, "#f2c200"),
    (70.0, "#f47920"),
    (float("inf"), "#d7191c"),
)
FENCE_COLOURS = {"depot": "#6a3d9a", "low_emission_zone": "#33a02c", "school_zone": "#ff7f00"}
FENCE_DEFAULT = "#1f78b4"
ROAD_COLOUR = "#9a9a9a"
STOP_COLOUR = "#1f4e9c"
ALERT_COLOUR = "#e31a1c"


def speed_colour(kmh: float) -> str:
    for upper, colour in SPEED_BANDS:
        if kmh < upper:
            return colour
    return SPEED_BANDS[-1][1]


class _Frame:
    """Local equirectangular projection of the track's box (padded), y up."""

    def __init__(self, view: DayView, pad: float = 0.08) -> None:
        lat, lon = view.track.lat, view.track.lon
        self.lat0 = float(np.mean(lat)) if lat.size else 0.0
        self.k = float(np.cos(np.radians(self.lat0)))
        x, y = lon * self.k, lat
        span = max(float(np.ptp(x)) if x.size else 0.0, float(np.ptp(y)) if y.size else 0.0, 2e-3)
        cx = float(np.mean([x.min(), x.max()])) if x.size else 0.0
        cy = float(np.mean([y.min(), y.max()])) if y.size else 0.0
        half = span * (0.5 + pad)
        self.x0, self.x1, self.y0, self.y1 = cx - half, cx + half, cy - half, cy + half

    def xy(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(lon) * self.k, np.asarray(lat)

    def rows_xy(self, rows: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Where rows with a ``latitude`` and ``longitude`` (stops, alerts) are."""
        return self.xy(
            np.array([r["latitude"] for r in rows]), np.array([r["longitude"] for r in rows])
        )


def _segments(view: DayView) -> list[tuple[int, int, str]]:
    """Runs of consecutive hops of one colour: (first fix, last fix, colour)."""
    sp = np.nan_to_num(view.track.speed_kmh)
    runs: list[tuple[int, int, str]] = []
    for i in range(1, len(view.track)):
        c = speed_colour(float(sp[i]))
        if runs and runs[-1][2] == c and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i, c)
        else:
            runs.append((i - 1, i, c))
    return runs


def _title(view: DayView) -> str:
    counts = f"{len(view.track)} fixes, {len(view.stops)} stops, {len(view.alerts)} alerts"
    return f"{view.vehicle_id} on {view.day}: {counts}"


def write_png(view: DayView, path: Path, size_px: int = 1000) -> Path:
    try:
        import matplotlib
    except ImportError:
        from vts.exceptions import NotInstalledError

        raise NotInstalledError("matplotlib", hint="pip install matplotlib (or --no-png)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Polygon

    f = _Frame(view)
    fig, ax = plt.subplots(figsize=(size_px / 100, size_px / 100), dpi=100)
    try:
        segs = [
            f.xy(np.array([r["start_lat"], r["end_lat"]]), np.array([r["start_lon"], r["end_lon"]]))
            for r in view.roads
        ]
        ax.add_collection(
            LineCollection(
                [np.column_stack(s) for s in segs], colors=ROAD_COLOUR, linewidths=1.2, zorder=1
            )
        )
        for fence in view.fences:
            colour = FENCE_COLOURS.get(fence.kind, FENCE_DEFAULT)
            for rings in fence.polygons:
                x, y = f.xy(rings[0][:, 1], rings[0][:, 0])
                ax.add_patch(
                    Polygon(
                        np.column_stack([x, y]),
                        closed=True,
                        facecolor=colour,
                        alpha=0.18,
                        edgecolor=colour,
                        zorder=2,
                    )
                )
        tr = view.track
        x, y = f.xy(tr.lat, tr.lon)
        lines = [np.column_stack([x[a : b + 1], y[a : b + 1]]) for a, b, _ in _segments(view)]
        ax.add_collection(
            LineCollection(
                lines, colors=[c for _, _, c in _segments(view)], linewidths=3.0, zorder=3
            )
        )
        if view.stops:
            sx, sy = f.rows_xy(view.stops)
            ax.scatter(
                sx,
                sy,
                s=90,
                facecolor="white",
                edgecolor=STOP_COLOUR,
                linewidths=2.5,
                zorder=4,
                label="stop",
            )
        if view.alerts:
            axx, ayy = f.rows_xy(view.alerts)
            ax.scatter(
                axx,
                ayy,
                s=110,
                marker="^",
                color=ALERT_COLOUR,
                edgecolor="black",
                linewidths=0.6,
                zorder=5,
                label="alert",
            )
        ax.set_xlim(f.x0, f.x1)
        ax.set_ylim(f.y0, f.y1)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(_title(view), fontsize=11)
        handles = [
            plt.Line2D([], [], color=c, lw=3, label=_band_label(i))
            for i, (_, c) in enumerate(SPEED_BANDS)
        ]
        ax.legend(handles=handles, loc="lower right", fontsize=8, title="km/h", framealpha=0.9)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


def _band_label(i: int) -> str:
    lo = 0.0 if i == 0 else SPEED_BANDS[i - 1][0]
    hi = SPEED_BANDS[i][0]
    return f"{lo:g}+" if hi == float("inf") else f"{lo:g}-{hi:g}"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S")


def _el(tag: str, title: str, **attrs: object) -> str:
    """An SVG element with a hover title (``stroke_width`` -> ``stroke-width``)."""
    text = " ".join(f'{k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return f"<{tag} {text}><title>{escape(title)}</title></{tag}>"


def to_html(view: DayView, size_px: int = 1000) -> str:
    f = _Frame(view)
    scale = size_px / (f.x1 - f.x0)

    def px(lat: object, lon: object) -> tuple[np.ndarray, np.ndarray]:
        x, y = f.xy(
            np.atleast_1d(np.asarray(lat, dtype=float)), np.atleast_1d(np.asarray(lon, dtype=float))
        )
        return (x - f.x0) * scale, (f.y1 - y) * scale

    def pts(lat: object, lon: object) -> str:
        x, y = px(lat, lon)
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="map" width="{size_px}" '
        f'height="{size_px}" viewBox="0 0 {size_px} {size_px}" style="background:#fafafa">',
        '<g id="roads">',
    ]
    for r in view.roads:
        line = pts([r["start_lat"], r["end_lat"]], [r["start_lon"], r["end_lon"]])
        name = f"{r.get('road_name', '')} ({r['speed_limit_kmh']:g} km/h)"
        parts.append(
            _el("polyline", name, points=line, stroke=ROAD_COLOUR, stroke_width=2, fill="none")
        )
    parts.append('</g><g id="geofences">')
    for fence in view.fences:
        colour = FENCE_COLOURS.get(fence.kind, FENCE_DEFAULT)
        for rings in fence.polygons:
            ring = pts(rings[0][:, 1], rings[0][:, 0])
            parts.append(
                _el(
                    "polygon",
                    f"{fence.name} ({fence.kind})",
                    points=ring,
                    fill=colour,
                    fill_opacity=0.18,
                    stroke=colour,
                )
            )
    parts.append('</g><g id="track">')
    tr = view.track
    for a, b, colour in _segments(view):
        line = pts(tr.lat[a : b + 1], tr.lon[a : b + 1])
        parts.append(
            _el(
                "polyline",
                f"{_iso(tr.t[a])}-{_iso(tr.t[b])}",
                points=line,
                stroke=colour,
                stroke_width=5,
                fill="none",
                stroke_linejoin="round",
                stroke_linecap="round",
            )
        )
    parts.append('</g><g id="stops">')
    for st in view.stops:
        x, y = px(st["latitude"], st["longitude"])
        minutes = st["duration_s"] / 60
        title = f"stop {_iso(st['stop_start'])}, {minutes:.0f} min {st.get('place') or ''}"
        parts.append(
            _el(
                "circle",
                title,
                cx=f"{x[0]:.1f}",
                cy=f"{y[0]:.1f}",
                r=8,
                fill="white",
                stroke=STOP_COLOUR,
                stroke_width=4,
            )
        )
    parts.append('</g><g id="alerts">')
    for al in view.alerts:
        x, y = px(al["latitude"], al["longitude"])
        cx, cy = float(x[0]), float(y[0])
        tri = f"{cx:.1f},{cy - 10:.1f} {cx - 9:.1f},{cy + 7:.1f} {cx + 9:.1f},{cy + 7:.1f}"
        title = f"{al['alert']} at {_iso(al['start_ts'])}: {shown(al['value'])}"
        parts.append(_el("polygon", title, points=tri, fill=ALERT_COLOUR, stroke="black"))
    parts.append("</g></svg>")
    legend = " ".join(
        f'<span style="color:{c}">&#9632;</span> {_band_label(i)}'
        for i, (_, c) in enumerate(SPEED_BANDS)
    )
    title = escape(_title(view))
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{margin:0;font:14px sans-serif}header{padding:6px 10px}</style></head>"
        f"<body><header>{title} &middot; km/h: {legend}</header>{''.join(parts)}</body></html>\n"
    )


def write_html(view: DayView, path: Path, size_px: int = 1000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(view, size_px), encoding="utf-8")
    return path
