-- Redshift Spectrum: expose the Glue Data Catalog database of the lake as an external schema.
--
-- The stack runs this statement for you (Custom::RedshiftExternalSchema, through the Redshift
-- Data API); this file is the same statement for running it by hand, e.g. against another
-- workgroup. Fill the placeholders from the stack outputs (docs/deploy.md):
--   ${schema}            RedshiftExternalSchema output (default: vts)
--   ${catalog_database}  GlueDatabase output (default: vts)
--   ${iam_role_arn}      SpectrumRoleArn output; the role must be attached to the namespace
--   ${region}            the stack's region
-- vts.aws.redshift_schema builds the identical statement; tests keep the two in step.
create external schema if not exists ${schema}
from data catalog
database '${catalog_database}'
iam_role '${iam_role_arn}'
region '${region}';
