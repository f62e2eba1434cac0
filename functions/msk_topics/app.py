"""Lambda handler of ``Custom::MskTopics``: the new MSK Serverless cluster's address and topics.

Thin: runs inside the VPC (the admin client talks to the brokers), looks the bootstrap
address up with the MSK API and creates missing topics through ``vts.aws.msk_topics``; the
skeleton (``vts.aws.handler``) logs and reports to CloudFormation.
"""

from vts.aws.handler import custom_resource_handler
from vts.aws.msk_topics import MskTopics

lambda_handler = custom_resource_handler(MskTopics, "kafka")
