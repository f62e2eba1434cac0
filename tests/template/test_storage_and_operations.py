"""The bucket, encryption, logs and alarms of the translated template."""

from __future__ import annotations

import pytest

from tests.template.cfn import Stack
from tests.template.scenarios import SCENARIOS


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack()


def test_the_bucket_denies_every_request_without_tls(stack: Stack) -> None:
    policy = stack.props("DataBucketPolicy")
    assert policy["Bucket"] == "{Ref:DataBucket}"
    (statement,) = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert sorted(statement["Resource"]) == ["{DataBucket.Arn}", "{DataBucket.Arn}/*"]


def test_the_bucket_is_private_encrypted_and_kept(stack: Stack) -> None:
    bucket = stack.resources["DataBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": "{DataKey.Arn}",
    }
    assert rule["BucketKeyEnabled"] is True
    assert stack.props("DataKey")["EnableKeyRotation"] is True


def test_lifecycle_expires_quarantine_and_never_live_checkpoints(stack: Stack) -> None:
    rules = {r["Id"]: r for r in stack.props("DataBucket")["LifecycleConfiguration"]["Rules"]}
    quarantine = rules["quarantine-expires"]
    assert quarantine["Prefix"] == "quarantine/"
    assert quarantine["ExpirationInDays"] == stack.params["QuarantineRetentionDays"]
    checkpoints = rules["checkpoints-housekeeping"]
    assert checkpoints["Prefix"] == "checkpoints/"
    assert "ExpirationInDays" not in checkpoints  # would corrupt a running query's state
    assert checkpoints["NoncurrentVersionExpiration"]["NoncurrentDays"] >= 1
    assert not any(
        "ExpirationInDays" in r and r.get("Prefix", "").startswith("data")
        for r in rules.values()
        if not r.get("Prefix", "").startswith("data/_staging/")
    )
    # The staging folders, where every batch's files are renamed (copied and deleted) in a
    # versioned bucket: leftovers, old versions and the delete markers all go.
    staging = [r for r in rules.values() if r.get("Prefix") == "data/_staging/"]
    assert any(r.get("ExpiredObjectDeleteMarker") is True for r in staging)
    assert any(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == 1 for r in staging)
    assert any(r.get("ExpirationInDays") == 1 for r in staging)


def test_every_function_logs_to_its_own_group_with_retention_and_kms(stack: Stack) -> None:
    groups = stack.of_type("AWS::Logs::LogGroup")
    for logical, function in stack.of_type("AWS::Lambda::Function").items():
        target = function["Properties"]["LoggingConfig"]["LogGroup"]
        group = target.removeprefix("{Ref:").removesuffix("}")
        assert group in groups, logical
        props = groups[group]["Properties"]
        assert props["RetentionInDays"] == stack.params["LogRetentionDays"]
        assert props["KmsKeyId"] == "{DataKey.Arn}"


