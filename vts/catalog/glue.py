"""The catalog over the AWS Glue Data Catalog API (boto3).

Tables are what the Glue crawler would create for Parquet: ``EXTERNAL_TABLE`` with the
Hive Parquet SerDe, ``classification=parquet``, string partition keys. Partitions are
registered with ``BatchCreatePartition`` in chunks of 100 (the API's limit); partitions
that already exist are not errors, so the job and the crawler can both register them.
Locations are stored as ``s3://`` (Redshift Spectrum and Athena read those; ``s3a://`` is
only Hadoop's name for the same objects).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from vts.catalog.base import Catalog, Column, Partition, TableSpec
from vts.catalog.exceptions import CatalogError, CatalogUnavailableError

logger = logging.getLogger(__name__)

BATCH_LIMIT = 100  # BatchCreatePartition accepts at most 100 partitions per call
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
TRANSIENT_CODES = frozenset(
    {"ThrottlingException", "InternalServiceException", "OperationTimeoutException"}
)
# the keys of a GetTable answer that UpdateTable accepts back as TableInput
TABLE_INPUT_KEYS = (
    "Name",
    "Description",
    "Owner",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "TableType",
    "Parameters",
)


def s3_location(location: str) -> str:
    """``s3a://b/k`` (Hadoop's name) as ``s3://b/k`` (what Glue readers expect)."""
    for scheme in ("s3a://", "s3n://"):
        if location.startswith(scheme):
            return "s3://" + location[len(scheme) :]
    return location


def _glue_columns(columns: Sequence[Column]) -> list[dict[str, str]]:
    return [{"Name": c.name, "Type": c.type} for c in columns]


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _client_error(operation: str, exc: Any) -> CatalogError | CatalogUnavailableError:
    code = _code(exc)
    message = exc.response.get("Error", {}).get("Message", str(exc))
    if code in TRANSIENT_CODES:
        return CatalogUnavailableError(
            f"Glue {operation} failed: {code}: {message}",
            hint="Glue is throttling or busy; retry later",
        )
    if code == "AccessDeniedException":
        return CatalogError(
            f"Glue {operation} was denied: {message}",
            hint="the role needs glue:GetDatabase, CreateDatabase, GetTable, CreateTable, "
            "UpdateTable, GetPartitions and BatchCreatePartition on the database and tables",
        )
    return CatalogError(f"Glue {operation} failed: {code}: {message}")


