"""Crawling an S3 prefix: moto's server (a mock) plays S3 and Glue over HTTP.

The lake is listed and its footers read through pyarrow's S3 client with an endpoint
override (what ``s3a://`` crawls use against MinIO-like servers), and the tables land in
moto's Glue with ``s3://`` locations, as Redshift Spectrum expects them. The server is
the session's (``tests/fixtures/aws.py``), the bucket this test's own.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq

from tests.catalog.trees import vehicles
from tests.fixtures.aws import MotoServer
from vts.catalog.crawler import crawl
from vts.catalog.glue import GlueCatalog
from vts.storage.lake import LakeFS


def _put(s3: Any, bucket: str, key: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body)


def _parquet(rows: int, first: int = 0) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(vehicles(rows, first), buffer)
    return buffer.getvalue()


def test_crawl_an_s3a_prefix_into_glue_moto(
    moto_server: MotoServer, s3_bucket: str, glue_database: str, aws_credentials: None
) -> None:
    s3 = moto_server.client("s3")
    _put(s3, s3_bucket, "data/vehicle_data/dt=2024-03-01/hr=00/part-0.parquet", _parquet(3))
    _put(s3, s3_bucket, "data/vehicle_data/dt=2024-03-01/hr=01/part-0.parquet", _parquet(2, 3))
    _put(s3, s3_bucket, "data/vehicle_data/dt=2024-03-01/hr=02/part-0.parquet", b"oops")
    _put(s3, s3_bucket, "data/roads/roads.parquet", _parquet(4))
    glue = GlueCatalog(moto_server.client("glue"))

    root = f"s3a://{s3_bucket}/data"
    lake = LakeFS.open(root, s3_endpoint=moto_server.url, region="us-east-1")
    report = crawl(root, glue, database=glue_database, lake=lake)

    assert report.root == root
    assert [(s.kind, s.path) for s in report.skipped] == [
        ("corrupt", "vehicle_data/dt=2024-03-01/hr=02/part-0.parquet")
    ]
    assert report.totals["partitions_added"] == 2
    assert report.totals["rows_added"] == 9
    table = glue.get_table(glue_database, "vehicle_data")
    assert table is not None
    assert table.location == f"s3://{s3_bucket}/data/vehicle_data"
    assert glue.list_partitions(glue_database, "vehicle_data") == {
        "dt=2024-03-01/hr=00",
        "dt=2024-03-01/hr=01",
    }
    raw = glue.client.get_partitions(DatabaseName=glue_database, TableName="vehicle_data")
    locations = sorted(p["StorageDescriptor"]["Location"] for p in raw["Partitions"])
    assert locations == [
        f"s3://{s3_bucket}/data/vehicle_data/dt=2024-03-01/hr=00",
        f"s3://{s3_bucket}/data/vehicle_data/dt=2024-03-01/hr=01",
    ]
    roads = glue.client.get_table(DatabaseName=glue_database, Name="roads")["Table"]
    assert roads["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith(
        "ParquetHiveSerDe"
    )
    assert roads["Parameters"]["classification"] == "parquet"