def test_glue_encrypts_its_output_logs_and_bookmarks(stack: Stack) -> None:
    for logical in ("GlueJobSecurityConfiguration", "GlueSecurityConfiguration"):
        config = stack.props(logical)["EncryptionConfiguration"]
        assert config["S3Encryptions"][0]["S3EncryptionMode"] == "SSE-KMS"
        assert config["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"
    # the crawler's logs through its security configuration; the jobs' in the stack's own
    # groups, which CloudWatch Logs encrypts with the key (test below)
    crawler = stack.props("GlueSecurityConfiguration")["EncryptionConfiguration"]
    assert crawler["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
    assert stack.props("Crawler")["CrawlerSecurityConfiguration"] == (
        "{Ref:GlueSecurityConfiguration}"
    )


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_log_the_stack_writes_lands_in_a_group_it_owns_with_retention(
    scenario: str,
) -> None:
    """The review's finding: Glue (jobs, crawler) and Redshift created log groups of their
    own, which keep logs forever. Each writer's destination, as AWS names it, is a group of
    the stack, with the stack's retention and key, there before the writer starts."""
    stack = Stack(SCENARIOS[scenario])
    owned = {
        body["Properties"]["LogGroupName"]: logical
        for logical, body in stack.of_type("AWS::Logs::LogGroup").items()
    }
    written: dict[str, str] = {}  # log group name -> who writes it
    for logical, function in stack.of_type("AWS::Lambda::Function").items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]
        written[stack.props(group.removeprefix("{Ref:").removesuffix("}"))["LogGroupName"]] = (
            logical
        )
    for logical, machine in stack.of_type("AWS::StepFunctions::StateMachine").items():
        for destination in (
            machine["Properties"].get("LoggingConfiguration", {}).get("Destinations", [])
        ):
            arn = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]
            group = arn.removeprefix("{").removesuffix(".Arn}")
            written[stack.props(group)["LogGroupName"]] = logical
    # Glue 5.x: <--custom-logGroup-prefix>/error and /output; a security configuration with
    # CloudWatch encryption would make Glue name (and create) the groups itself.
    for logical, job in stack.of_type("AWS::Glue::Job").items():
        props = job["Properties"]
        assert float(props["GlueVersion"]) >= 5.0, logical
        arguments = props["DefaultArguments"]
        assert "--continuous-log-logGroup" not in arguments, logical  # Glue 4's
        prefix = arguments["--custom-logGroup-prefix"]
        written.update({f"{prefix}/error": logical, f"{prefix}/output": logical})
        config = stack.props(props["SecurityConfiguration"].removeprefix("{Ref:").removesuffix("}"))
        cloudwatch = config["EncryptionConfiguration"]["CloudWatchEncryption"]
        assert cloudwatch["CloudWatchEncryptionMode"] == "DISABLED", logical
    # A crawler with CloudWatch encryption logs to /aws-glue/crawlers-role/<role>-<config>.
    for logical, crawler in stack.of_type("AWS::Glue::Crawler").items():
        props = crawler["Properties"]
        role = props["Role"].removeprefix("{").removesuffix(".Arn}")
        config = props["CrawlerSecurityConfiguration"]
        written[f"/aws-glue/crawlers-role/{{Ref:{role}}}-{config}"] = logical
    # Redshift Serverless: /aws/redshift/<namespace>/<log type>.
    for logical, namespace in stack.of_type("AWS::RedshiftServerless::Namespace").items():
        props = namespace["Properties"]
        for kind in props.get("LogExports", []):
            written[f"/aws/redshift/{props['NamespaceName']}/{kind}"] = logical
    assert written
    for name, writer in written.items():
        assert name in owned, f"{writer} writes {name}, a log group the stack does not own"
        group = stack.resources[owned[name]]
        assert group["Properties"]["RetentionInDays"] == stack.params["LogRetentionDays"], name
        assert group["Properties"]["KmsKeyId"] == "{DataKey.Arn}", name
        if writer in stack.of_type("AWS::Lambda::Function"):
            continue  # Lambda writes only to its LoggingConfig group, whenever it is there
        # a service that finds no group creates one without retention: the group first
        assert owned[name] in created_before(stack, writer), (writer, name)
    # ... and no role may write log groups outside the stack's own
    for logical, role in stack.of_type("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"]
                actions = actions if isinstance(actions, list) else [actions]
                if "logs:PutLogEvents" not in actions:
                    continue
                resources = statement["Resource"]
                for resource in resources if isinstance(resources, list) else [resources]:
                    if resource.endswith(".Arn}"):
                        assert resource[1:-5] in owned.values(), (logical, resource)
                    else:
                        assert ":log-group:/aws-glue/crawlers-role/" in resource, (
                            logical,
                            resource,
                        )


