"""The Redshift Spectrum external schema over the Glue Data Catalog, as a custom resource.

``create external schema`` makes a Glue database queryable from Redshift (Serverless); the
stack runs it through the Redshift Data API, so no database driver, password or network path
to the workgroup is needed. The statement text is built here, from validated identifiers
(DDL cannot take bind parameters); ``sql/redshift/create_external_schema.sql`` is the same
statement as a template for running it by hand, and a test keeps the two identical.

Lifecycle, CloudFormation's way:

* Create: ``create external schema if not exists`` (idempotent, so a retried Create is safe).
* Update, same workgroup and schema name, other database/role/region: drop and recreate in
  place (``if not exists`` alone would keep the old definition).
* Update that renames the schema or moves it to another workgroup/database: create the new
  one under a new physical id; CloudFormation then sends Delete for the old id with the old
  properties, which drops the old schema. A failed update rolls back the same way.
* Delete: ``drop schema if exists`` (the Glue database and the data are untouched). A
  workgroup or database that no longer exists has nothing to drop: that Delete succeeds.

Each statement is awaited with ``describe_statement`` until it finishes, fails, or the
function's deadline comes, in which case it is cancelled and the request reported FAILED.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vts.aws.cfn_response import CustomResourceRequest
from vts.aws.custom_resource import CustomResource, Deadline, Outcome, is_failed_create
from vts.aws.exceptions import (
    DeadlineExceededError,
    InvalidPropertyError,
    NoManagedSecretError,
    StatementFailedError,
)

logger = logging.getLogger(__name__)

STATEMENT_NAME = "vts-external-schema"
# The statement, with Python format fields; sql/redshift/create_external_schema.sql is the
# same text with ${...} placeholders.
CREATE_TEMPLATE = (
    "create external schema if not exists {schema}\n"
    "from data catalog\n"
    "database '{catalog_database}'\n"
    "iam_role '{iam_role_arn}'\n"
    "region '{region}'"
)
DROP_TEMPLATE = "drop schema if exists {schema}"

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_$]{0,126}$")
_GLUE_DATABASE = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,254}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_WORKGROUP = re.compile(
    r"^([a-z0-9-]{3,64}|arn:aws[a-z-]*:redshift-serverless:[a-z0-9-]+:\d{12}:workgroup/[a-f0-9-]+)$"
)
_DATABASE = re.compile(r"^[a-z_][a-z0-9_$]{0,126}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@!-]+$")
_NAMESPACE = re.compile(r"^[a-z0-9-]{3,64}$")

TERMINAL_OK = "FINISHED"
TERMINAL_BAD = ("FAILED", "ABORTED")


def _checked(props: Mapping[str, Any], name: str, pattern: re.Pattern[str], expected: str) -> str:
    value = props.get(name)
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidPropertyError(name, value, expected)
    return value


@dataclass(frozen=True)
class ExternalSchema:
    """What the external schema is: its name and the catalog database it exposes."""

    schema: str
    catalog_database: str
    iam_role_arn: str
    region: str

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> ExternalSchema:
        return cls(
            schema=_checked(
                props, "SchemaName", _SCHEMA, "a lower-case Redshift identifier (a-z, 0-9, _)"
            ),
            catalog_database=_checked(
                props, "CatalogDatabase", _GLUE_DATABASE, "a lower-case Glue database name"
            ),
            iam_role_arn=_checked(props, "IamRoleArn", _ROLE_ARN, "an IAM role ARN"),
            region=_checked(props, "CatalogRegion", _REGION, "an AWS region such as us-east-1"),
        )

    def create_sql(self) -> str:
        return CREATE_TEMPLATE.format(
            schema=self.schema,
            catalog_database=self.catalog_database,
            iam_role_arn=self.iam_role_arn,
            region=self.region,
        )

    def drop_sql(self) -> str:
        return DROP_TEMPLATE.format(schema=self.schema)


@dataclass(frozen=True)
class DataApiTarget:
    """Where statements run: a Redshift Serverless workgroup (name or ARN) and database.

    With ``secret_arn`` the Data API signs in with that secret (the namespace's admin secret,
    which Redshift manages, when the stack creates the namespace); without it, with the
    caller's IAM identity.
    """

    workgroup: str
    database: str
    secret_arn: str | None = None

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> DataApiTarget:
        secret = props.get("SecretArn") or None
        if secret is not None:
            secret = _checked(props, "SecretArn", _SECRET_ARN, "a Secrets Manager secret ARN")
        return cls(
            workgroup=_checked(
                props, "WorkgroupName", _WORKGROUP, "a Redshift Serverless workgroup name or ARN"
            ),
            database=_checked(props, "Database", _DATABASE, "a Redshift database name"),
            secret_arn=secret,
        )

    def api_args(self) -> dict[str, str]:
        args = {"WorkgroupName": self.workgroup, "Database": self.database}
        if self.secret_arn:
            args["SecretArn"] = self.secret_arn
        return args


def physical_id(target: DataApiTarget, spec: ExternalSchema) -> str:
    return f"{target.workgroup}/{target.database}/{spec.schema}"


def run_statement(
    client: Any,
    target: DataApiTarget,
    sql: str,
    deadline: Deadline,
    *,
    sleep: Callable[[float], None] = time.sleep,
    client_token: str | None = None,
) -> str:
    """Execute ``sql`` and wait until it finishes; return the statement id.

    Raises :class:`StatementFailedError` if Redshift reports FAILED or ABORTED, and
    :class:`DeadlineExceededError` (after cancelling the statement) if the deadline passes.
    """
    args: dict[str, Any] = {**target.api_args(), "Sql": sql, "StatementName": STATEMENT_NAME}
    if client_token:
        args["ClientToken"] = client_token
    statement_id = str(client.execute_statement(**args)["Id"])
    logger.info("statement %s started on %s: %s", statement_id, target.workgroup, sql)
    started = deadline.clock()
    delay = 0.25
    while True:
        described = client.describe_statement(Id=statement_id)
        status = described.get("Status", "UNKNOWN")
        if status == TERMINAL_OK:
            logger.info("statement %s finished", statement_id)
            return statement_id
        if status in TERMINAL_BAD:
            raise StatementFailedError(statement_id, status, described.get("Error", ""), sql)
        if deadline.expired():
            try:
                client.cancel_statement(Id=statement_id)
            except Exception as exc:  # noqa: BLE001 - best effort; the timeout is what matters
                logger.warning("could not cancel statement %s: %s", statement_id, exc)
            raise DeadlineExceededError(
                f"Redshift statement {statement_id} ({status})", deadline.clock() - started
            )
        sleep(min(delay, max(deadline.remaining(), 0.01)))
        delay = min(delay * 2, 2.0)


_NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ResourceNotFound"})
_NOT_FOUND_TEXT = re.compile(r"(not found|does not exist|no such)", re.IGNORECASE)


def is_not_found(exc: BaseException) -> bool:
    """True when the Data API says the workgroup, database or secret it needs is gone."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in _NOT_FOUND_CODES:
            return True
        return code == "ValidationException" and bool(
            _NOT_FOUND_TEXT.search(str(error.get("Message", "")))
        )
    if isinstance(exc, StatementFailedError):
        return bool(_NOT_FOUND_TEXT.search(str(exc).split("(sql:")[0]))
    return False


