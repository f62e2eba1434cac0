"""The Glue 5.1 rehearsal of the reports job (``integration``): the published script (with
``vts.zip`` alone, as ``ReportsGlueAssets`` publishes it) and the translated template's
arguments, in Glue 5.1's library set, over a lake on moto's S3 (a mock, through
``s3a://``) holding the reference tables ``GlueAssets`` writes. See harness.py for what
plays which part of Glue.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from simulator.outputs.lake import LakeSpec, write_lake
from tests.build import sam_build
from tests.fixtures.aws import MotoServer
from tests.rehearsal.glue.harness import CODE_LAYER, GlueJobRun, publish_and_fetch
from tests.template.cfn import Stack
from vts.aws.glue_assets import publish_reference_tables
from vts.reports.tables import GEOFENCE_EVENTS, TABLES, TRIPS, file_name

pytestmark = pytest.mark.integration
DAY = "2024-03-05"


def _upload(s3, bucket: str, root: Path) -> None:  # type: ignore[no-untyped-def]
    for path in sorted((root / "vehicle_data").rglob("*.parquet")):
        s3.put_object(
            Bucket=bucket, Key=f"data/{path.relative_to(root).as_posix()}", Body=path.read_bytes()
        )


def test_the_published_reports_job_builds_a_day_on_s3_and_a_rerun_replaces_it(
    glue_venv: Path, moto_server: MotoServer, s3_bucket: str, tmp_path: Path
) -> None:
    sam_build(CODE_LAYER / "glue_scripts" / "vts_reports_job.py")
    s3 = moto_server.client("s3")
    published = publish_and_fetch(s3, s3_bucket, glue_venv, tmp_path / "glue", "vts_reports_job.py")
    assert [p.name for p in published.extra_py_files] == ["vts.zip"]
    lake = tmp_path / "lake"
    write_lake(
        lake,
        LakeSpec("city", 5, datetime(2024, 3, 5, 7, tzinfo=UTC), 2 * 3600, 8, 10),
        ("vehicle_data",),
    )
    _upload(s3, s3_bucket, lake)
    # the roads and geofences, as GlueAssets (Scenario: city) writes them from the build
    publish_reference_tables(s3, s3_bucket, CODE_LAYER / "reference", "city")
    assets = published.assets
    job = GlueJobRun(
        venv=glue_venv,
        published=published,
        stack=Stack({"RedshiftMode": "none"}),
        locals={
            "{Ref:DataBucket}": s3_bucket,
            "{ReportsGlueAssets.ExtraPyFiles}": assets.extra_py_files,
            "{ReportsGlueAssets.AdditionalPythonModules}": assets.additional_python_modules,
        },
        env=moto_server.env,
        run_arguments={"--day": DAY},  # as the schedule passes --day
        job="ReportsJob",
    )
    keys = sorted(f"data/{t.name}/dt={DAY}/{file_name(t.name, DAY)}" for t in TABLES)
    for attempt in ("first", "rerun"):
        done = job.run(tmp_path / f"home-{attempt}", timeout=600)
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-6000:]}"
        listed = s3.list_objects_v2(Bucket=s3_bucket, Prefix="data/report_")["Contents"]
        # (S3A may leave empty folder markers, "…/", behind: not files)
        assert sorted(o["Key"] for o in listed if not o["Key"].endswith("/")) == keys, attempt
    body = s3.get_object(
        Bucket=s3_bucket, Key=f"data/{TRIPS.name}/dt={DAY}/{file_name(TRIPS.name, DAY)}"
    )
    trips = pq.read_table(io.BytesIO(body["Body"].read())).to_pylist()
    assert trips and {t["vehicle_id"] for t in trips} <= {f"VEH-{i:06d}" for i in range(8)}
    key = f"data/{GEOFENCE_EVENTS.name}/dt={DAY}/{file_name(GEOFENCE_EVENTS.name, DAY)}"
    visits = pq.read_table(io.BytesIO(s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read()))
    assert visits.num_rows > 0  # the lake's geofences table was read
    staged = s3.list_objects_v2(Bucket=s3_bucket, Prefix="data/_staging/").get("Contents", [])
    assert not [o["Key"] for o in staged if o["Key"].endswith(".parquet")]