class GlueCatalog(Catalog):
    """``Catalog`` over the Glue API; pass a ``client`` or let boto3 build one."""

    def __init__(
        self, client: Any = None, *, region_name: str | None = None, catalog_id: str | None = None
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("glue", region_name=region_name)
        self.client = client
        self._ids: dict[str, str] = {"CatalogId": catalog_id} if catalog_id else {}

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            result: dict[str, Any] = getattr(self.client, operation)(**self._ids, **kwargs)
            return result
        except ClientError as exc:
            raise _client_error(operation, exc) from exc
        except BotoCoreError as exc:
            raise CatalogUnavailableError(
                f"Glue {operation} failed: {exc}",
                hint="check the network, the region (AWS_REGION) and the credentials",
            ) from exc

    def _raw_table(self, database: str, table: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            answer = self._call("get_table", DatabaseName=database, Name=table)
        except CatalogError as exc:
            cause = exc.__cause__
            if isinstance(cause, ClientError) and _code(cause) == "EntityNotFoundException":
                return None
            raise
        table_data: dict[str, Any] = answer["Table"]
        return table_data

    def ensure_database(self, database: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._call("create_database", DatabaseInput={"Name": database})
            logger.info("created Glue database %s", database)
        except CatalogError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, ClientError) and _code(cause) == "AlreadyExistsException"):
                raise

    def get_table(self, database: str, table: str) -> TableSpec | None:
        raw = self._raw_table(database, table)
        if raw is None:
            return None
        sd = raw.get("StorageDescriptor", {})
        return TableSpec(
            database,
            raw["Name"],
            sd.get("Location", ""),
            tuple(Column(c["Name"], c["Type"]) for c in sd.get("Columns", [])),
            tuple(Column(c["Name"], c["Type"]) for c in raw.get("PartitionKeys", [])),
        )

    def create_table(self, spec: TableSpec) -> None:
        self._call(
            "create_table",
            DatabaseName=spec.database,
            TableInput={
                "Name": spec.name,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
                "PartitionKeys": _glue_columns(spec.partition_columns),
                "StorageDescriptor": {
                    "Columns": _glue_columns(spec.columns),
                    "Location": s3_location(spec.location),
                    "InputFormat": PARQUET_INPUT,
                    "OutputFormat": PARQUET_OUTPUT,
                    "Compressed": False,
                    "SerdeInfo": {
                        "SerializationLibrary": PARQUET_SERDE,
                        "Parameters": {"serialization.format": "1"},
                    },
                    "StoredAsSubDirectories": False,
                },
            },
        )

    def add_columns(self, database: str, table: str, columns: Sequence[Column]) -> None:
        if not columns:
            return
        raw = self._raw_table(database, table)
        if raw is None:
            raise CatalogError(f"no table {database}.{table}", hint="run `vts crawl` first")
        table_input = {k: raw[k] for k in TABLE_INPUT_KEYS if k in raw}
        sd = dict(table_input["StorageDescriptor"])
        sd["Columns"] = list(sd.get("Columns", [])) + _glue_columns(columns)
        table_input["StorageDescriptor"] = sd
        self._call("update_table", DatabaseName=database, TableInput=table_input)

    def list_partitions(self, database: str, table: str) -> set[str]:
        raw = self._raw_table(database, table)
        if raw is None:
            raise CatalogError(f"no table {database}.{table}", hint="run `vts crawl` first")
        keys = [k["Name"] for k in raw.get("PartitionKeys", [])]
        specs: set[str] = set()
        token: str | None = None
        while True:
            extra = {"NextToken": token} if token else {}
            page = self._call(
                "get_partitions",
                DatabaseName=database,
                TableName=table,
                ExcludeColumnSchema=True,
                **extra,
            )
            for partition in page.get("Partitions", []):
                values = partition["Values"]
                specs.add("/".join(f"{k}={v}" for k, v in zip(keys, values, strict=True)))
            token = page.get("NextToken")
            if not token:
                return specs

    def add_partitions(self, database: str, table: str, partitions: Sequence[Partition]) -> int:
        if not partitions:
            return 0
        raw = self._raw_table(database, table)
        if raw is None:
            raise CatalogError(f"no table {database}.{table}", hint="run `vts crawl` first")
        keys = [k["Name"] for k in raw.get("PartitionKeys", [])]
        base_sd = raw.get("StorageDescriptor", {})
        unique = list({p.spec: p for p in partitions}.values())
        created = 0
        failures: list[str] = []
        for start in range(0, len(unique), BATCH_LIMIT):
            chunk = unique[start : start + BATCH_LIMIT]
            inputs = []
            for p in chunk:
                if [k for k, _ in p.values] != keys:
                    raise CatalogError(
                        f"partition {p.spec} does not match the keys ({', '.join(keys)}) "
                        f"of {database}.{table}"
                    )
                inputs.append(
                    {
                        "Values": [v for _, v in p.values],
                        "StorageDescriptor": {**base_sd, "Location": s3_location(p.location)},
                    }
                )
            answer = self._call(
                "batch_create_partition",
                DatabaseName=database,
                TableName=table,
                PartitionInputList=inputs,
            )
            errors = answer.get("Errors", [])
            for error in errors:
                code = error.get("ErrorDetail", {}).get("ErrorCode", "")
                if code != "AlreadyExistsException":
                    detail = error.get("ErrorDetail", {}).get("ErrorMessage", code)
                    failures.append(f"{error.get('PartitionValues')}: {code}: {detail}")
            created += len(chunk) - len(errors)
        if failures:
            raise CatalogError(
                f"Glue refused {len(failures)} partitions of {database}.{table}: "
                + "; ".join(failures[:5]),
                hint="the others were registered; fix the cause and crawl again",
            )
        logger.info("registered %d new partitions of %s.%s", created, database, table)
        return created
