"""Lambda handler of ``Custom::RedshiftExternalSchema``: the Spectrum schema over the catalog.

Thin: ``vts.aws.redshift_schema`` runs the DDL with a Redshift Data API client (retried
the standard way, up to four attempts), signing in with the admin secret Redshift manages
for the stack's namespace (looked up with a Redshift Serverless client, made only when a
request names that namespace), and the skeleton (``vts.aws.handler``) logs and reports to
CloudFormation.
"""

from typing import Any

from vts.aws.handler import CONNECT_TIMEOUT, LazyClient, custom_resource_handler
from vts.aws.redshift_schema import RedshiftExternalSchema

namespaces = LazyClient(
    "redshift-serverless",
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=20.0,
    retries={"mode": "standard", "max_attempts": 4},
)


def external_schema(client: Any) -> RedshiftExternalSchema:
    return RedshiftExternalSchema(client, namespaces=namespaces)


lambda_handler = custom_resource_handler(
    external_schema, "redshift-data", retries={"mode": "standard", "max_attempts": 4}
)
