"""The lake against the ground truth, per table: what a reader would count wrong.

``lost``: events the simulator produced that no file holds; ``duplicated``: copies beyond
the first; ``unexpected``: ids no produced window holds; ``quarantined``: valid simulator
events the job set aside (the simulator sends none that are invalid); ``orphans``: visible
files that no committed batch's final attempt published, however old the batch
(``vts.stream.ledger``). A run passes when all are zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vts.chaos.lake import LakeView
from vts.contract.topics import TOPIC_NAMES


@dataclass(frozen=True)
class TableVerdict:
    table: str
    expected: int
    rows: int
    lost: int
    duplicated: int
    unexpected: int
    quarantined: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Verdict:
    tables: tuple[TableVerdict, ...]
    orphans: tuple[str, ...]
    files: int
    hidden_files: int
    quarantine_reasons: Mapping[str, int]
    batches: int = 0

    def total(self, name: str) -> int:
        return sum(int(getattr(t, name)) for t in self.tables)

    @property
    def ok(self) -> bool:
        bad = ("lost", "duplicated", "unexpected", "quarantined")
        return not self.orphans and all(self.total(n) == 0 for n in bad)

    def summary(self) -> str:
        return (
            f"lost={self.total('lost')} duplicated={self.total('duplicated')} "
            f"orphans={len(self.orphans)} quarantined={self.total('quarantined')} "
            f"unexpected={self.total('unexpected')} "
            f"(expected {self.total('expected'):,} events, {self.total('rows'):,} rows)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "lost": self.total("lost"),
            "duplicated": self.total("duplicated"),
            "orphans": len(self.orphans),
            "quarantined": self.total("quarantined"),
            "unexpected": self.total("unexpected"),
            "expected": self.total("expected"),
            "rows": self.total("rows"),
            "files": self.files,
            "hidden_files": self.hidden_files,
            "batches_published": self.batches,
            "tables": [t.as_dict() for t in self.tables],
            "orphan_files": list(self.orphans[:20]),
            "quarantine_reasons": dict(self.quarantine_reasons),
        }


def judge(truth: Mapping[str, set[str]], view: LakeView) -> Verdict:
    tables = []
    for table in TOPIC_NAMES:
        expected = truth.get(table, set())
        counts: Mapping[str, int] = view.ids.get(table, {})
        found = set(counts)
        tables.append(
            TableVerdict(
                table=table,
                expected=len(expected),
                rows=sum(counts.values()),
                lost=len(expected - found),
                duplicated=sum(n - 1 for n in counts.values() if n > 1),
                unexpected=len(found - expected),
                quarantined=view.quarantined.get(table, 0),
            )
        )
    return Verdict(
        tuple(tables),
        tuple(view.orphans),
        len(view.files),
        view.hidden,
        dict(view.reasons),
        view.batches,
    )
