"""Columnar JSON-lines encoding in numpy: a whole batch without a per-event Python loop.

Each row is laid out in a ``uint8`` matrix of fixed width: literal text (``{"speed_kmh":``),
string bytes, and numbers written digit by digit from fixed-point integers. Bytes that a
shorter value does not use stay 0 and are squeezed out at the end, so every line is
compact JSON. The result is exactly what ``json.dumps`` of the rounded values would mean
(numbers keep at least one decimal so doubles stay doubles, e.g. ``27.0``).

Strings must be printable ASCII without ``"`` or ``\\`` (the simulator's are); a batch with
any other string falls back to ``json.dumps`` so the output is always valid JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vts.contract.events import event_type

# decimals written per double field (values are rounded to these when a batch is built)
DECIMALS: dict[str, int] = {
    "latitude": 6,
    "longitude": 6,
    "speed_kmh": 2,
    "heading_deg": 2,
    "odometer_km": 3,
    "fuel_level_pct": 2,
    "altitude_m": 1,
    "hdop": 2,
    "measured_speed_kmh": 1,
    "temperature_c": 2,
    "precipitation_mm": 2,
    "wind_speed_kmh": 1,
    "aqi": 1,
}
DEFAULT_DECIMALS = 3
CHUNK_ROWS = 8192


@dataclass(frozen=True)
class Segment:
    """One piece of a row: literal text, a string column, or a number column."""

    kind: str  # "lit" | "str" | "num"
    text: bytes = b""
    column: str = ""
    int_digits: int = 0
    decimals: int = 0
    signed: bool = False


def _digits(bound: float) -> int:
    return len(str(int(abs(bound))))


def layout(topic: str, *, envelope: bool = False) -> tuple[Segment, ...]:
    """The segments of one ``topic`` row (``envelope``: ``{"topic","key","value"}`` around it)."""
    et = event_type(topic)
    segs: list[Segment] = []
    if envelope:
        segs += [
            Segment("lit", text=b'{"topic":"' + topic.encode() + b'","key":"'),
            Segment("str", column="__key__"),
            Segment("lit", text=b'","value":'),
        ]
    for i, f in enumerate(et.fields):
        head = (b"{" if i == 0 else b",") + b'"' + f.name.encode() + b'":'
        if f.type in ("string", "timestamp"):
            segs += [Segment("lit", text=head + b'"'), Segment("str", column=f.name)]
            segs.append(Segment("lit", text=b'"'))
            continue
        segs.append(Segment("lit", text=head))
        lo = f.minimum if f.minimum is not None else -1e15
        hi = f.maximum if f.maximum is not None else 1e15
        decimals = DECIMALS.get(f.name, DEFAULT_DECIMALS) if f.type == "double" else 0
        segs.append(
            Segment(
                "num",
                column=f.name,
                int_digits=max(_digits(lo), _digits(hi)),
                decimals=decimals,
                signed=lo < 0,
            )
        )
    segs.append(Segment("lit", text=b"}}\n" if envelope else b"}\n"))
    return tuple(_merge(segs))


def _merge(segs: Sequence[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for s in segs:
        if out and s.kind == "lit" and out[-1].kind == "lit":
            out[-1] = Segment("lit", text=out[-1].text + s.text)
        else:
            out.append(s)
    return out


def _safe_strings(col: npt.NDArray[np.bytes_]) -> bool:
    raw = np.ascontiguousarray(col).view(np.uint8)
    bad = ((raw > 0) & (raw < 0x20)) | (raw == 0x22) | (raw == 0x5C) | (raw >= 0x7F)
    return not bool(bad.any())


def _width(seg: Segment, columns: Mapping[str, np.ndarray]) -> int:
    if seg.kind == "lit":
        return len(seg.text)
    if seg.kind == "str":
        return int(columns[seg.column].dtype.itemsize)
    return int(seg.signed) + seg.int_digits + (1 + seg.decimals if seg.decimals else 0)


def _put_number(out: np.ndarray, at: int, seg: Segment, values: np.ndarray) -> None:
    d = seg.decimals
    scaled = np.rint(values * 10.0**d).astype(np.int64) if d else values.astype(np.int64)
    mag = np.abs(scaled)
    nd = seg.int_digits + d
    if mag.size and int(mag.max()) >= 10**nd:
        raise ValueError(f"{seg.column} has a value too large for its contract bounds")
    if seg.signed:
        out[:, at] = np.where(scaled < 0, ord("-"), 0)
        at += 1
    point = at + seg.int_digits  # column of the decimal point (when d > 0)
    q = mag.copy()
    trailing = np.ones(mag.shape, dtype=bool)  # all decimal digits so far (from the right) are 0
    for k in range(nd):  # k = 0 is the least significant digit
        rest = q // 10  # division by a constant: numpy's fast path (no modulo needed)
        digit = (q - rest * 10).astype(np.uint8)
        q = rest
        if k < d:
            col = point + d - k
            trailing &= digit == 0
            shown = ~trailing if k < d - 1 else np.ones(mag.shape, dtype=bool)
        else:
            col = point - 1 - (k - d)
            shown = mag >= 10**k if k > d else np.ones(mag.shape, dtype=bool)
        out[:, col] = np.where(shown, digit + 48, 0)
    if d:
        out[:, point] = ord(".")


def encode(segments: Sequence[Segment], columns: Mapping[str, np.ndarray], rows: int) -> bytes:
    """Rows ``0 .. rows-1`` of ``columns`` as newline-terminated JSON lines (one ``bytes``)."""
    return b"".join(encode_chunks(segments, columns, rows))


def encode_chunks(
    segments: Sequence[Segment], columns: Mapping[str, np.ndarray], rows: int
) -> list[bytes]:
    """Like ``encode``, in pieces of up to ``CHUNK_ROWS`` whole lines each."""
    for seg in segments:
        if seg.kind == "str" and not _safe_strings(columns[seg.column]):
            return [_encode_slow(segments, columns, rows)]
    widths = [_width(s, columns) for s in segments]
    total = sum(widths)
    parts: list[bytes] = []
    for start in range(0, rows, CHUNK_ROWS):
        stop = min(rows, start + CHUNK_ROWS)
        out = np.zeros((stop - start, total), dtype=np.uint8)
        at = 0
        for seg, w in zip(segments, widths, strict=True):
            if seg.kind == "lit":
                out[:, at : at + w] = np.frombuffer(seg.text, dtype=np.uint8)
            elif seg.kind == "str":
                col = np.ascontiguousarray(columns[seg.column][start:stop])
                out[:, at : at + w] = col.view(np.uint8).reshape(stop - start, w)
            else:
                _put_number(out, at, seg, np.asarray(columns[seg.column][start:stop]))
            at += w
        parts.append(out[out != 0].tobytes())
    return parts


def python_value(seg: Segment, value: Any) -> Any:
    if seg.kind == "str":
        return value.decode() if isinstance(value, bytes) else str(value)
    if seg.decimals:
        return round(float(value), seg.decimals)
    return int(value)


def _encode_slow(
    segments: Sequence[Segment], columns: Mapping[str, np.ndarray], rows: int
) -> bytes:
    """Reference encoder through ``json.dumps`` (used when a string needs escaping)."""
    fields = [s for s in segments if s.kind != "lit"]
    envelope = bool(fields) and fields[0].column == "__key__"
    lines = []
    for i in range(rows):
        record = {s.column: python_value(s, columns[s.column][i]) for s in fields}
        if envelope:
            key = record.pop("__key__")
            topic = segments[0].text.split(b'"')[3].decode()
            record = {"topic": topic, "key": key, "value": record}
        lines.append(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
    return "".join(line + "\n" for line in lines).encode()
