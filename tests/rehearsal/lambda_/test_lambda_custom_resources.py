"""The built custom-resource functions, run as Lambda python3.11 runs them, with every
sample event in events/.

AWS is mocked: every AWS API call goes to moto's server on 127.0.0.1 (S3, Glue, Redshift
Data, MSK), through the boto3 the function really imports (the layer's), with fake
credentials; CloudFormation's pre-signed ResponseURL is a local HTTP server that records
the PUT. Sample events get local values (a uuid bucket and job, the response URL) and
nothing else. Each function runs in one process per test: a warm container serving its
events in order.

What moto cannot play: ``kafka:GetBootstrapBrokers`` (moto does not implement it), so the
MSK API is a local stand-in that answers as MSK does for a cluster that is gone (404
``NotFoundException``): the MSK topics function is rehearsed up to that call (it must
report MSK's reason to CloudFormation as FAILED, not hang), its MSK IAM client offline
(token signed by the layer's signer, admin client built by the layer's librdkafka), and its
topic creation with the layer's client against the real local broker (plaintext: the
broker has no IAM listener).
``glue:BatchStopJobRun``: moto lacks it, so stopping a *running* job is covered only by
the stubbed in-process test (tests/functions/test_glue_job_switch.py); here the job's runs
finish at once.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
import zipfile
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from tests.aws.cfn_server import CfnResponses
from tests.fixtures.aws import MotoServer
from tests.fixtures.kafka import KafkaBroker
from tests.functions.test_redshift_schema import BackgroundRedshift
from tests.rehearsal.lambda_.harness import (
    BuiltStack,
    Function,
    LambdaRuntime,
    write_event,
)

pytestmark = pytest.mark.integration


def localised(
    function: Function, directory: Path, response_url: str, **properties: str
) -> list[Path]:
    """The function's sample events with the response URL and ``properties`` replaced."""
    paths = []
    for sample in function.event_files:
        event: dict[str, Any] = json.loads(sample.read_text())
        event["ResponseURL"] = response_url
        for key in ("ResourceProperties", "OldResourceProperties"):
            if key in event:
                event[key] |= {k: v for k, v in properties.items() if k in event[key]}
        paths.append(write_event(directory, sample.name, event))
    return paths


def bodies(responses: CfnResponses) -> list[dict[str, Any]]:
    return [r["body"] for r in responses.received]


