"""``vts crawl s3://…`` through the CLI, on moto's server (a mock of S3 and Glue over HTTP).

The client side is configured only the way a user configures it: ``VTS_S3_ENDPOINT`` and
the standard AWS variables (``moto_server.env``). The lake looks like the job's: final
files under their deterministic names, a batch still in ``_staging/`` (a partial file
among them) and quarantine beside the data prefix.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.catalog.trees import vehicles
from tests.fixtures.aws import MotoServer
from vts.cli.main import main

PARTITION = "vehicle_data/dt=2024-03-01/hr={hr}"
FINAL = "b00000000{b:02d}-1a2b3c4d-vehicle_data-2024-03-01-{hr}-000.parquet"


def _parquet(rows: int, first: int = 0) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(vehicles(rows, first), buffer)
    return buffer.getvalue()


def _job_lake(s3: Any, bucket: str) -> None:
    for b, hr, rows in ((0, "10", 3), (1, "10", 2), (1, "11", 4)):
        key = f"data/{PARTITION.format(hr=hr)}/{FINAL.format(b=b, hr=hr)}"
        s3.put_object(Bucket=bucket, Key=key, Body=_parquet(rows, b * 10))
    # batch 2 being written: Spark's names, one file cut short, all under _staging/
    staging = "data/_staging/1a2b3c4d/b0000000002/vehicle_data/dt=2024-03-02/hr=00"
    s3.put_object(Bucket=bucket, Key=f"{staging}/part-0.parquet", Body=_parquet(5))
    s3.put_object(Bucket=bucket, Key=f"{staging}/part-1.parquet", Body=_parquet(5)[:40])


def test_crawl_the_bucket_into_glue_with_only_the_environment(
    moto_server: MotoServer,
    s3_bucket: str,
    glue_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in moto_server.env.items():
        monkeypatch.setenv(key, value)
    _job_lake(moto_server.client("s3"), s3_bucket)
    root = f"s3://{s3_bucket}/data"

    argv = [
        "crawl",
        root,
        "--catalog",
        "glue",
        "--region",
        "us-east-1",
        "--database",
        glue_database,
    ]
    assert main([*argv, "--format", "json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["skipped"] == []  # the staged batch is hidden, not even reported
    assert [t["table"] for t in report["tables"]] == ["vehicle_data"]
    assert report["totals"]["partitions_added"] == 2
    assert report["totals"]["rows_added"] == 9
    glue = moto_server.client("glue")
    assert [t["Name"] for t in glue.get_tables(DatabaseName=glue_database)["TableList"]] == [
        "vehicle_data"
    ]
    parts = glue.get_partitions(DatabaseName=glue_database, TableName="vehicle_data")["Partitions"]
    assert sorted(p["StorageDescriptor"]["Location"] for p in parts) == [
        f"{root}/{PARTITION.format(hr='10')}",
        f"{root}/{PARTITION.format(hr='11')}",
    ]

    # a second crawl finds nothing new
    assert main([*argv, "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["totals"]["partitions_added"] == 0