def admin_secret_of(namespaces: Any, namespace: str) -> str:
    """The ARN of the admin secret Redshift manages for ``namespace`` (``GetNamespace``).

    Raises :class:`NoManagedSecretError` when the namespace does not manage its admin
    password in Secrets Manager; a namespace that is gone raises the client's not-found
    error (``is_not_found``)."""
    described = namespaces.get_namespace(namespaceName=namespace)["namespace"]
    secret = described.get("adminPasswordSecretArn")
    if not isinstance(secret, str) or not _SECRET_ARN.match(secret):
        raise NoManagedSecretError(namespace)
    return secret


def _no_namespaces() -> Any:
    raise InvalidPropertyError(
        "AdminSecretOfNamespace",
        "(set)",
        "no property: this handler has no Redshift Serverless client",
    )


class RedshiftExternalSchema(CustomResource):
    """``Custom::RedshiftExternalSchema``: see the module docstring for the lifecycle.

    ``namespaces``: a factory of the Redshift Serverless client that looks up a managed
    admin secret (called only for requests that name ``AdminSecretOfNamespace``)."""

    def __init__(
        self,
        client: Any,
        *,
        namespaces: Callable[[], Any] = _no_namespaces,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._namespaces = namespaces
        self._sleep = sleep

    def _target(self, props: Mapping[str, Any]) -> DataApiTarget:
        """Where to run, signing in with ``SecretArn`` or the namespace's managed secret."""
        namespace = props.get("AdminSecretOfNamespace")
        if namespace is None:
            return DataApiTarget.from_properties(props)
        if props.get("SecretArn"):
            raise InvalidPropertyError(
                "SecretArn", props["SecretArn"], "no secret beside AdminSecretOfNamespace"
            )
        name = _checked(props, "AdminSecretOfNamespace", _NAMESPACE, "a namespace name")
        secret = admin_secret_of(self._namespaces(), name)
        return DataApiTarget.from_properties({**props, "SecretArn": secret})

    def _run(
        self,
        request: CustomResourceRequest,
        target: DataApiTarget,
        sqls: list[str],
        deadline: Deadline,
    ) -> None:
        for index, sql in enumerate(sqls):
            run_statement(
                self._client,
                target,
                sql,
                deadline,
                sleep=self._sleep,
                client_token=f"{request.request_id[:56]}-{index}",
            )

    def create(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        spec = ExternalSchema.from_properties(request.properties)
        target = self._target(request.properties)
        self._run(request, target, [spec.create_sql()], deadline)
        return self._outcome(target, spec, "created")

    def update(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        spec = ExternalSchema.from_properties(request.properties)
        target = self._target(request.properties)
        try:
            old_spec = ExternalSchema.from_properties(request.old_properties)
            old_target = self._target(request.old_properties)
        except InvalidPropertyError:
            old_spec, old_target = spec, target  # nothing valid existed before: just create
        if old_target == target and old_spec.schema == spec.schema and old_spec != spec:
            statements = [spec.drop_sql(), spec.create_sql()]
            action = "recreated"
        else:
            statements = [spec.create_sql()]
            action = (
                "created"
                if physical_id(old_target, old_spec) != physical_id(target, spec)
                else "unchanged"
            )
        self._run(request, target, statements, deadline)
        return self._outcome(target, spec, action)

    def delete(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        physical = request.physical_resource_id or ""
        if is_failed_create(physical):
            return Outcome(physical, reason="nothing was created; nothing to drop")
        spec = ExternalSchema.from_properties(request.properties)
        workgroup = str(request.properties.get("WorkgroupName"))
        try:
            target = self._target(request.properties)
            self._run(request, target, [spec.drop_sql()], deadline)
        except Exception as exc:
            if not is_not_found(exc):
                raise
            # The workgroup, database or namespace is gone, and the schema with it: a failed
            # Delete here would only block the stack's deletion.
            logger.info("nothing to drop on %s: %s", workgroup, exc)
            return Outcome(physical, reason=f"{workgroup} no longer exists: {exc}")
        return Outcome(physical, reason=f"dropped external schema {spec.schema}")

    @staticmethod
    def _outcome(target: DataApiTarget, spec: ExternalSchema, action: str) -> Outcome:
        return Outcome(
            physical_resource_id=physical_id(target, spec),
            data={"SchemaName": spec.schema, "CatalogDatabase": spec.catalog_database},
            reason=f"external schema {spec.schema} {action} on {target.workgroup}",
        )
