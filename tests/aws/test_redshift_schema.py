"""The Redshift external-schema custom resource against moto's Redshift Data API (a mock).

moto records statements but has no database behind them: every statement stays STARTED.
``RedshiftEngine`` plays the database by finishing (or failing) the statements moto holds
whenever the code under test waits, so the real polling path runs.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.redshiftdata.models import redshiftdata_backends

from tests.aws.lambda_support import ACCOUNT, REGION, REPO, resource_request
from vts.aws.cfn_response import CustomResourceRequest, RequestType
from vts.aws.custom_resource import FAILED_CREATE_PREFIX, Deadline
from vts.aws.exceptions import DeadlineExceededError, InvalidPropertyError, StatementFailedError
from vts.aws.redshift_schema import (
    DataApiTarget,
    ExternalSchema,
    RedshiftExternalSchema,
    run_statement,
)

ROLE = "arn:aws:iam::123456789012:role/vts-spectrum"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:vts-admin-AbCdEf"  # noqa: S105 - an ARN
PROPS = {
    "SchemaName": "vts",
    "CatalogDatabase": "vts",
    "CatalogRegion": "us-east-1",
    "IamRoleArn": ROLE,
    "WorkgroupName": "vts",
    "Database": "dev",
    "SecretArn": SECRET,
}


class RedshiftEngine:
    """Finishes the statements moto holds: status FINISHED, or FAILED for chosen SQL."""

    def __init__(self, fail_when: Callable[[str], bool] = lambda sql: False) -> None:
        self.fail_when = fail_when
        self.sleeps = 0

    @staticmethod
    def statements() -> list[Any]:
        return list(redshiftdata_backends[ACCOUNT][REGION].statements.values())

    def sleep(self, _seconds: float) -> None:
        self.sleeps += 1
        for statement in self.statements():
            if statement.status == "STARTED":
                failed = self.fail_when(statement.query_string)
                statement.status = "FAILED" if failed else "FINISHED"


@pytest.fixture
def redshift_data(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("redshift-data", region_name=REGION)
        calls: list[dict[str, Any]] = []
        client.meta.events.register(
            "provide-client-params.redshift-data.ExecuteStatement",
            lambda params, **_: calls.append(dict(params)),
        )
        client.calls = calls  # type: ignore[attr-defined]
        yield client


def request(kind: RequestType, props: dict[str, Any], **extra: Any) -> CustomResourceRequest:
    return resource_request(
        kind,
        "RedshiftExternalSchema",
        "Custom::RedshiftExternalSchema",
        props,
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/vts/1",
        request_id="5d2b6a0e-1c1e-4d4b-9a51-00000000000a",
        **extra,
    )


def executed_sql(client: Any) -> list[str]:
    return [call["Sql"] for call in client.calls]


def test_create_runs_create_external_schema_on_the_workgroup_with_the_secret_moto(
    redshift_data: Any,
) -> None:
    engine = RedshiftEngine()
    resource = RedshiftExternalSchema(redshift_data, sleep=engine.sleep)
    outcome = resource.create(request("Create", PROPS), Deadline.after(60))

    assert executed_sql(redshift_data) == [
        "create external schema if not exists vts\n"
        "from data catalog\n"
        "database 'vts'\n"
        f"iam_role '{ROLE}'\n"
        "region 'us-east-1'"
    ]
    call = redshift_data.calls[0]
    assert (call["WorkgroupName"], call["Database"], call["SecretArn"]) == ("vts", "dev", SECRET)
    assert outcome.physical_resource_id == "vts/dev/vts"
    assert outcome.data == {"SchemaName": "vts", "CatalogDatabase": "vts"}
    assert engine.sleeps >= 1  # it waited for the statement instead of assuming success
    assert [s.status for s in engine.statements()] == ["FINISHED"]


def test_update_of_the_catalog_database_drops_then_recreates_in_place_moto(
    redshift_data: Any,
) -> None:
    old = {**PROPS, "CatalogDatabase": "vts_old"}
    resource = RedshiftExternalSchema(redshift_data, sleep=RedshiftEngine().sleep)
    outcome = resource.update(
        request("Update", PROPS, old_properties=old, physical_resource_id="vts/dev/vts"),
        Deadline.after(60),
    )

    sql = executed_sql(redshift_data)
    assert sql[0] == "drop schema if exists vts"
    assert sql[1].startswith("create external schema if not exists vts\n")
    assert "database 'vts'" in sql[1]
    assert len(sql) == 2
    assert outcome.physical_resource_id == "vts/dev/vts"


def test_update_that_renames_creates_the_new_schema_under_a_new_id_moto(
    redshift_data: Any,
) -> None:
    old = {**PROPS, "SchemaName": "fleet"}
    resource = RedshiftExternalSchema(redshift_data, sleep=RedshiftEngine().sleep)
    outcome = resource.update(
        request("Update", PROPS, old_properties=old, physical_resource_id="vts/dev/fleet"),
        Deadline.after(60),
    )

    # The old schema is dropped by CloudFormation's Delete of the old physical id.
    assert [s.split("\n")[0] for s in executed_sql(redshift_data)] == [
        "create external schema if not exists vts"
    ]
    assert outcome.physical_resource_id == "vts/dev/vts"


def test_update_to_another_workgroup_creates_there_moto(redshift_data: Any) -> None:
    new = {**PROPS, "WorkgroupName": "analytics"}
    resource = RedshiftExternalSchema(redshift_data, sleep=RedshiftEngine().sleep)
    outcome = resource.update(
        request("Update", new, old_properties=PROPS, physical_resource_id="vts/dev/vts"),
        Deadline.after(60),
    )
    assert [c["WorkgroupName"] for c in redshift_data.calls] == ["analytics"]
    assert outcome.physical_resource_id == "analytics/dev/vts"


def test_unchanged_update_repeats_the_idempotent_create_moto(redshift_data: Any) -> None:
    resource = RedshiftExternalSchema(redshift_data, sleep=RedshiftEngine().sleep)
    outcome = resource.update(
        request("Update", PROPS, old_properties=PROPS, physical_resource_id="vts/dev/vts"),
        Deadline.after(60),
    )
    assert len(executed_sql(redshift_data)) == 1
    assert "unchanged" in outcome.reason


def test_delete_drops_the_schema_moto(redshift_data: Any) -> None:
    resource = RedshiftExternalSchema(redshift_data, sleep=RedshiftEngine().sleep)
    outcome = resource.delete(
        request("Delete", PROPS, physical_resource_id="vts/dev/vts"), Deadline.after(60)
    )
    assert executed_sql(redshift_data) == ["drop schema if exists vts"]
    assert outcome.physical_resource_id == "vts/dev/vts"


def test_delete_after_a_failed_create_touches_nothing_moto(redshift_data: Any) -> None:
    resource = RedshiftExternalSchema(redshift_data, sleep=RedshiftEngine().sleep)
    failed_id = f"{FAILED_CREATE_PREFIX}RedshiftExternalSchema:abc"
    outcome = resource.delete(
        request("Delete", PROPS, physical_resource_id=failed_id), Deadline.after(60)
    )
    assert executed_sql(redshift_data) == []
    assert outcome.physical_resource_id == failed_id


def test_a_failed_statement_raises_with_its_id_and_status_moto(redshift_data: Any) -> None:
    engine = RedshiftEngine(fail_when=lambda sql: sql.startswith("create"))
    resource = RedshiftExternalSchema(redshift_data, sleep=engine.sleep)
    with pytest.raises(StatementFailedError) as caught:
        resource.create(request("Create", PROPS), Deadline.after(60))
    statement = engine.statements()[0]
    assert caught.value.statement_id == statement.id
    assert caught.value.status == "FAILED"
    assert statement.id in str(caught.value)
    assert caught.value.hint


def test_a_statement_still_running_at_the_deadline_is_cancelled_moto(
    redshift_data: Any,
) -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    def slow_sleep(seconds: float) -> None:  # Redshift never finishes; time passes
        now[0] += seconds

    target = DataApiTarget.from_properties(PROPS)
    with pytest.raises(DeadlineExceededError):
        run_statement(
            redshift_data,
            target,
            "drop schema if exists vts",
            Deadline.after(5, clock=clock),
            sleep=slow_sleep,
        )
    assert [s.status for s in RedshiftEngine.statements()] == ["ABORTED"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SchemaName", "vts; drop table users"),
        ("SchemaName", "Vts"),
        ("CatalogDatabase", "vts' iam_role 'x"),
        ("IamRoleArn", "arn:aws:iam::123:role/x"),
        ("CatalogRegion", "us-east-1'"),
        ("WorkgroupName", "wg name"),
        ("Database", "dev;"),
        ("SecretArn", "arn:aws:s3:::bucket"),
    ],
)
def test_malformed_properties_are_rejected_before_any_sql_moto(
    redshift_data: Any, name: str, value: str
) -> None:
    resource = RedshiftExternalSchema(redshift_data, sleep=RedshiftEngine().sleep)
    with pytest.raises(InvalidPropertyError) as caught:
        resource.create(request("Create", {**PROPS, name: value}), Deadline.after(60))
    assert caught.value.name == name
    assert executed_sql(redshift_data) == []


def test_without_a_secret_the_data_api_uses_the_iam_identity() -> None:
    target = DataApiTarget.from_properties({**PROPS, "SecretArn": ""})
    assert target.api_args() == {"WorkgroupName": "vts", "Database": "dev"}


def test_the_sql_file_renders_to_the_statement_the_resource_runs() -> None:
    text = (REPO / "sql" / "redshift" / "create_external_schema.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip()
    values = {
        "schema": "fleet_ops",
        "catalog_database": "lake_db",
        "iam_role_arn": ROLE,
        "region": "eu-west-1",
    }
    rendered = string.Template(body).substitute(values)
    spec = ExternalSchema(
        schema="fleet_ops", catalog_database="lake_db", iam_role_arn=ROLE, region="eu-west-1"
    )
    assert rendered == spec.create_sql() + ";"


class GoneWorkgroup:
    """A Data API client whose workgroup was deleted (moto does not check workgroups)."""

    def execute_statement(self, **_: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "ResourceNotFoundException", "Message": "Workgroup vts not found"}},
            "ExecuteStatement",
        )


def test_delete_succeeds_when_the_workgroup_is_already_gone() -> None:
    """A failed Delete would block the stack's deletion for nothing: the schema is gone too."""
    resource = RedshiftExternalSchema(GoneWorkgroup(), sleep=lambda _: None)
    outcome = resource.delete(
        request("Delete", PROPS, physical_resource_id="vts/dev/vts"), Deadline.after(60)
    )
    assert outcome.physical_resource_id == "vts/dev/vts"
    assert "no longer exists" in outcome.reason


