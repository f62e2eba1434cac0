"""What ``vts simulate`` has produced: spans of simulated time, per fleet and destination.

The Lambda never sends a completed window twice: Powertools Idempotency records it under
``window_key`` (``functions/simulator_producer``). ``vts simulate`` walks a span of many
windows, so its record is the union of the spans it has produced, kept in a JSON file under
``$VTS_HOME/simulator/produced/`` per ``key`` (scenario, seed, fleet, shard, tick, topic
prefix and the Kafka cluster's id: a new local broker is a new cluster, so the record of an
old one never holds a window back). A rerun sends only what the record lacks
(``missing``); ``--resend`` sends the whole span again.

A span is recorded (``record``) only after the broker acknowledged all of its events
(after ``flush``). Events are a pure function of (scenario, seed, window) and consecutive
windows compose, so a span may be produced in pieces and the pieces need not line up with
an earlier run's windows.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.model.window import iso, parse_time


@dataclass(frozen=True)
class Span:
    """``[start, end)`` of simulated time (aware UTC)."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def __str__(self) -> str:
        return f"{iso(self.start)}..{iso(self.end)}"


def minus(span: Span, parts: list[Span]) -> list[Span]:
    """The parts of ``span`` that none of ``parts`` (sorted by start) covers, in order."""
    gaps, cursor = [], span.start
    for part in parts:
        if part.end <= cursor or part.start >= span.end:
            continue
        if part.start > cursor:
            gaps.append(Span(cursor, part.start))
        cursor = max(cursor, part.end)
    if cursor < span.end:
        gaps.append(Span(cursor, span.end))
    return gaps


class Ledger:
    """The spans produced under one ``key``, in ``<root>/<hash of key>.json``."""

    def __init__(self, root: Path, key: Mapping[str, Any]) -> None:
        self.key = dict(key)
        text = json.dumps(self.key, sort_keys=True, default=str)
        self.path = root / f"{hashlib.sha256(text.encode()).hexdigest()[:24]}.json"

    def produced(self) -> list[Span]:
        if not self.path.exists():
            return []
        doc = json.loads(self.path.read_text(encoding="utf-8"))
        return [Span(parse_time(a), parse_time(b)) for a, b in doc["produced"]]

    def missing(self, span: Span) -> list[Span]:
        """The parts of ``span`` not produced yet, in time order."""
        return minus(span, self.produced())

    def record(self, span: Span) -> None:
        """Add ``span`` (merged with what touches it); the file is replaced atomically."""
        merged: list[Span] = []
        for done in sorted([*self.produced(), span], key=lambda s: s.start):
            if merged and done.start <= merged[-1].end:
                last = merged.pop()
                done = Span(last.start, max(last.end, done.end))
            merged.append(done)
        doc = {"key": self.key, "produced": [[iso(s.start), iso(s.end)] for s in merged]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        scratch.replace(self.path)