def test_alarms_watch_the_simulator_the_job_the_crawler_and_the_lag(stack: Stack) -> None:
    alarms = {k: v["Properties"] for k, v in stack.of_type("AWS::CloudWatch::Alarm").items()}
    for props in alarms.values():
        assert props["AlarmActions"] == ["{Ref:AlertsTopic}"]
        # and says when it is over, so a subscriber is not left guessing
        assert props["OKActions"] == ["{Ref:AlertsTopic}"]
    errors = alarms["SimulatorErrorsAlarm"]
    assert (errors["Namespace"], errors["MetricName"]) == ("AWS/Lambda", "Errors")
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": "{Ref:SimulatorFunction}"}]

    rule = stack.props("GlueJobFailedRule")["EventPattern"]
    # both Glue jobs: a failed reports run raises the alarm too
    assert rule["detail"]["jobName"] == ["{Ref:StreamingJob}", "{Ref:ReportsJob}"]
    assert set(rule["detail"]["state"]) >= {"FAILED", "TIMEOUT"}
    failed = alarms["GlueJobFailedAlarm"]
    assert failed["Dimensions"] == [{"Name": "RuleName", "Value": "{Ref:GlueJobFailedRule}"}]

    crawler_rule = stack.props("CrawlerFailedRule")["EventPattern"]
    assert crawler_rule["detail"]["crawlerName"] == ["{Ref:Crawler}"]

    # The lag alarm watches the metric the job itself publishes (vts.stream.metrics),
    # under the name Glue gives the job run (JOB_NAME = the job's name).
    lag = alarms["ConsumerLagAlarm"]
    job_args = stack.props("StreamingJob")["DefaultArguments"]
    assert (lag["Namespace"], job_args["--metrics"]) == (
        job_args["--metrics_namespace"],
        "cloudwatch",
    )
    assert lag["MetricName"] in {name for name, _, _ in _published_metric_names()}
    assert lag["MetricName"] == "MaxOffsetsBehindLatest"
    assert lag["Dimensions"] == [{"Name": "JobName", "Value": "{Ref:StreamingJob}"}]
    assert int(lag["Threshold"]) == int(stack.params["ConsumerLagAlarmOffsets"])
    running = stack.params["PipelineEnabled"] == "true"
    assert lag["TreatMissingData"] == ("breaching" if running else "notBreaching")


def test_the_queue_policy_admits_only_the_two_failure_rules(stack: Stack) -> None:
    (statement,) = stack.props("OpsEventsQueuePolicy")["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert sorted(statement["Condition"]["ArnEquals"]["aws:SourceArn"]) == [
        "{CrawlerFailedRule.Arn}",
        "{GlueJobFailedRule.Arn}",
    ]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_resource_is_left_dangling_by_a_false_condition(scenario: str) -> None:
    stack = Stack(SCENARIOS[scenario])
    names = set(stack.resources)
    text = repr(stack.resources) + repr(stack.outputs)
    for logical in stack.template["Resources"]:
        if logical not in names:
            assert f"{{Ref:{logical}}}" not in text, f"{scenario}: Ref to absent {logical}"
            assert f"{{{logical}." not in text, f"{scenario}: GetAtt of absent {logical}"


def created_before(stack: Stack, logical: str) -> set[str]:
    """What CloudFormation creates before ``logical``: its DependsOn and every resource it
    refers to, and theirs."""
    seen: set[str] = set()
    todo = [logical]
    while todo:
        body = stack.resources[todo.pop()]
        depends = body.get("DependsOn", [])
        found = set([depends] if isinstance(depends, str) else depends)
        text = repr(body.get("Properties", {}))
        found |= {
            name for name in stack.resources if f"{{Ref:{name}}}" in text or f"{{{name}." in text
        }
        todo += sorted(found - seen)
        seen |= found
    return seen


def _published_metric_names() -> list[tuple[str, float, str]]:
    from vts.stream.metrics import BatchMetrics

    sample = BatchMetrics(0, 1, 1, 0, 1, 0.5, {"min": 0.0, "avg": 1.0, "max": 2.0})
    return sample.datums()


def test_the_alarms_reach_someone_on_a_first_deploy() -> None:
    """The review's finding: by default the alarm topic had no subscriber. AlarmEmail has no
    default, so `sam deploy --guided` asks for it; `none` is a choice made on purpose."""
    import re

    from tests.template.cfn import translate

    spec = translate()["Parameters"]["AlarmEmail"]
    assert "Default" not in spec
    pattern = re.compile(spec["AllowedPattern"])
    for accepted in ("ops@example.com", "a.b+vts@ops.example.org", "none"):
        assert pattern.match(accepted), accepted
    for refused in ("", "ops", "ops@example", "ops@ex ample.com", "None "):
        assert not pattern.match(refused), refused

    stack = Stack({"AlarmEmail": "ops@example.com"})
    (subscription,) = stack.of_type("AWS::SNS::Subscription").values()
    assert subscription["Properties"] == {
        "TopicArn": "{Ref:AlertsTopic}",
        "Protocol": "email",
        "Endpoint": "ops@example.com",
    }
    assert not Stack({"AlarmEmail": "none"}).of_type("AWS::SNS::Subscription")
