"""Glue backend details moto does not produce: error answers, partial batch failures.

A stub client stands in for boto3's Glue client here (the behaviour suite runs the
backend against moto's Glue).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from vts.catalog.base import Partition
from vts.catalog.exceptions import CatalogError, CatalogUnavailableError
from vts.catalog.glue import GlueCatalog, s3_location

TABLE = {
    "Name": "vehicle_data",
    "PartitionKeys": [{"Name": "dt", "Type": "string"}],
    "StorageDescriptor": {"Columns": [], "Location": "s3://b/data/vehicle_data"},
}


def _error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"}}, operation)


class StubGlue:
    def __init__(self, batch_errors: list[dict[str, Any]] | None = None, fail: str = "") -> None:
        self.batch_errors = batch_errors or []
        self.fail = fail
        self.batches: list[list[dict[str, Any]]] = []

    def get_table(self, **kwargs: Any) -> dict[str, Any]:
        if self.fail:
            raise _error(self.fail, "GetTable")
        return {"Table": TABLE}

    def batch_create_partition(self, **kwargs: Any) -> dict[str, Any]:
        self.batches.append(kwargs["PartitionInputList"])
        return {"Errors": self.batch_errors if len(self.batches) == 1 else []}


def _parts(n: int) -> list[Partition]:
    return [
        Partition((("dt", f"d{i:03d}"),), f"s3a://b/data/vehicle_data/dt=d{i:03d}")
        for i in range(n)
    ]


def test_batches_of_100_with_s3_locations_and_already_existing_tolerated() -> None:
    existing = {
        "PartitionValues": ["d000"],
        "ErrorDetail": {"ErrorCode": "AlreadyExistsException", "ErrorMessage": "exists"},
    }
    stub = StubGlue(batch_errors=[existing])
    assert GlueCatalog(stub).add_partitions("db", "vehicle_data", _parts(250)) == 249
    assert [len(b) for b in stub.batches] == [100, 100, 50]
    first = stub.batches[0][0]
    assert first["Values"] == ["d000"]
    assert first["StorageDescriptor"]["Location"] == "s3://b/data/vehicle_data/dt=d000"


def test_other_partition_errors_are_reported_after_the_rest_is_registered() -> None:
    denied = {
        "PartitionValues": ["d001"],
        "ErrorDetail": {"ErrorCode": "InvalidInputException", "ErrorMessage": "bad value"},
    }
    stub = StubGlue(batch_errors=[denied])
    with pytest.raises(CatalogError, match="refused 1 partitions") as caught:
        GlueCatalog(stub).add_partitions("db", "vehicle_data", _parts(120))
    assert "bad value" in caught.value.message
    assert [len(b) for b in stub.batches] == [100, 20]


def test_partitions_must_match_the_table_keys() -> None:
    wrong = Partition((("day", "x"),), "s3://b/x")
    with pytest.raises(CatalogError, match="does not match the keys"):
        GlueCatalog(StubGlue()).add_partitions("db", "vehicle_data", [wrong])


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ThrottlingException", CatalogUnavailableError),
        ("InternalServiceException", CatalogUnavailableError),
        ("AccessDeniedException", CatalogError),
        ("ValidationException", CatalogError),
    ],
)
def test_client_errors_become_transient_or_terminal(code: str, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        GlueCatalog(StubGlue(fail=code)).get_table("db", "t")
    assert code in str(caught.value) or "denied" in str(caught.value)


def test_missing_table_is_none() -> None:
    assert GlueCatalog(StubGlue(fail="EntityNotFoundException")).get_table("db", "t") is None


def test_s3a_locations_are_stored_as_s3() -> None:
    assert s3_location("s3a://bucket/key") == "s3://bucket/key"
    assert s3_location("s3://bucket/key") == "s3://bucket/key"
    assert s3_location("file:/tmp/x") == "file:/tmp/x"
