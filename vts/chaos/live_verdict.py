"""The live path against the same data's reports and lake: what a reader of ``/alerts`` or
``/vehicles`` would count wrong after the faults.

Alerts (``judge_alerts``): each episode the reports' rules find in the produced windows
(``vts.chaos.live.expected_alerts``) should be raised live once. Episodes are keyed by
vehicle, type and subject; an alert is *of* an episode when their spans overlap (within
one fix interval: the live path may learn of an incident a batch late, so a start can
differ).

- ``lost``: an episode no live alert is of;
- ``duplicated``: live alerts beyond the first of one episode (raised twice: an id is a
  digest of vehicle, type, subject and start, so a second id means a second start);
- ``unexpected``: live alerts of no episode;
- ``exact``: episodes whose alert has the same start and end within one fix interval
  (reported, not judged: ``docs/live.md`` lists what differs by design).

States (``judge_states``): each vehicle's live state should be its newest fix in the lake
(newest event time, then ``vehicle_data`` over ``gps_data``, then the greater
``event_id``: the store's order); ``stale`` counts those that are not, ``missing`` the
lake's vehicles the store does not have, ``unknown`` the store's vehicles the lake does
not have. A run passes when every count but ``exact`` is zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Alert = Mapping[str, Any]  # vehicle_id, alert, subject, start, end (epoch s; end may be None)
Newest = Mapping[str, tuple[float, str]]  # vehicle -> (event time s, event_id)


def _key(a: Alert) -> tuple[str, str, str]:
    return str(a["vehicle_id"]), str(a["alert"]), str(a["subject"])


def _overlap(a: Alert, b: Alert, tol: float) -> bool:
    a_end = a["end"] if a["end"] is not None else float("inf")
    b_end = b["end"] if b["end"] is not None else float("inf")
    return bool(a["start"] <= b_end + tol and b["start"] <= a_end + tol)


def _close(a: float | None, b: float | None, tol: float) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= tol)


@dataclass(frozen=True)
class AlertVerdict:
    expected: int
    raised: int
    lost: int
    duplicated: int
    unexpected: int
    exact: int
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.unexpected == 0

    def summary(self) -> str:
        return (
            f"alerts lost={self.lost} duplicated={self.duplicated} "
            f"unexpected={self.unexpected} (expected {self.expected}, raised {self.raised}, "
            f"exact {self.exact})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


def judge_alerts(
    expected: Sequence[Alert], live: Sequence[Alert], tolerance_s: float
) -> AlertVerdict:
    by_key: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for n, a in enumerate(live):
        by_key[_key(a)].append(n)
    used: dict[int, int] = defaultdict(int)  # live alert -> episodes it is of
    lost: list[dict[str, Any]] = []
    duplicated: list[dict[str, Any]] = []
    exact = 0
    for e in expected:
        mine = [n for n in by_key[_key(e)] if _overlap(e, live[n], tolerance_s)]
        if not mine:
            lost.append(dict(e))
            continue
        for n in mine:
            used[n] += 1
        if len(mine) > 1:
            duplicated.append({"episode": dict(e), "alerts": [dict(live[n]) for n in mine]})
        exact += any(
            _close(e["start"], live[n]["start"], tolerance_s)
            and _close(e["end"], live[n]["end"], tolerance_s)
            for n in mine
        )
    unexpected = [dict(a) for n, a in enumerate(live) if n not in used]
    return AlertVerdict(
        expected=len(expected),
        raised=len(live),
        lost=len(lost),
        duplicated=sum(len(d["alerts"]) - 1 for d in duplicated),
        unexpected=len(unexpected),
        exact=exact,
        examples={"lost": lost[:5], "duplicated": duplicated[:5], "unexpected": unexpected[:5]},
    )


@dataclass(frozen=True)
class StateVerdict:
    vehicles: int
    stale: int
    missing: int
    unknown: int
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.stale == 0 and self.missing == 0 and self.unknown == 0

    def summary(self) -> str:
        return (
            f"live states stale={self.stale} missing={self.missing} unknown={self.unknown} "
            f"(of {self.vehicles} vehicles)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


def judge_states(lake_newest: Newest, live: Newest) -> StateVerdict:
    stale = [
        {"vehicle_id": v, "lake": list(lake_newest[v]), "live": list(live[v])}
        for v in sorted(set(lake_newest) & set(live))
        if lake_newest[v] != live[v]
    ]
    return StateVerdict(
        vehicles=len(lake_newest),
        stale=len(stale),
        missing=len(set(lake_newest) - set(live)),
        unknown=len(set(live) - set(lake_newest)),
        examples=stale[:5],
    )
