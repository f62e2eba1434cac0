"""Incidents: when they happen, what they are, and the segments they slow while active.

Each of a fleet's incident slots (``incident_slots``) runs one incident after another:
``Reported`` -> ``Active`` -> ``Resolved``, with one stable ``incident_id``. An incident's
*reporter* is a vehicle of the fleet (a hash of the incident picks it); the incident is
where that vehicle is at the report time, on the segment it is driving (or, standing at a
place, the segment it arrived by). While the incident is active, a vehicle entering that
segment drives it at ``slow_factor(severity)`` of its cruise speed.

The reporter's position is read from its drive *without* incident slowdowns (a drive
with them would depend on incidents that depend on drives...): a reporter that an
earlier incident held up is where it would have been, up to that delay.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model.hashing import integers, salt, uniform, uuid_bytes
from simulator.model.scenario import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

INCIDENT_UPDATE_MS = 300_000
INCIDENT_KINDS = ("Accident", "Breakdown", "Medical", "Fire", "Police")
_KIND_WEIGHT = np.cumsum([0.35, 0.25, 0.15, 0.10, 0.15])
_SEVERITY = np.array([[1, 5], [1, 2], [2, 4], [2, 5], [1, 3]])  # inclusive range per kind


def incident_slots(fleet_size: int) -> int:
    """Concurrent incident streams for a fleet (more vehicles, more incidents)."""
    return 4 + fleet_size // 250


def slow_factor(severity: I64) -> F64:
    """Share of the cruise speed kept on an incident's segment (severity 1: 65 %, 5: 25 %)."""
    return np.asarray(0.75 - 0.10 * severity)


def expand(counts: I64) -> tuple[I64, I64]:
    """For ``counts`` per group: each output's group and its number within the group."""
    group = np.repeat(np.arange(counts.size), counts)
    within = np.arange(group.size) - (np.cumsum(counts) - counts)[group]
    return group, within


@dataclass(frozen=True, eq=False)
class Schedule:
    """Incidents of some slots whose report time falls in a span (ms since the epoch)."""

    slot: I64
    number: I64
    code: np.ndarray  # uint64 hash counter
    reported_ms: I64
    active_ms: I64
    resolved_ms: I64
    kind: I64
    severity: I64
    reporter: I64  # fleet index
    incident_id: npt.NDArray[np.bytes_]

    def __len__(self) -> int:
        return int(self.slot.size)


def schedule(
    sc: Scenario, seed: int, fleet_size: int, slots: I64, t0_ms: int, t1_ms: int
) -> Schedule:
    """Incidents of ``slots`` reported in ``[t0_ms, t1_ms)``, in report-time order."""
    s = salt(sc.name, seed, "incident")
    period = (1_800_000 + 3_600_000 * uniform(s, slots, 1)).astype(np.int64)
    phase = (uniform(s, slots, 2) * period).astype(np.int64)
    j_lo = (t0_ms - phase) // period - 1
    j_hi = (t1_ms - phase) // period + 1
    slot_of, within = expand(np.maximum(j_hi - j_lo + 1, 0))
    slot = slots[slot_of]
    per = period[slot_of]
    j = j_lo[slot_of] + within
    ju = j.astype(np.uint64)  # a counter for the hashes (wraps for j < 0)
    code = np.uint64(1 << 32) * ju + slot.astype(np.uint64)
    start = j * per + phase[slot_of]
    reported = start + (0.2 * per * uniform(s ^ 3, code)).astype(np.int64)
    active = reported + 30_000 + (0.1 * per * uniform(s ^ 4, code)).astype(np.int64)
    resolved = active + (0.1 * per + 0.4 * per * uniform(s ^ 5, code)).astype(np.int64)
    keep = (reported >= t0_ms) & (reported < t1_ms)
    order = np.lexsort((slot[keep], reported[keep]))
    pick = np.flatnonzero(keep)[order]
    c = code[pick]
    kind = np.minimum(np.searchsorted(_KIND_WEIGHT, uniform(s ^ 6, c), "right"), 4)
    lo, hi = _SEVERITY[kind, 0], _SEVERITY[kind, 1]
    severity = lo + (uniform(s ^ 7, c) * (hi - lo + 1)).astype(np.int64)
    return Schedule(
        slot=slot[pick],
        number=j[pick],
        code=c,
        reported_ms=reported[pick],
        active_ms=active[pick],
        resolved_ms=resolved[pick],
        kind=kind,
        severity=severity,
        reporter=integers(s ^ 10, fleet_size, c),
        incident_id=uuid_bytes(s, slot[pick], j[pick]),
    )


@dataclass(frozen=True, eq=False)
class Incidents:
    """Placed incidents as the drive sees them: sorted by segment (``edge``)."""

    edge: I64
    active_us: I64
    resolved_us: I64
    factor: F64
    incident_id: npt.NDArray[np.bytes_]

    @classmethod
    def none(cls) -> Incidents:
        empty = np.empty(0, dtype=np.int64)
        return cls(empty, empty, empty, np.empty(0), np.empty(0, dtype="S36"))

    @classmethod
    def of(
        cls,
        edge: I64,
        active_us: I64,
        resolved_us: I64,
        factor: F64,
        incident_id: npt.NDArray[np.bytes_],
    ) -> Incidents:
        order = np.lexsort((active_us, edge))
        return cls(
            edge[order], active_us[order], resolved_us[order], factor[order], incident_id[order]
        )

    def affecting(self, edge: I64, entry_us: I64) -> tuple[F64, I64]:
        """(speed factor, incident (index here) or -1) for ``edge`` entered at ``entry_us``."""
        factor = np.ones(edge.size)
        row = np.full(edge.size, -1, dtype=np.int64)
        if self.edge.size == 0 or edge.size == 0:
            return factor, row
        # the incidents on the segment that became active by the entry: the latest few
        lo = np.searchsorted(self.edge, edge, "left")
        key = np.searchsorted(self._key, self._keys(edge, entry_us), "right") - 1
        for m in range(self._overlap):
            i = key - m
            ok = i >= lo
            i = np.maximum(i, 0)
            hit = ok & (self.active_us[i] <= entry_us) & (entry_us < self.resolved_us[i])
            better = hit & (self.factor[i] < factor)
            factor = np.where(better, self.factor[i], factor)
            row = np.where(better, i, row)
        return factor, row

    def _keys(self, edge: I64, t_us: I64) -> I64:
        t = np.clip(t_us - self._base, 0, (1 << 40) - 1)
        return np.asarray(edge * (1 << 40) + t)

    @functools.cached_property
    def _base(self) -> int:
        return int(self.active_us.min(initial=0))

    @functools.cached_property
    def _key(self) -> I64:
        return self._keys(self.edge, self.active_us)

    @functools.cached_property
    def _overlap(self) -> int:
        """How many of one segment's incidents can be active at once (at most)."""
        most = 1
        for lag in range(1, self.edge.size):
            same = self.edge[lag:] == self.edge[:-lag]
            if not same.any():
                break
            if (same & (self.resolved_us[:-lag] > self.active_us[lag:])).any():
                most = lag + 1
        return most
