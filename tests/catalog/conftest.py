"""Catalog backends for the behaviour suites: real local Spark, and Glue on moto (a mock).

``catalog`` is parametrised over both, so every behaviour test runs twice: ``spark`` is an
integration test (the session-wide local SparkSession with its Hive metastore), ``glue``
talks to moto's in-process Glue. Each test gets its own uuid-named database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from vts.catalog import Catalog, get_catalog


@dataclass(frozen=True)
class Backend:
    name: str
    catalog: Catalog
    database: str
    spark: Any = None


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region for moto: nothing can reach a real account."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def glue_moto(aws_credentials: None) -> Iterator[Backend]:
    """The Glue backend against moto's Glue (a mock, in process)."""
    with mock_aws():
        catalog = get_catalog("glue", region_name="us-east-1")
        yield Backend("glue", catalog, f"moto_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def spark_backend(spark: Any) -> Iterator[Backend]:
    """The Spark SQL backend on the session's real local Spark (Hive metastore)."""
    database = f"t_{uuid.uuid4().hex[:10]}"
    yield Backend("spark", get_catalog("spark", spark=spark), database, spark)
    spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")


@pytest.fixture(
    params=[
        pytest.param("spark", marks=pytest.mark.integration),
        pytest.param("glue", id="glue-moto"),
    ]
)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each catalog backend in turn (spark: integration; glue: moto)."""
    fixture = "spark_backend" if request.param == "spark" else "glue_moto"
    result: Backend = request.getfixturevalue(fixture)
    return result
