"""The Glue 5.1 rehearsal (``integration``): the published streaming job, with the translated
template's arguments, in Glue 5.1's library set, for each Kafka authentication the
template can pass.

AWS is moto's server (a mock: S3 under ``s3a://``, the Glue catalog, Secrets Manager,
CloudWatch); Kafka is the real local broker. See harness.py for what plays which part of
Glue, and docs/deploy.md for what this proves and what only a real account can.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest

from tests.fixtures.aws import MotoServer
from tests.rehearsal.glue.harness import GlueJobRun, JobFactory, PublishedJob
from tests.stream.jobs import LakeReader, event_ids, messages, produce, simulated
from vts.contract.topics import TOPIC_NAMES
from vts.spark.session import QUIET_KAFKA_PLUGIN

pytestmark = pytest.mark.integration
KAFKA_RECORD_WARNING = "KafkaDataConsumer is not running in UninterruptibleThread"


def _lake(moto: MotoServer, bucket: str) -> LakeReader:
    return LakeReader(moto.s3fs(), f"{bucket}/data")


def _explain(done: Any) -> str:
    return f"exit {done.returncode}\n--- stderr (tail) ---\n{done.stderr[-6000:]}"


def _topic_prefix(job: GlueJobRun) -> str:
    return job.stack.params["TopicPrefix"]


def test_plaintext_with_a_topic_prefix_lands_every_event_on_s3_and_reports_metrics(
    glue_job: JobFactory, kafka_broker: Any, moto_server: MotoServer, s3_bucket: str, tmp_path: Path
) -> None:
    job = glue_job("plaintext")
    sim = simulated(datetime(2024, 5, 1, 8, 0, tzinfo=UTC), 60)
    produce(kafka_broker.bootstrap, messages(_topic_prefix(job), sim))

    done = job.run(tmp_path / "home")

    assert done.returncode == 0, _explain(done)
    lake = _lake(moto_server, s3_bucket)
    for table in TOPIC_NAMES:
        assert sorted(lake.ids(table)) == sorted(event_ids(sim[table])), table
    assert lake.staging() == []
    # The executor plugin shipped in --extra-jars and loaded by --conf quiets the Kafka
    # source, which otherwise warns once per record the job's Python stage reads.
    assert KAFKA_RECORD_WARNING not in done.stderr, _explain(done)
    cloudwatch = moto_server.client("cloudwatch")
    dimensions = [{"Name": "JobName", "Value": job.job_name}]
    namespace = job.default_arguments()["--metrics_namespace"]
    listed = cloudwatch.list_metrics(Namespace=namespace, Dimensions=dimensions)["Metrics"]
    lag_metric = job.stack.props("ConsumerLagAlarm")["MetricName"]
    assert {"RecordsIn", "RowsWritten", lag_metric} <= {m["MetricName"] for m in listed}
    records = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="RecordsIn",
        Dimensions=dimensions,
        StartTime=datetime(2000, 1, 1, tzinfo=UTC),
        EndTime=datetime(2100, 1, 1, tzinfo=UTC),
        Period=86400 * 365,
        Statistics=["Sum"],
    )["Datapoints"]
    assert sum(p["Sum"] for p in records) == sum(len(rows) for rows in sim.values())


def test_the_published_extra_jars_hold_the_plugin_the_job_loads(
    published_job: PublishedJob,
) -> None:
    plugin = QUIET_KAFKA_PLUGIN.replace(".", "/") + ".class"
    holders = []
    for jar in published_job.extra_jars:
        with ZipFile(jar) as entries:
            if plugin in entries.namelist():
                holders.append(jar.name)
    assert holders == ["vts-spark.jar"]


def test_scram_reads_its_secret_from_secrets_manager_and_consumes_over_tls(
    glue_job: JobFactory, kafka_broker: Any, moto_server: MotoServer, s3_bucket: str, tmp_path: Path
) -> None:
    secret = moto_server.client("secretsmanager").create_secret(
        Name=f"AmazonMSK_vts-{uuid.uuid4().hex[:8]}",
        SecretString=json.dumps(
            {"username": kafka_broker.scram_username, "password": kafka_broker.scram_password}
        ),
    )
    job = glue_job(
        "scram",
        ExistingKafkaSecretArn=secret["ARN"],
        ExistingKafkaSecretKmsKeyArn=(
            "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
        ),
    )
    assert job.default_arguments()["--kafka_secret_arn"] == secret["ARN"]
    sim = simulated(datetime(2024, 5, 1, 9, 0, tzinfo=UTC), 20)
    produce(kafka_broker.bootstrap, messages(_topic_prefix(job), sim))

    done = job.run(tmp_path / "home")

    assert done.returncode == 0, _explain(done)
    lake = _lake(moto_server, s3_bucket)
    assert sorted(lake.ids("gps_data")) == sorted(event_ids(sim["gps_data"]))


def test_iam_gets_past_start_up_and_fails_only_when_it_authenticates(
    glue_job: JobFactory, tmp_path: Path
) -> None:
    """No MSK here: Spark loads the IAM login module shipped with --extra-jars and opens
    TLS, and the broker, which does not speak AWS_MSK_IAM, refuses the login."""
    job = glue_job(
        "iam",
        ExistingMskClusterArn=(
            "arn:aws:kafka:us-east-1:123456789012:cluster/prod/9f8e7d6c-1111-2222-3333-4-3"
        ),
    )
    assert job.default_arguments()["--kafka_auth"] == "iam"

    done = job.run(tmp_path / "home")

    assert done.returncode != 0
    assert "NotInstalledError" not in done.stderr, _explain(done)
    assert f"started {job.job_name}" in done.stderr, _explain(done)  # the query started
    print(done.stderr[-3000:])
    assert "JobFailedError" in done.stderr, _explain(done)
