"""Lambda handler of ``Custom::RedshiftExternalSchema``: the Spectrum schema over the catalog.

Thin: ``vts.aws.redshift_schema`` runs the DDL with a Redshift Data API client (retried
the standard way, up to four attempts), and the skeleton (``vts.aws.handler``) logs and
reports to CloudFormation.
"""

from vts.aws.handler import custom_resource_handler
from vts.aws.redshift_schema import RedshiftExternalSchema

lambda_handler = custom_resource_handler(
    RedshiftExternalSchema, "redshift-data", retries={"mode": "standard", "max_attempts": 4}
)
