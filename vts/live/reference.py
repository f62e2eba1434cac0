"""The reference tables the live rules judge fixes against (roads, geofences), on AWS.

Locally, ``vts live run --lake`` reads the lake's Parquet tables
(``vts.live.alerts.rule_context``). The live consumer Lambda cannot: pyarrow (about 140
MB installed) beside numpy and the rest of its layers is past Lambda's 250 MB for a
function and its layers. So the build also writes each scenario's tables in
``vts.reference``'s plain-text forms (``write_live_copy``): the roads as CSV
(``roads_from_csv``) and the geofences as GeoJSON (``from_geojson``), from the very rows
of the Parquet tables, and ``Custom::GlueAssets`` puts them in the data bucket beside the
tables, under ``reference/`` (``LIVE_FILES``), when it writes the tables into the lake.

``LiveReference(location)`` reads them (``s3://bucket/prefix/`` through boto3, or a local
folder), keeps them per process, and looks again every ``refresh_s`` with a conditional
GET (an unchanged object costs no transfer), so a container reads them once, not per
batch. A file that is missing, unreadable or invalid raises ``LiveReferenceError``: the
batch fails and the mapping retries it, rather than judging fixes without their roads.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vts.live.exceptions import LiveReferenceError
from vts.reference.exceptions import ReferenceDataError
from vts.reference.geofences import Geofence, from_geojson
from vts.reference.roadmatch import RoadIndex
from vts.reference.roads import roads_from_csv
from vts.reference.schema import LIVE_COPY_FILES, LIVE_COPY_PREFIX
from vts.rules.fold import RuleContext
from vts.rules.params import ReportParams

logger = logging.getLogger(__name__)

LIVE_PREFIX = LIVE_COPY_PREFIX  # in the data bucket, beside data/ (the lake)
LIVE_FILES = LIVE_COPY_FILES
REFRESH_S = 300.0


def write_live_copy(lake: str | Path, out: str | Path) -> list[Path]:
    """Write the lake's (a local folder's) roads and geofences tables in their plain-text
    forms into ``out`` (``LIVE_FILES``); needs pyarrow (the build's environment)."""
    import pyarrow.parquet as pq

    from vts.reference.geofences import GEOFENCES, to_geojson
    from vts.reference.roads import ROADS, read_roads, write_roads

    lake, target = Path(lake), Path(out)
    roads = read_roads(lake / ROADS.name / ROADS.file_name)
    written = [write_roads(roads, target / LIVE_FILES["roads"])]
    rows = pq.read_table(lake / GEOFENCES.name / GEOFENCES.file_name).to_pylist()
    fences = target / LIVE_FILES["geofences"]
    fences.write_text(json.dumps(to_geojson(rows), sort_keys=True), encoding="utf-8")
    return [*written, fences]


@dataclass
class _File:
    tag: str | None = None  # ETag (S3) or mtime (a folder): unchanged, not read again
    text: str | None = None


class LiveReference:
    """The live copy of the reference tables at ``location``, cached (``s3``: a boto3 S3
    client, made on first use when not given)."""

    def __init__(self, location: str, *, s3: Any = None, refresh_s: float = REFRESH_S) -> None:
        self.location = location
        self.refresh_s = refresh_s
        self._s3 = s3
        self._files = {name: _File() for name in LIVE_FILES}
        self._context: RuleContext | None = None
        self._params: ReportParams | None = None
        self._checked = -float("inf")
        if location.startswith("s3://"):
            bucket, _, prefix = location[len("s3://") :].partition("/")
            self.bucket: str | None = bucket
            self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        else:
            self.bucket, self.prefix = None, location

    def context(self, params: ReportParams) -> RuleContext:
        """The rules' context: the tables as of the last look (again after ``refresh_s``)."""
        now = time.monotonic()
        if self._context is not None and params == self._params:
            if now - self._checked < self.refresh_s:
                return self._context
        changed = [name for name in LIVE_FILES if self._fetch(name)]
        self._checked = now
        if changed or self._context is None or params != self._params:
            self._context = self._build(params)
            self._params = params
            logger.info("reference tables from %s: %s", self.location, ", ".join(changed))
        return self._context

    def _where(self, name: str) -> str:
        if self.bucket is not None:
            return f"s3://{self.bucket}/{self.prefix}{LIVE_FILES[name]}"
        return str(Path(self.prefix) / LIVE_FILES[name])

    def _missing(self, name: str, why: str) -> LiveReferenceError:
        return LiveReferenceError(
            f"the live {name} table {self._where(name)} {why}",
            hint="deploy the stack with a Scenario (Custom::GlueAssets writes it), or write "
            "it in vts.reference's plain-text form (docs/live.md, 'Live alerts')",
        )

    def _fetch(self, name: str) -> bool:
        """Read ``name`` again if it changed; whether it did."""
        held = self._files[name]
        if self.bucket is None:
            path = Path(self._where(name))
            try:
                tag = str(path.stat().st_mtime_ns)
                if tag == held.tag:
                    return False
                held.text, held.tag = path.read_text(encoding="utf-8"), tag
            except OSError as exc:
                raise self._missing(name, f"cannot be read ({exc.strerror})") from exc
            return True
        from botocore.exceptions import ClientError

        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3")
        request: dict[str, Any] = {"Bucket": self.bucket, "Key": self.prefix + LIVE_FILES[name]}
        if held.tag is not None:
            request["IfNoneMatch"] = held.tag
        try:
            reply = self._s3.get_object(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 304 or error.get("Code") in ("304", "NotModified"):
                return False
            raise self._missing(
                name,
                f"cannot be read ({error.get('Code')}: without s3:ListBucket a missing "
                "object is AccessDenied too)",
            ) from exc
        held.text = reply["Body"].read().decode("utf-8")
        held.tag = reply.get("ETag")
        return True

    def _build(self, params: ReportParams) -> RuleContext:
        roads_text, fences_text = (self._files[n].text or "" for n in LIVE_FILES)
        try:
            roads = roads_from_csv(roads_text, self._where("roads"))
            fences: tuple[Geofence, ...] = from_geojson(
                json.loads(fences_text), self._where("geofences")
            )
        except (ReferenceDataError, ValueError) as exc:
            for held in self._files.values():
                held.tag = None  # read both again next time
            raise LiveReferenceError(
                f"the live reference tables at {self.location} are invalid: {exc}",
                hint="rewrite them from the lake's tables (vts.live.reference.write_live_copy)",
            ) from exc
        index = RoadIndex.build(roads, params.road_max_distance_m) if roads else None
        return RuleContext(params, index, fences)
