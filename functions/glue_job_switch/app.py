"""Lambda handler of ``Custom::GlueStreamingSwitch``: start or stop the streaming job run.

Thin: ``vts.aws.glue_job_switch`` decides what to start or stop with a Glue client, and
the skeleton (``vts.aws.handler``) logs and reports to CloudFormation.
"""

from vts.aws.glue_job_switch import GlueStreamingSwitch
from vts.aws.handler import custom_resource_handler

lambda_handler = custom_resource_handler(GlueStreamingSwitch, "glue")