def test_delete_succeeds_when_the_database_is_gone_but_other_failures_still_fail_moto(
    redshift_data: Any,
) -> None:
    engine = RedshiftEngine(fail_when=lambda sql: sql.startswith("drop"))
    statement_errors = iter(['database "dev" does not exist', "permission denied for schema vts"])

    def sleep(seconds: float) -> None:
        engine.sleep(seconds)
        for statement in engine.statements():
            if statement.status == "FAILED" and not getattr(statement, "error_message", None):
                statement.error_message = next(statement_errors)

    resource = RedshiftExternalSchema(redshift_data, sleep=sleep)
    delete = request("Delete", PROPS, physical_resource_id="vts/dev/vts")
    described = redshift_data.describe_statement
    redshift_data.describe_statement = lambda **kw: {
        **described(**kw),
        "Error": next(s.error_message for s in engine.statements() if s.id == kw["Id"])
        if any(s.id == kw["Id"] and s.status == "FAILED" for s in engine.statements())
        else "",
    }
    assert "no longer exists" in resource.delete(delete, Deadline.after(60)).reason
    with pytest.raises(StatementFailedError):
        resource.delete(delete, Deadline.after(60))


# ── the namespace's managed admin secret (moto has no Redshift Serverless API: botocore's
# Stubber answers GetNamespace, checked against the service's own request/response model) ──

