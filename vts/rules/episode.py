"""An alert episode as every rule reports it, its identity, and the state a rule carries.

A rule (``vts.rules.driving``, ``vts.rules.places``) takes a vehicle's new fixes (a
``Track`` of fixes later than any it saw before) and its carried state, and returns the
new state and the episodes the fixes started, continued or ended. Folding a day's fixes
through a rule in one batch or in many gives the same episodes (``tests/rules``): the
reports job folds a day in one batch, the live handler one batch of the stream at a time.

An episode's identity is ``(vehicle_id, alert, subject, start)``: ``subject`` is what it is
about where a vehicle can have several at once (a geofence's id, an incident's id), else
empty. ``alert_id`` is a digest of it, so a retried or replayed batch names the same
alert, and an episode's end updates the alert its start raised.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass
from typing import Any

State = dict[str, Any]  # JSON-able: the live store keeps it between batches


def shown(value: float | None) -> str:
    """An episode's ``value`` or ``threshold`` for people: one decimal, or "not known yet"
    (an open silence's gap: NaN in the rules, null once stored)."""
    if value is None or math.isnan(value):
        return "not known yet"
    return f"{value:.1f}"


def alert_id(vehicle_id: str, alert: str, subject: str, start_ts: float) -> str:
    """The deterministic id of an episode (start to the microsecond)."""
    key = f"{vehicle_id}\x1f{alert}\x1f{subject}\x1f{round(start_ts * 1e6)}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Episode:
    """One alert episode as known after a batch: ``ended`` once its end is decided.

    Times are epoch seconds; ``end_ts`` is the episode's last fix so far (for a geofence
    visit: the first fix outside once it has ended). ``latitude``/``longitude`` are where
    it started; ``value`` and ``threshold`` are the rule's (top speed and limit, m/s^2,
    fuel %, metres)."""

    vehicle_id: str
    alert: str
    start_ts: float
    end_ts: float | None
    ended: bool
    latitude: float
    longitude: float
    value: float
    threshold: float
    subject: str = ""
    road_id: str | None = None
    name: str | None = None  # a geofence's name, an incident's type

    @property
    def id(self) -> str:
        return alert_id(self.vehicle_id, self.alert, self.subject, self.start_ts)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["alert_id"] = self.id
        return out
