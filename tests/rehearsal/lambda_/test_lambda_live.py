"""The built live functions, run as Lambda python3.11 runs them, against a cache reached
the way the stack reaches ElastiCache: TLS, an ACL user, an IAM token.

The consumer's and the API's folders from `sam build`, their two layers mounted as Lambda
mounts them, the runtime's SDK set only (the rehearsal venv), the template's own
environment (``VTS_LIVE_CREDENTIALS=iam``; the cache's address, user and name given the
local values). The server is a real redis-server with TLS only and the ``default`` user
off (``tls_server``); the IAM user gets the template's access string and ``nopass``,
because the token is signed inside the function's process at invocation time and
redis-server cannot check a SigV4 signature (ElastiCache does; tests/live/test_iam.py
checks the token's form). That only the IAM user can have written is what the
switched-off default user guarantees.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.build import CODE_LAYER
from tests.fixtures.redis import TlsServer
from tests.live.test_tls_acl import template_access_string
from tests.rehearsal.lambda_.harness import BuiltStack, Function, LambdaRuntime
from vts.live.eventbridge import SOURCE
from vts.live.reference import LIVE_FILES

pytestmark = pytest.mark.integration
USER = "vts-live-51af3dc0"  # the shape of the stack's user id (template: vts-live-<stack id>)
CACHE = "vts-live-51af3dc0"


def local_values(server: TlsServer, aws: Mapping[str, str] | None = None) -> dict[str, str]:
    """The template's intrinsics resolved for this machine: the cache's address (with the
    test's CA, as the system CAs trust ElastiCache's certificate on Lambda), its user and
    name, the topic prefix; for the consumer (``aws``), where its reference tables and its
    alerts' bus are."""
    return {
        "VTS_LIVE_URL": server.url,
        "VTS_LIVE_USERNAME": USER,
        "VTS_LIVE_CACHE_NAME": CACHE,
        "VTS_TOPIC_PREFIX": "",
        **(aws or {}),
    }


@dataclass(frozen=True)
class ConsumerAws:
    """The consumer's AWS side on moto's server (a mock): the reference tables' live copy as
    the build wrote it, in a bucket, and the alerts' bus with a rule to an SQS queue."""

    values: dict[str, str]
    endpoint: str
    queue_url: str


@pytest.fixture
def consumer_aws(moto_server: Any, s3_bucket: str) -> ConsumerAws:
    built = CODE_LAYER / "reference" / "city" / "live"  # the sample's scenario
    s3 = moto_server.client("s3")
    for file_name in LIVE_FILES.values():
        s3.put_object(
            Bucket=s3_bucket, Key=f"reference/{file_name}", Body=(built / file_name).read_bytes()
        )
    events, sqs = moto_server.client("events"), moto_server.client("sqs")
    bus = f"live-alerts-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    url = sqs.create_queue(QueueName=bus)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name="all", EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule="all", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn["QueueArn"]}])
    values = {"VTS_LIVE_REFERENCE": f"s3://{s3_bucket}/reference/", "VTS_LIVE_EVENT_BUS": bus}
    return ConsumerAws(values, moto_server.url, url)


# What Lambda adds for the function's role (made up: the token is signed, never checked
# against AWS), and what the rehearsal adds beyond the template: the samples kept live
# (they are from 2024). The keys' prefix is the template's (none set: vts).
ROLE = {
    "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEROLEKEY01",
    "AWS_SECRET_ACCESS_KEY": "example-secret",
    "AWS_SESSION_TOKEN": "example-session-token",
}


@pytest.fixture
def iam_user(tls_server: TlsServer) -> str:
    tls_server.set_user(USER, template_access_string(), None)
    return USER


def run(
    runtime: LambdaRuntime,
    function: Function,
    events: list[Path],
    server: TlsServer,
    aws: ConsumerAws | None = None,
) -> Any:
    env = function.environment(local_values(server, aws.values if aws else None)) | ROLE
    env |= {"VTS_LIVE_SILENCE_S": "0", "VTS_LIVE_INCIDENT_TTL_S": "0"}
    if aws is not None:  # the runtime's boto3 reaches moto's server (boto3 >= 1.28)
        env |= {"AWS_ENDPOINT_URL": aws.endpoint}
    assert env["VTS_LIVE_CREDENTIALS"] == "iam"  # the template's, not the rehearsal's
    return runtime.invoke(function, events, env)


def test_the_built_live_functions_write_and_read_over_tls_with_an_iam_token(
    built_stack: BuiltStack,
    lambda_runtime: LambdaRuntime,
    tls_server: TlsServer,
    iam_user: str,
    consumer_aws: ConsumerAws,
    moto_server: Any,
) -> None:
    consumer = built_stack.by_source("live_consumer")
    api = built_stack.by_source("live_api")
    # the sample batch, then the schedule's sweep, in one warm container
    assert [p.name for p in consumer.event_files] == [
        "live_consumer_batch.json",
        "live_consumer_sweep.json",
    ]
    written = run(lambda_runtime, consumer, consumer.event_files, tls_server, consumer_aws)
    batch, sweep = written.outcomes
    assert batch["ok"] and sweep["ok"], (batch, sweep)
    outcome = batch["result"]
    assert (outcome["records"], outcome["invalid"], outcome["written"]) == (14, 1, 3)
    assert outcome["publish_failed"] is False and sweep["result"]["silent"] == 0
    # the alerts the sample raised reached the bus (moto's), as each alert's first version
    sqs = moto_server.client("sqs")
    got = sqs.receive_message(QueueUrl=consumer_aws.queue_url, MaxNumberOfMessages=10)
    details = [json.loads(m["Body"])["detail"] for m in got.get("Messages", [])]
    assert len(details) == outcome["published"] > 0
    assert all(d["raised"] and d["vehicle_id"].startswith("VEH-") for d in details)
    # the layer's redis-py and msgspec, not the dev venv's
    opt = lambda_runtime.opt_for(consumer)
    for module in ("redis", "msgspec", "vts"):
        assert Path(str(written.modules[module]["file"])).is_relative_to(opt), module
    metrics = [r for r in written.log_records() if "_aws" in r]
    (age,) = [r for r in metrics if "RecordAge" in r]
    assert (
        age["_aws"]["CloudWatchMetrics"][0]["Namespace"]
        == consumer.variables["POWERTOOLS_METRICS_NAMESPACE"]
    )
    assert age["service"] == consumer.variables["POWERTOOLS_SERVICE_NAME"]  # the alarm's dimension

    admin = tls_server.admin()
    assert admin.keys("{vts}:*"), "nothing written (only the IAM user could write)"
    admin.close()

    # One warm API container answers every sample request in turn.
    answered = run(lambda_runtime, api, api.event_files, tls_server)
    by_path: dict[str, tuple[int, dict[str, Any]]] = {}
    for event, result in zip(api.event_files, answered.outcomes, strict=True):
        assert result["ok"], result
        response = result["result"]
        by_path[event.name] = (response["statusCode"], json.loads(response["body"]))
    assert {name: status for name, (status, _) in by_path.items()} == {
        p.name: 200 for p in api.event_files
    }
    assert len(by_path["live_api_vehicles.json"][1]["vehicles"]) == 3
    assert by_path["live_api_health.json"][1]["vehicles"] == 3
    assert by_path["live_api_incidents.json"][1]["incidents"][0]["incident_type"] == "Accident"