MANAGED = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!vts-vtsadmin-Xy12Ab"  # noqa: S105 - an ARN
MANAGED_PROPS = {**PROPS, "SecretArn": "", "AdminSecretOfNamespace": "vts"}


def namespaces_answering(*answers: dict[str, Any] | str) -> Any:
    """A Redshift Serverless client whose GetNamespace calls get ``answers`` in turn: a
    namespace's fields, or an error code."""
    from botocore.stub import Stubber

    client = boto3.client("redshift-serverless", region_name=REGION)
    stubber = Stubber(client)
    for answer in answers:
        if isinstance(answer, str):
            stubber.add_client_error("get_namespace", service_error_code=answer)
            continue
        namespace = {"namespaceName": "vts", "namespaceId": "0a1b", **answer}
        stubber.add_response("get_namespace", {"namespace": namespace}, {"namespaceName": "vts"})
    stubber.activate()
    return client


def test_create_signs_in_with_the_secret_redshift_manages_for_the_namespace_moto(
    redshift_data: Any,
) -> None:
    """The stack's namespace keeps its admin password in a secret Redshift rotates; its ARN
    is only known at run time (CloudFormation does not return it)."""
    namespaces = namespaces_answering({"adminPasswordSecretArn": MANAGED})
    resource = RedshiftExternalSchema(
        redshift_data, namespaces=lambda: namespaces, sleep=RedshiftEngine().sleep
    )
    resource.create(request("Create", MANAGED_PROPS), Deadline.after(60))
    (call,) = redshift_data.calls
    assert call["SecretArn"] == MANAGED


def test_a_namespace_without_a_managed_secret_is_a_clear_error_before_any_sql_moto(
    redshift_data: Any,
) -> None:
    from vts.aws.exceptions import NoManagedSecretError

    resource = RedshiftExternalSchema(
        redshift_data, namespaces=lambda: namespaces_answering({}), sleep=lambda _: None
    )
    with pytest.raises(NoManagedSecretError, match="ManageAdminPassword"):
        resource.create(request("Create", MANAGED_PROPS), Deadline.after(60))
    with pytest.raises(InvalidPropertyError, match="SecretArn"):
        resource.create(
            request("Create", {**MANAGED_PROPS, "SecretArn": SECRET}), Deadline.after(60)
        )
    assert redshift_data.calls == []


def test_delete_succeeds_when_the_namespace_is_already_gone_moto(redshift_data: Any) -> None:
    resource = RedshiftExternalSchema(
        redshift_data,
        namespaces=lambda: namespaces_answering("ResourceNotFoundException"),
        sleep=lambda _: None,
    )
    outcome = resource.delete(
        request("Delete", MANAGED_PROPS, physical_resource_id="vts/dev/vts"), Deadline.after(60)
    )
    assert "no longer exists" in outcome.reason
    assert redshift_data.calls == []
