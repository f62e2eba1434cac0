"""``EventBatch``: the events of one topic as numpy columns (the simulator's output unit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.events import jsonenc
from vts.contract.events import event_type
from vts.contract.topics import topic as topic_info

Bytes = npt.NDArray[np.bytes_]


@dataclass(frozen=True, eq=False)
class EventBatch:
    """Events of one topic, columnar.

    ``columns`` maps every field of the topic's contract (in contract order) to a numpy
    array: ``S`` byte strings for strings and ``ts`` (ISO 8601 with ``Z``), ``float64``
    rounded to the decimals the JSON carries (``jsonenc.DECIMALS``), ``int64`` for integers.
    ``keys`` holds each event's Kafka key (the entity id: vehicle, camera, station or
    incident, as ``vts.contract.topics`` says). Build one with ``EventBatch.build``.
    """

    topic: str
    keys: Bytes
    columns: Mapping[str, np.ndarray]

    @classmethod
    def build(cls, topic: str, columns: Mapping[str, npt.ArrayLike]) -> EventBatch:
        """Check the columns against the contract, round doubles, derive the keys."""
        et = event_type(topic)
        missing = [f for f in et.field_names if f not in columns]
        extra = [f for f in columns if f not in et.field_names]
        if missing or extra:
            raise ValueError(f"{topic} columns: missing {missing}, unknown {extra}")
        arrays = {name: np.asarray(columns[name]) for name in et.field_names}
        sizes = {a.shape for a in arrays.values()}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise ValueError(f"{topic} columns must be 1-d and equally long, got {sizes}")
        for f in et.fields:
            if f.type == "double":
                decimals = jsonenc.DECIMALS.get(f.name, jsonenc.DEFAULT_DECIMALS)
                arrays[f.name] = np.round(arrays[f.name].astype(np.float64), decimals)
            elif f.type == "int":
                arrays[f.name] = arrays[f.name].astype(np.int64)
            elif arrays[f.name].dtype.kind != "S":
                arrays[f.name] = arrays[f.name].astype("S")
        return cls(topic, arrays[topic_info(topic).key_field], arrays)

    @classmethod
    def empty(cls, topic: str) -> EventBatch:
        et = event_type(topic)
        cols = {
            f.name: np.empty(0, dtype="S1" if f.type in ("string", "timestamp") else np.float64)
            for f in et.fields
        }
        return cls.build(topic, cols)

    @classmethod
    def concat(cls, topic: str, batches: Sequence[EventBatch]) -> EventBatch:
        """One batch of ``batches`` (all of ``topic``) in order."""
        parts = [b for b in batches if len(b)]
        if not parts:
            return cls.empty(topic)
        if any(b.topic != topic for b in parts):
            raise ValueError(f"cannot concatenate batches of other topics into {topic}")
        names = event_type(topic).field_names
        return cls.build(topic, {n: np.concatenate([b.columns[n] for b in parts]) for n in names})

    def __len__(self) -> int:
        return int(self.keys.shape[0])

    def take(self, rows: npt.ArrayLike | slice) -> EventBatch:
        """A batch of the selected rows (a slice, indices or a boolean mask)."""
        sel = rows if isinstance(rows, slice) else np.asarray(rows)
        return EventBatch(self.topic, self.keys[sel], {n: c[sel] for n, c in self.columns.items()})

    @property
    def event_ids(self) -> Bytes:
        return self.columns["event_id"]

    def to_records(self) -> list[dict[str, Any]]:
        """Events as JSON-shaped dicts (what ``json.loads`` of each JSON line gives)."""
        names = list(self.columns)
        values = []
        for n in names:
            col = self.columns[n]
            values.append(col.astype(str).tolist() if col.dtype.kind == "S" else col.tolist())
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]

    def to_json_bytes(self, *, envelope: bool = False) -> bytes:
        """All events as newline-terminated JSON lines in one ``bytes``.

        ``envelope=True`` wraps each as ``{"topic": ..., "key": ..., "value": {...}}``.
        """
        cols = dict(self.columns)
        cols["__key__"] = self.keys
        return jsonenc.encode(_layout(self.topic, envelope), cols, len(self))

    def to_json_lines(self) -> list[bytes]:
        """Each event's JSON (UTF-8, no newline): the Kafka message values."""
        cols = dict(self.columns)
        cols["__key__"] = self.keys
        lines: list[bytes] = []
        for chunk in jsonenc.encode_chunks(_layout(self.topic, False), cols, len(self)):
            lines += chunk.split(b"\n")
            lines.pop()  # after the chunk's last newline
        return lines


_LAYOUTS: dict[tuple[str, bool], tuple[jsonenc.Segment, ...]] = {}


def _layout(topic: str, envelope: bool) -> tuple[jsonenc.Segment, ...]:
    key = (topic, envelope)
    if key not in _LAYOUTS:
        _LAYOUTS[key] = jsonenc.layout(topic, envelope=envelope)
    return _LAYOUTS[key]