def test_glue_assets_publishes_and_deletes_on_moto_s3(
    built_stack: BuiltStack,
    lambda_runtime: LambdaRuntime,
    moto_server: MotoServer,
    s3_bucket: str,
    cfn_responses: CfnResponses,
    tmp_path: Path,
) -> None:
    function = built_stack.by_source("glue_assets")
    create, delete = localised(function, tmp_path, cfn_responses.url, Bucket=s3_bucket)
    assert (create.name, delete.name) == ("glue_assets_create.json", "glue_assets_delete.json")
    s3 = moto_server.client("s3")
    # the delete event names an earlier deploy's folder: s3://<bucket>/glue/<digest>/
    old_folder = json.loads(delete.read_text())["PhysicalResourceId"].split("/", 3)[3]
    s3.put_object(Bucket=s3_bucket, Key=old_folder + "vts.zip", Body=b"an older deploy")
    delete_event = json.loads(delete.read_text())
    delete_event["PhysicalResourceId"] = f"s3://{s3_bucket}/{old_folder}"
    delete = write_event(tmp_path, delete.name, delete_event)

    run = lambda_runtime.invoke(
        function, [create, delete], function.environment({}) | moto_server.env
    )

    assert all(o["ok"] for o in run.outcomes), run.outcomes
    created, deleted = bodies(cfn_responses)
    assert (created["Status"], deleted["Status"]) == ("SUCCESS", "SUCCESS"), created["Reason"]
    data = created["Data"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert not any(k.startswith(old_folder) for k in keys)  # the delete event's folder went
    digest = data["Digest"]
    assert data["ScriptLocation"] == f"s3://{s3_bucket}/glue/{digest}/vts_streaming_job.py"
    for location in [data["ScriptLocation"], data["ExtraPyFiles"], *data["ExtraJars"].split(",")]:
        assert location.removeprefix(f"s3://{s3_bucket}/") in keys, location
    # the zip is the code layer's vts, as Glue's --extra-py-files will import it
    archive = s3.get_object(Bucket=s3_bucket, Key=f"glue/{digest}/vts.zip")["Body"].read()
    names = zipfile.ZipFile(BytesIO(archive)).namelist()
    assert "vts/__init__.py" in names and "vts/stream/job.py" in names
    assert not any("__pycache__" in n for n in names)


def test_glue_job_switch_starts_and_switches_off_on_moto_glue(
    built_stack: BuiltStack,
    lambda_runtime: LambdaRuntime,
    moto_server: MotoServer,
    cfn_responses: CfnResponses,
    tmp_path: Path,
) -> None:
    function = built_stack.by_source("glue_job_switch")
    job = f"vts-rehearsal-{uuid.uuid4().hex[:8]}"
    glue = moto_server.client("glue")
    glue.create_job(
        Name=job,
        Role="arn:aws:iam::123456789012:role/glue",
        Command={"Name": "gluestreaming", "ScriptLocation": "s3://b/glue/x/job.py"},
    )
    create, disable = localised(function, tmp_path, cfn_responses.url, JobName=job)
    assert (create.name, disable.name) == (
        "glue_job_switch_create.json",
        "glue_job_switch_disable.json",
    )

    run = lambda_runtime.invoke(
        function, [create, disable], function.environment({}) | moto_server.env
    )

    assert all(o["ok"] for o in run.outcomes), run.outcomes
    started, stopped = bodies(cfn_responses)
    assert started["Status"] == "SUCCESS" and started["PhysicalResourceId"] == f"{job}/switch"
    runs = glue.get_job_runs(JobName=job)["JobRuns"]
    assert [r["Id"] for r in runs] == [started["Data"]["RunId"]]
    # switched off: no run is left going (moto's runs finish at once, so there was none to
    # stop; stopping a running one is tests/functions/test_glue_job_switch.py's, stubbed)
    assert stopped["Status"] == "SUCCESS"
    states = [r["JobRunState"] for r in glue.get_job_runs(JobName=job)["JobRuns"]]
    assert not set(states) & {"STARTING", "RUNNING", "STOPPING", "WAITING"}, states


def test_redshift_schema_runs_each_event_through_moto_redshift_data(
    built_stack: BuiltStack,
    lambda_runtime: LambdaRuntime,
    moto_server: MotoServer,
    cfn_responses: CfnResponses,
    tmp_path: Path,
) -> None:
    function = built_stack.by_source("redshift_schema")
    events = localised(function, tmp_path, cfn_responses.url)
    env = function.environment({}) | moto_server.env

    # moto's server runs in this process, so the stand-in database can finish its statements
    with BackgroundRedshift(fail_when=lambda _: False) as redshift:
        before = {s.id for s in redshift.statements()}
        run = lambda_runtime.invoke(function, events, env)
        sql = [s.query_string.split("\n")[0] for s in redshift.statements() if s.id not in before]

    assert all(o["ok"] for o in run.outcomes), run.outcomes
    assert [b["Status"] for b in bodies(cfn_responses)] == ["SUCCESS"] * len(events)
    assert [b["RequestId"] for b in bodies(cfn_responses)] == [
        json.loads(p.read_text())["RequestId"] for p in events
    ]
    assert sql.count("create external schema if not exists vts") == 3  # create, 2 updates
    assert sql.count("drop schema if exists vts") == 2  # delete, catalog-changing update
    records = run.log_records()
    assert records and all(r["service"] == "vts-redshift-schema" for r in records)


class GoneCluster:
    """The MSK API (``AWS_ENDPOINT_URL_KAFKA``) for a cluster that no longer exists: every
    request gets MSK's 404 ``NotFoundException``; the paths asked for are kept."""

    MESSAGE = "The specified cluster was not found."

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths, message = self.paths, self.MESSAGE

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                paths.append(unquote(self.path))
                body = json.dumps({"message": message}).encode()
                self.send_response(404)
                self.send_header("x-amzn-ErrorType", "NotFoundException")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> GoneCluster:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_msk_topics_reports_msks_refusal_to_cloudformation(
    built_stack: BuiltStack,
    lambda_runtime: LambdaRuntime,
    moto_server: MotoServer,
    cfn_responses: CfnResponses,
    tmp_path: Path,
) -> None:
    """When MSK refuses (here: the cluster is gone), the stack's event says why (FAILED,
    with MSK's reason), and the function returns instead of hanging the deploy."""
    function = built_stack.by_source("msk_topics")
    (event,) = localised(function, tmp_path, cfn_responses.url)
    cluster = json.loads(event.read_text())["ResourceProperties"]["ClusterArn"]

    with GoneCluster() as msk:
        env = function.environment({}) | moto_server.env | {"AWS_ENDPOINT_URL_KAFKA": msk.url}
        run = lambda_runtime.invoke(function, [event], env)

    (body,) = bodies(cfn_responses)
    assert run.only() == body
    assert body["Status"] == "FAILED"
    assert "NotFoundException" in body["Reason"] and GoneCluster.MESSAGE in body["Reason"]
    assert msk.paths == [f"/v1/clusters/{cluster}/bootstrap-brokers"]


PROBE = """
import base64, json
from confluent_kafka.admin import AdminClient
from vts.kafka.auth.msk_iam import MskIamAuth

def handler(event, context):
    auth = MskIamAuth.from_settings()
    config = {"bootstrap.servers": "127.0.0.1:9", **auth.producer_config()}
    token, expiry = config["oauth_cb"](None)
    AdminClient(config)  # the layer's librdkafka accepts the OAUTHBEARER configuration
    return {"token": token, "expiry": expiry}
"""


def test_the_msk_iam_client_signs_with_the_layers_signer_offline(
    built_stack: BuiltStack, lambda_runtime: LambdaRuntime, moto_server: MotoServer, tmp_path: Path
) -> None:
    """The MSK topics function's IAM client pieces, in its runtime with its layers: the
    signer makes a SigV4 token from the (fake) credentials without a network call."""
    function = built_stack.by_source("msk_topics")
    task = tmp_path / "task"
    task.mkdir()
    (task / "probe.py").write_text(PROBE)
    probe = replace(function, code=task, handler="probe.handler")
    event = write_event(tmp_path, "empty.json", {})

    result = lambda_runtime.invoke(probe, [event], moto_server.env).only()

    padded = result["token"] + "=" * (-len(result["token"]) % 4)
    url = urlparse(base64.urlsafe_b64decode(padded).decode())
    assert url.hostname == "kafka.us-east-1.amazonaws.com"
    query = parse_qs(url.query)
    assert query["Action"] == ["kafka-cluster:Connect"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].startswith("testing/")
    assert result["expiry"] > 0


ADMIN_PROBE = """
from vts.kafka import admin

def handler(event, context):
    names = event["topics"]
    first = admin.create_topics(event["bootstrap"], names, partitions=6, replication_factor=-1)
    again = admin.create_topics(event["bootstrap"], names, partitions=6, replication_factor=-1)
    partitions = admin.topic_partitions(event["bootstrap"])
    return {"first": first, "again": again, "partitions": partitions}
"""


def test_the_msk_topics_admin_calls_work_with_the_layers_librdkafka(
    built_stack: BuiltStack,
    lambda_runtime: LambdaRuntime,
    kafka_broker: KafkaBroker,
    tmp_path: Path,
) -> None:
    """What Custom::MskTopics does once it has the address (create the missing topics with
    the cluster's replication factor, -1), with the layer's confluent-kafka 2.4.0 against the
    real local broker (plaintext: the broker has no IAM listener)."""
    function = built_stack.by_source("msk_topics")
    task = tmp_path / "task"
    task.mkdir()
    (task / "probe.py").write_text(ADMIN_PROBE)
    probe = replace(function, code=task, handler="probe.handler")
    topics = [f"rehearsal-{uuid.uuid4().hex[:8]}-{t}" for t in ("vehicle_data", "gps_data")]
    event = write_event(
        tmp_path, "topics.json", {"bootstrap": kafka_broker.bootstrap, "topics": topics}
    )

    run = lambda_runtime.invoke(probe, [event], {})
    result = run.only()

    assert result["first"] == dict.fromkeys(topics, True)
    assert result["again"] == dict.fromkeys(topics, False)  # existing topics are left alone
    assert all(result["partitions"][t] == 6 for t in topics)
    assert run.modules["confluent_kafka"]["version"] == "2.4.0"
