"""The reports job's arguments: one frozen record, from Glue job arguments or CLI flags.

On AWS Glue the arguments arrive as ``--name value`` pairs (``getResolvedOptions``);
locally ``glue_scripts/vts_reports_job.py`` takes the same pairs, and ``vts reports build``
maps its flags onto the same record. Names (the SAM template passes ``lake_path`` and
``day``; the schedules override ``day``):

==================  ============  ======================================================
``--lake_path``     required      the lake: its source table and the reference tables
                                  ``roads`` and ``geofences``
``--output_path``   the lake      where the report tables go
``--day``                         YYYY-MM-DD, ``today`` or ``yesterday`` (UTC)
``--from_day``                    with ``--to_day``: a range of days, both included
``--to_day``
``--source``        vehicle_data  vehicle_data or gps_data
``--geofences``                   a GeoJSON file of your own (s3:// or local), beside
                                  the lake's
``--params``                      ``name=value,...`` overrides (``vts reports params``)
==================  ============  ======================================================

A malformed argument is an error that names it, never a silent default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from vts.reports.build import SOURCES, BuildOptions, days_between
from vts.reports.exceptions import ReportsArgsError
from vts.rules.params import ReportParams

GLUE_REQUIRED = ("lake_path",)
GLUE_OPTIONAL = ("output_path", "day", "from_day", "to_day", "source", "geofences", "params")
ONE_OR_RANGE = (
    "pass one day (--day YYYY-MM-DD, today or yesterday) or a range "
    "(vts reports build: --from and --to; the Glue job: --from_day and --to_day)"
)


def parse_day(text: str, today: date, *, name: str = "day") -> date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` (relative to ``today``, a UTC date)."""
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportsArgsError(
            name, f"{text!r} is not a day", hint="use YYYY-MM-DD, today or yesterday"
        ) from None


def days_of(day: date | None, first: date | None, last: date | None) -> tuple[date, ...]:
    """The days asked for: one ``day``, or ``first`` to ``last`` inclusive (not both)."""
    if day and (first or last):
        raise ReportsArgsError("day", "and a range of days do not mix", hint=ONE_OR_RANGE)
    if day:
        return (day,)
    if first and last:
        if last < first:
            raise ReportsArgsError("to_day", f"{last} is before {first}", hint="swap them")
        return tuple(days_between(first, last))
    if first or last:
        raise ReportsArgsError("from_day", "a range needs both ends", hint=ONE_OR_RANGE)
    raise ReportsArgsError("day", "which day?", hint=ONE_OR_RANGE)


def parse_params(items: Iterable[str]) -> ReportParams:
    """``name=value`` overrides of the default ``ReportParams``; each item must be one."""
    overrides: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ReportsArgsError(
                "params", f"{item!r} is not name=value", hint="e.g. min_duration_s=300"
            )
        overrides[name.strip()] = value.strip()
    return ReportParams().with_overrides(overrides)


@dataclass(frozen=True)
class ReportsArgs:
    """Everything the reports job needs to know; validated on construction."""

    lake_path: str
    days: tuple[date, ...]
    output_path: str | None = None
    source: str = "vehicle_data"
    geofences: str | None = None
    params: ReportParams = field(default_factory=ReportParams)

    def __post_init__(self) -> None:
        if not self.lake_path:
            raise ReportsArgsError("lake_path", "is required", hint="pass the lake's path or URI")
        if not self.days:
            raise ReportsArgsError("day", "which day?", hint=ONE_OR_RANGE)
        if self.source not in SOURCES:
            raise ReportsArgsError(
                "source", f"{self.source!r} is not one of {', '.join(SOURCES)}", hint=""
            )

    def build_options(self) -> BuildOptions:
        """What ``vts.reports.build.build`` takes besides the days."""
        return BuildOptions(
            lake=self.lake_path,
            output=self.output_path,
            source=self.source,
            geofences=self.geofences,
            params=self.params,
        )

    @classmethod
    def from_options(cls, options: Mapping[str, str], *, today: date) -> ReportsArgs:
        """Build from Glue-style ``name -> text`` options; names Glue adds are ignored."""

        def day(name: str) -> date | None:
            text = options.get(name)
            return parse_day(text, today, name=name) if text else None

        params = options.get("params") or ""
        return cls(
            lake_path=options.get("lake_path") or "",
            days=days_of(day("day"), day("from_day"), day("to_day")),
            output_path=options.get("output_path") or None,
            source=options.get("source") or "vehicle_data",
            geofences=options.get("geofences") or None,
            params=parse_params(p for p in params.split(",") if p.strip()),
        )


def glue_option_names(argv: Sequence[str]) -> list[str]:
    """The names to resolve with ``getResolvedOptions``: each one ``argv`` passes (Glue's
    parser fails on absent names; a missing ``lake_path`` is the record's error)."""
    given = {a.split("=", 1)[0][2:] for a in argv if a.startswith("--")}
    return [n for n in (*GLUE_REQUIRED, *GLUE_OPTIONAL) if n in given]
