"""Parameter sets the template tests deploy (offline) — every Kafka and Redshift choice.

The ARNs are made up (account 123456789012); none of them is a secret.
"""

from __future__ import annotations

SCRAM_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_vts-AbCdEf"  # noqa: S105
SCRAM_KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
EXISTING_MSK = (
    "arn:aws:kafka:us-east-1:123456789012:cluster/prod-kafka/9f8e7d6c-1111-2222-3333-444455556666-3"
)
WORKGROUP_ARN = (
    "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/"
    "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
)
ADMIN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-admin-AbCdEf"  # noqa: S105

# An existing VPC: what a stack on an existing cluster must name (Rules).
EXISTING_VPC = {
    "VpcId": "vpc-0a1b2c3d4e5f60718",
    "SubnetIds": "subnet-0aaa,subnet-0bbb,subnet-0ccc",
}

SCENARIOS: dict[str, dict[str, str]] = {
    "defaults": {},
    "own-vpc-nat-gateway-no-redshift": {"NetworkEgress": "nat-gateway", "RedshiftMode": "none"},
    "existing-scram-existing-redshift-secret": {
        **EXISTING_VPC,
        "KafkaSource": "existing",
        "ExistingKafkaBootstrap": "b-1.prod.kafka.us-east-1.amazonaws.com:9096",
        "ExistingKafkaAuth": "scram",
        "ExistingKafkaSecretArn": SCRAM_SECRET,
        "ExistingKafkaSecretKmsKeyArn": SCRAM_KEY,
        "RedshiftMode": "existing-workgroup",
        "ExistingRedshiftWorkgroupArn": WORKGROUP_ARN,
        "ExistingRedshiftSecretArn": ADMIN_SECRET,
    },
    "existing-msk-iam-redshift-iam-auth": {
        **EXISTING_VPC,
        "KafkaSource": "existing",
        "ExistingKafkaBootstrap": "b-1.prod.kafka.us-east-1.amazonaws.com:9098",
        "ExistingKafkaAuth": "iam",
        "ExistingMskClusterArn": EXISTING_MSK,
        "RedshiftMode": "existing-workgroup",
        "ExistingRedshiftWorkgroupArn": WORKGROUP_ARN,
        "FleetShards": "8",
        "FleetVehicles": "10000",
        "SimulationWindowSeconds": "300",
        "TopicPrefix": "fleet1.",
    },
    "plaintext-no-redshift-paused": {
        **EXISTING_VPC,
        "KafkaSource": "existing",
        "ExistingKafkaBootstrap": "kafka.internal:9092",
        "ExistingKafkaAuth": "plaintext",
        "RedshiftMode": "none",
        "PipelineEnabled": "false",
        "SimulatorReservedConcurrency": "0",
        "CrawlerRecrawlBehavior": "CRAWL_EVERYTHING",
    },
}
