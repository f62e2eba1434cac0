"""template.yaml, translated by aws-sam-translator and resolved offline: is it wired right?

Each test resolves the stack for one or more parameter sets (tests/template/scenarios.py)
and checks one promise of the template against the code that consumes it: the simulator's
settings and invocation parser, the Glue job's argument names, the custom resources'
property names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from simulator.entry.invocation import parse_invocation
from simulator.entry.settings import SimulatorSettings
from tests.template.asl import Run, definition
from tests.template.cfn import REGION, REPO, Stack, glue_table_arn, local_code_paths, may
from tests.template.scenarios import EXISTING_VPC, SCENARIOS, SCRAM_SECRET
from vts.aws.glue_assets import REFERENCE_TABLES
from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES
from vts.reports.tables import TABLES
from vts.spark.session import QUIET_KAFKA_PLUGIN
from vts.stream.args import JobArgs, parse_argv

SIMULATOR_ENV = {
    "VTS_KAFKA_BOOTSTRAP",
    "VTS_KAFKA_AUTH",
    "VTS_SCENARIO",
    "VTS_SEED",
    "VTS_FLEET_VEHICLES",
    "VTS_FLEET_SHARDS",
    "VTS_WINDOW_SECONDS",
    "VTS_TOPIC_PREFIX",
    "VTS_KAFKA_TRANSACTIONS",
    "VTS_IDEMPOTENCY_TABLE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}
# Folders under data/: the job's five tables and the reference tables the deploy writes.
LAKE_TABLES = (*TOPIC_NAMES, *REFERENCE_TABLES)
REPORT_TABLES = TABLES  # vts.reports.tables: written by the reports job
JOB_ARGUMENTS = {
    "--bootstrap_servers",
    "--topics",
    "--kafka_auth",
    "--output_path",
    "--quarantine_path",
    "--checkpoint_path",
    "--trigger_seconds",
    "--starting_offsets",
    "--catalog_database",
    "--v0_timezone",
    "--register_partitions",
    "--catalog",
    "--region",
    "--metrics",
    "--metrics_namespace",
}
GLUE_ARGUMENTS = {
    "--job-language",
    "--enable-glue-datacatalog",
    "--enable-metrics",
    "--custom-logGroup-prefix",
    "--extra-py-files",
    "--extra-jars",
    "--additional-python-modules",
    "--TempDir",
    "--conf",
}


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack(SCENARIOS[request.param])


# ── the crawler and its schedule ──


def test_the_crawler_schedule_starts_this_crawler_with_retries_and_a_dlq(stack: Stack) -> None:
    schedule = stack.props("CrawlerSchedule")
    target = schedule["Target"]
    assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:glue:startCrawler"
    assert json.loads(target["Input"]) == {"Name": "{Ref:Crawler}"}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["DeadLetterConfig"]["Arn"] == "{CrawlerScheduleDeadLetterQueue.Arn}"
    assert target["RoleArn"] == "{CrawlerSchedulerRole.Arn}"
    role = stack.props("CrawlerSchedulerRole")
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    start = next(s for s in statements if s["Action"] == "glue:StartCrawler")
    crawler_name = stack.props("Crawler")["Name"]
    assert start["Resource"] == f"arn:aws:glue:{REGION}:123456789012:crawler/{{Ref:Crawler}}"
    assert crawler_name == "vts-test-lake"
    assert schedule["State"] == (
        "ENABLED" if stack.params["PipelineEnabled"] == "true" else "DISABLED"
    )


def test_the_crawler_makes_one_table_per_folder_with_the_recrawl_policy(stack: Stack) -> None:
    crawler = stack.props("Crawler")
    paths = [t["Path"] for t in crawler["Targets"]["S3Targets"]]
    assert paths == [f"s3://{{Ref:DataBucket}}/data/{t}/" for t in LAKE_TABLES] + [
        f"s3://{{Ref:DataBucket}}/data/{t.name}/" for t in REPORT_TABLES
    ] + [f"s3://{{Ref:DataBucket}}/{QUARANTINE_TABLE}/"]
    recrawl = stack.params["CrawlerRecrawlBehavior"]
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": recrawl}
    expected_update = "LOG" if recrawl == "CRAWL_NEW_FOLDERS_ONLY" else "UPDATE_IN_DATABASE"
    assert crawler["SchemaChangePolicy"] == {
        "UpdateBehavior": expected_update,
        "DeleteBehavior": "LOG",
    }
    assert crawler["DatabaseName"] == "{Ref:GlueDatabase}"
    config = json.loads(crawler["Configuration"])
    assert config["Grouping"]["TableGroupingPolicy"] == "CombineCompatibleSchemas"


def test_every_table_a_query_reads_is_written_crawled_and_readable(stack: Stack) -> None:
    """What sql/analytics joins on Redshift must exist there: something writes the folder,
    the crawler catalogs it, and the crawler and Spectrum roles may use its table."""
    queried = {
        name
        for path in (REPO / "sql" / "analytics").glob("*.sql")
        for name in re.findall(r"\$\{schema\}\.(\w+)", path.read_text())
    }
    written = set(TOPIC_NAMES) | {QUARANTINE_TABLE}
    assets = stack.props("GlueAssets")
    if "Scenario" in assets:  # Custom::GlueAssets writes the scenario's reference tables
        written |= {key.split("/")[1] for _, key in REFERENCE_TABLES.values()}
    crawled = {
        t["Path"].rstrip("/").rsplit("/", 1)[1]
        for t in stack.props("Crawler")["Targets"]["S3Targets"]
    }
    for table in sorted(queried):
        arn = glue_table_arn(stack, table)
        assert table in written, f"sql/analytics reads {table}, which nothing writes on AWS"
        assert table in crawled, f"sql/analytics reads {table}, which the crawler never visits"
        assert may(stack, "CrawlerRole", "glue:CreateTable", arn), f"the crawler: {table}"
        if stack.condition("HasRedshift"):
            assert may(stack, "SpectrumRole", "glue:GetTable", arn), f"Spectrum: {table}"


# ── the Glue streaming job ──


def test_the_job_runs_the_published_script_with_the_kafka_connection(stack: Stack) -> None:
    job = stack.props("StreamingJob")
    assert job["GlueVersion"] == "5.1"
    assert job["Command"]["Name"] == "gluestreaming"
    assert job["Command"]["ScriptLocation"] == "{GlueAssets.ScriptLocation}"
    assert job["DefaultArguments"]["--extra-py-files"] == "{GlueAssets.ExtraPyFiles}"
    # the Kafka connection first (its subnet and brokers), the second AZ's after it
    assert job["Connections"] == {
        "Connections": ["{Ref:KafkaConnection}", "{Ref:GlueNetworkConnection}"]
    }
    assert job["SecurityConfiguration"] == "{Ref:GlueJobSecurityConfiguration}"
    assert re.match(r"^(Sun|Mon|Tue|Wed|Thu|Fri|Sat):\d{1,2}$", job["MaintenanceWindow"])
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}

    assets = stack.props("GlueAssets")
    script = REPO / "glue_scripts" / assets["ScriptName"]
    assert script.is_file(), f"the template publishes {script}, which does not exist"
    assert assets["Bucket"] == "{Ref:DataBucket}"
    # The code layer's Makefile is what puts glue_scripts/ (and vts/) into the Lambda.
    makefile = (REPO / "layers" / "code" / "Makefile").read_text()
    assert "glue_scripts/*.py" in makefile and "vts simulator" in makefile


def test_the_job_arguments_are_the_ones_the_job_reads(stack: Stack) -> None:
    args = stack.props("StreamingJob")["DefaultArguments"]
    scram = stack.params["ExistingKafkaAuth"] == "scram" and stack.condition("KafkaScram")
    prefix = stack.params["TopicPrefix"]
    expected = (
        JOB_ARGUMENTS
        | GLUE_ARGUMENTS
        | ({"--kafka_secret_arn"} if scram else set())
        | ({"--topic_prefix"} if prefix else set())
    )
    assert set(args) == expected
    bucket = "s3://{Ref:DataBucket}"
    assert args["--output_path"] == f"{bucket}/data"
    assert args["--quarantine_path"] == f"{bucket}/quarantine"
    assert args["--checkpoint_path"].startswith(f"{bucket}/checkpoints/")
    assert args["--catalog_database"] == "{Ref:GlueDatabase}"
    assert args["--region"] == REGION  # the stack's: the Glue catalog's, the workers' S3 client's
    if scram:
        assert args["--kafka_secret_arn"] == SCRAM_SECRET


def test_the_job_loads_the_executor_plugin_as_the_local_session_does(stack: Stack) -> None:
    """On Glue only --conf can load it (the rehearsal's local session loads it anyway; the
    rehearsal checks that its jar is among the published --extra-jars)."""
    settings = dict(
        s.split("=", 1)
        for s in stack.props("StreamingJob")["DefaultArguments"]["--conf"].split(" --conf ")
    )
    assert settings["spark.plugins"].split(",") == [QUIET_KAFKA_PLUGIN]


def test_the_job_reads_the_topics_the_simulator_writes(stack: Stack) -> None:
    """The job's arguments, parsed as the job parses them, name the simulator's topics
    (the Glue rehearsal repeats this with Glue's own getResolvedOptions)."""
    argv = stack.glue_job_argv("StreamingJob")
    job = JobArgs.from_options(parse_argv(argv[1:]))
    simulator_prefix = deployed_env(stack)["VTS_TOPIC_PREFIX"]
    assert simulator_prefix == stack.params["TopicPrefix"]
    assert job.topic_names == tuple(simulator_prefix + t for t in TOPIC_NAMES)


def test_the_job_the_connection_and_the_simulator_agree_on_kafka(stack: Stack) -> None:
    job_args = stack.props("StreamingJob")["DefaultArguments"]
    connection = stack.props("KafkaConnection")["ConnectionInput"]
    env = stack.function_env("SimulatorFunction")
    bootstrap = env["VTS_KAFKA_BOOTSTRAP"]
    assert job_args["--bootstrap_servers"] == bootstrap
    assert connection["ConnectionProperties"]["KAFKA_BOOTSTRAP_SERVERS"] == bootstrap
    auth = env["VTS_KAFKA_AUTH"]
    assert job_args["--kafka_auth"] == auth
    mechanism = connection["ConnectionProperties"].get("KAFKA_SASL_MECHANISM")
    assert mechanism == {"iam": "AWS_MSK_IAM", "scram": "SCRAM-SHA-512", "plaintext": None}[auth]
    assert connection["ConnectionProperties"]["KAFKA_SSL_ENABLED"] == (
        "false" if auth == "plaintext" else "true"
    )
    if stack.condition("CreateMsk"):
        assert bootstrap == "{MskTopics.BootstrapServers}"
        assert stack.props("MskTopics")["Topics"] == list(TOPIC_NAMES)


# ── the simulator ──


def deployed_env(stack: Stack) -> dict[str, str]:
    """The simulator's environment as Lambda would set it (attributes made concrete)."""
    env = stack.function_env("SimulatorFunction")
    if env["VTS_KAFKA_BOOTSTRAP"].startswith("{"):
        env["VTS_KAFKA_BOOTSTRAP"] = "boot-1.kafka-serverless.us-east-1.amazonaws.com:9098"
    return env


def test_the_simulator_environment_is_what_its_settings_read(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = deployed_env(stack)
    scram = stack.condition("KafkaScram")
    assert set(env) == SIMULATOR_ENV | ({"VTS_KAFKA_SECRET_ARN"} if scram else set())
    for name in list(SIMULATOR_ENV) + ["VTS_KAFKA_SECRET_ARN"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    settings = SimulatorSettings.from_env()

    assert settings.bootstrap == env["VTS_KAFKA_BOOTSTRAP"]
    assert settings.auth_mode == env["VTS_KAFKA_AUTH"]
    assert settings.secret_arn == (SCRAM_SECRET if scram else None)
    assert settings.scenario == stack.params["Scenario"]
    assert settings.seed == int(stack.params["SimulationSeed"])
    assert settings.fleet_vehicles == int(stack.params["FleetVehicles"])
    assert settings.fleet_shards == int(stack.params["FleetShards"])
    assert settings.window_seconds == int(stack.params["SimulationWindowSeconds"])
    assert settings.topic_prefix == stack.params["TopicPrefix"]
    # auto: transactions on an existing cluster only, never on the MSK Serverless it creates
    choice = stack.params["KafkaTransactions"]
    created = stack.params["KafkaSource"] == "create-msk-serverless"
    assert settings.transactions is (choice == "true" or (choice == "auto" and not created))
    assert settings.idempotency_table == "{Ref:SimulatorWindowsTable}"
    assert env["POWERTOOLS_SERVICE_NAME"] == "vts-simulator"


@pytest.mark.parametrize("shards", [1, 2, 8, 9, 250])
@pytest.mark.parametrize("window", [60, 300, 900, 3600])
def test_every_shard_is_invoked_once_per_window_with_its_window(
    shards: int, window: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule starts the fan-out, which (run by tests.template.asl) invokes the
    simulator once per shard; each payload is what the handler parses. No block per shard:
    the shard count is a parameter, not a copy of the template."""
    vehicles = max(100, 4 * shards)  # the simulator refuses empty shards
    stack = Stack(
        {
            "FleetShards": str(shards),
            "FleetVehicles": str(vehicles),
            "SimulationWindowSeconds": str(window),
        }
    )
    for name, value in deployed_env(stack).items():
        monkeypatch.setenv(name, value)
    settings = SimulatorSettings.from_env()
    schedules = stack.of_type("AWS::Scheduler::Schedule")
    (schedule,) = [v["Properties"] for k, v in schedules.items() if k.startswith("Simulator")]
    assert schedule["Target"]["Arn"] == "{Ref:SimulatorFanOut}"
    every = {"minute": 60, "minutes": 60, "hour": 3600}
    count, unit = re.match(r"^rate\((\d+) (\w+)\)$", schedule["ScheduleExpression"]).groups()  # type: ignore[union-attr]
    assert int(count) * every[unit] == window, "the schedule must tile time with windows"
    # EventBridge Scheduler substitutes the context attribute at invocation time.
    start = json.loads(
        schedule["Target"]["Input"].replace(
            "<aws.scheduler.scheduled-time>", "2024-03-01T10:05:00Z"
        )
    )
    invoke = "arn:aws:states:::lambda:invoke"
    fan_out = Run(definition(stack, "SimulatorFanOut"), {invoke: lambda params: {}})
    fan_out(start)
    payloads = []
    for resource, params in fan_out.calls:
        assert resource == invoke
        assert params["FunctionName"] == "{SimulatorFunction.Arn}"
        assert params["InvocationType"] == "Event"  # Lambda's retries and failure queue apply
        payloads.append(params["Payload"])
    seen = []
    for payload in payloads:
        invocation = parse_invocation(payload, settings)
        assert invocation.window.seconds == window
        seen.append(invocation.shard)
    assert sorted(seen) == list(range(shards))


def test_the_simulator_fails_to_a_queue(stack: Stack) -> None:
    """(Where it runs: tests/template/test_network.py.)"""
    function = stack.props("SimulatorFunction")
    invoke_config = stack.props("SimulatorFunctionEventInvokeConfig")
    assert invoke_config["DestinationConfig"]["OnFailure"]["Destination"] == (
        "{SimulatorFailureQueue.Arn}"
    )
    reserved = int(stack.params["SimulatorReservedConcurrency"])
    assert function.get("ReservedConcurrentExecutions") == (reserved or None)
    assert function["Handler"] == "app.lambda_handler"
    assert function["Runtime"] == "python3.11"
    assert function["Architectures"] == ["x86_64"]


# ── code, events and environment of every function ──


def test_every_function_has_code_a_handler_and_sample_events() -> None:
    stack = Stack()
    paths = local_code_paths()
    functions = {
        k: v for k, v in stack.template["Resources"].items() if v["Type"] == "AWS::Lambda::Function"
    }
    assert len(functions) == 7
    events = sorted(p.name for p in (REPO / "events").glob("*.json"))
    for logical in functions:
        folder = Path(paths[logical].rstrip("/"))
        assert (REPO / folder / "app.py").is_file()
        prefix = folder.name.removesuffix("_producer")
        assert any(e.startswith(prefix) for e in events), f"no events/{prefix}*.json"
        env = stack.function_env(logical)
        assert env["POWERTOOLS_SERVICE_NAME"].startswith("vts-")


def test_custom_resource_functions_read_only_the_variables_they_are_given() -> None:
    stack = Stack()
    for logical, folder in local_code_paths().items():
        # the simulator's and the live functions' settings: test_live.py and above
        if not folder.startswith("functions/") or "simulator" in folder or "live_" in folder:
            continue
        source = (REPO / folder / "app.py").read_text()
        read = set(re.findall(r"environ(?:\.get)?\(\s*\"(VTS_\w+)\"", source))
        given = {k for k in stack.function_env(logical) if k.startswith("VTS_")}
        assert read == given, logical


def test_layers_hold_the_dependencies_and_the_code_for_python311_x86() -> None:
    stack = Stack()
    layers = stack.of_type("AWS::Lambda::LayerVersion")
    assert len(layers) == 2
    for layer in layers.values():
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["x86_64"]
    requirements = (REPO / "layers" / "dependencies" / "requirements.txt").read_text()
    packages = ("numpy", "confluent-kafka", "aws-lambda-powertools", "aws-msk-iam-sasl-signer")
    for package in (*packages, "redis", "msgspec"):
        assert re.search(rf"^{package}", requirements, re.M), package


def test_the_external_schema_names_the_catalog_database_and_spectrum_role(stack: Stack) -> None:
    if not stack.condition("HasRedshift"):
        assert "RedshiftExternalSchema" not in stack.resources
        return
    props = stack.props("RedshiftExternalSchema")
    assert props["CatalogDatabase"] == "{Ref:GlueDatabase}"
    assert props["IamRoleArn"] == "{SpectrumRole.Arn}"
    assert props["CatalogRegion"] == REGION
    assert props["SchemaName"] == stack.params["RedshiftSchemaName"]
    if stack.condition("CreateRedshift"):
        namespace = stack.props("RedshiftNamespace")
        assert "{SpectrumRole.Arn}" in namespace["IamRoles"]
        # the admin secret Redshift manages (and rotates) for the namespace
        assert props["AdminSecretOfNamespace"] == "{Ref:RedshiftNamespace}"
        assert props["SecretArn"] == ""


def test_the_switch_follows_pipeline_enabled(stack: Stack) -> None:
    on = stack.params["PipelineEnabled"] == "true"
    switch = stack.props("StreamingSwitch")
    assert switch["Enabled"] == ("true" if on else "false")
    assert switch["JobName"] == "{Ref:StreamingJob}"
    assert switch["CodeVersion"] == "{GlueAssets.Digest}"
    for name, schedule in stack.of_type("AWS::Scheduler::Schedule").items():
        assert schedule["Properties"]["State"] == ("ENABLED" if on else "DISABLED"), name


def test_rules_accept_every_scenario_and_reject_a_missing_bootstrap() -> None:
    def broken(overrides: dict[str, str]) -> list[str]:
        stack = Stack(overrides, with_resources=False)
        failures = []
        for name, rule in stack.template.get("Rules", {}).items():
            if "RuleCondition" in rule and not stack.resolve(rule["RuleCondition"]):
                continue
            if not all(stack.resolve(a["Assert"]) for a in rule["Assertions"]):
                failures.append(name)
        return failures

    for name, overrides in SCENARIOS.items():
        assert broken(overrides) == [], name
    existing = {**EXISTING_VPC, "KafkaSource": "existing"}
    assert broken({**existing, "ExistingKafkaAuth": "plaintext"}) == ["ExistingKafkaNeedsBootstrap"]
    assert broken({**existing, "ExistingKafkaBootstrap": "b:9098", "ExistingKafkaAuth": "iam"}) == [
        "ExistingMskIamNeedsClusterArn"
    ]
    # The stack's own VPC has no route to an existing cluster; an existing VPC has subnets.
    assert broken(
        {
            "KafkaSource": "existing",
            "ExistingKafkaBootstrap": "b:9092",
            "ExistingKafkaAuth": "plaintext",
        }
    ) == ["ExistingKafkaNeedsExistingVpc"]
    assert broken({"VpcId": EXISTING_VPC["VpcId"]}) == ["ExistingVpcNeedsSubnets"]
    assert broken({"SubnetIds": EXISTING_VPC["SubnetIds"]}) == ["SubnetsNeedTheirVpc"]


def test_custom_resources_fail_fast_and_are_never_retried_behind_cloudformations_back(
    stack: Stack,
) -> None:
    """A lost answer must fail the deploy within minutes (ServiceTimeout, not the hour
    CloudFormation waits by default), and Lambda must not re-run an asynchronous request
    that was already answered (EventInvokeConfig: no retries)."""
    customs = {k: v for k, v in stack.resources.items() if v["Type"].startswith("Custom::")}
    assert {"GlueAssets", "ReportsGlueAssets", "StreamingSwitch"} <= set(customs)
    invoke_configs = {
        body["Properties"]["FunctionName"]: body["Properties"]
        for body in stack.of_type("AWS::Lambda::EventInvokeConfig").values()
    }
    for logical, body in customs.items():
        props = body["Properties"]
        function = props["ServiceToken"].removeprefix("{").removesuffix(".Arn}")
        timeout = stack.props(function)["Timeout"]
        assert timeout < int(props["ServiceTimeout"]) <= timeout + 120, logical
        config = invoke_configs[f"{{Ref:{function}}}"]
        assert config["MaximumRetryAttempts"] == 0, function
