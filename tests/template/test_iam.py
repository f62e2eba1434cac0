"""Least privilege, checked on the translated template for every parameter scenario.

Every statement of every role and policy: no wildcard action, and a concrete resource (an
ARN in this account and region, or a reference to a resource of the stack). ``"*"`` is
accepted only for the actions AWS gives no resource type, listed below with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.template.cfn import ACCOUNT, REGION, Stack, iam_glob, may
from tests.template.scenarios import ADMIN_SECRET, SCENARIOS

# Actions whose only possible resource is "*" (no resource-level permissions in IAM).
STAR_ONLY_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "redshift-data:DescribeStatement",
    "redshift-data:CancelStatement",
    "cloudwatch:PutMetricData",
    "glue:GetSecurityConfiguration",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeNetworkInterfaces",
    # Step Functions' log delivery (CloudWatch Logs vended logs) and X-Ray sampling
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "ec2:DescribeVpcs",
}
# "*" actions that still get a condition narrowing them.
MUST_BE_CONDITIONED = {
    "cloudwatch:PutMetricData",
    "redshift-data:DescribeStatement",
    "redshift-data:CancelStatement",
}
# Which ARN service each action's service prefix may name.
SERVICE_OF_ARN = {
    "kafka-cluster": "kafka",
    "redshift-data": "redshift-serverless",
    "redshift-serverless": "redshift-serverless",
}
ARN = re.compile(r"^arn:aws:([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws)?:(.+)$")
PLACEHOLDER = re.compile(
    r"^\{[A-Za-z0-9]+\.(?:[A-Za-z]+\.)*[A-Za-z]*(?:Arn|ARN)\}(/.+)?$|^\{Ref:[A-Za-z0-9]+\}$"
)


def policy_statements(stack: Stack) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical, resource in stack.resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield f"{logical}/{policy['PolicyName']}", statement
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in props["PolicyDocument"]["Statement"]:
                yield logical, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack(SCENARIOS[request.param])


def test_no_statement_uses_a_wildcard_action_or_not_action(stack: Stack) -> None:
    for where, statement in policy_statements(stack):
        assert "NotAction" not in statement and "NotResource" not in statement, where
        assert statement["Effect"] == "Allow", where
        for action in as_list(statement["Action"]):
            service, _, name = action.partition(":")
            assert action != "*" and name not in ("*", ""), f"{where}: {action}"
            assert re.match(r"^[a-z0-9-]+$", service), f"{where}: {action}"


def test_every_statement_names_concrete_resources(stack: Stack) -> None:
    checked = 0
    for where, statement in policy_statements(stack):
        actions = as_list(statement["Action"])
        for resource in as_list(statement["Resource"]):
            checked += 1
            if resource == "*":
                assert set(actions) <= STAR_ONLY_ACTIONS, f"{where}: {actions} on *"
                if set(actions) & MUST_BE_CONDITIONED:
                    assert statement.get("Condition"), f"{where}: unconditioned *"
                continue
            if PLACEHOLDER.match(resource):
                continue  # a resource of this stack (Ref or GetAtt ...Arn)
            match = ARN.match(resource)
            assert match, f"{where}: {resource!r} is neither an ARN nor a stack resource"
            service, region, account, rest = match.groups()
            assert account == ACCOUNT, f"{where}: {resource}"
            assert region in (REGION, ""), f"{where}: {resource}"
            assert not rest.startswith("*"), f"{where}: {resource}"
            services = {SERVICE_OF_ARN.get(a.split(":")[0], a.split(":")[0]) for a in actions}
            assert service in services, f"{where}: {actions} on a {service} ARN"
    assert checked > 50


def test_roles_use_no_managed_policy_and_functions_write_only_their_own_logs(
    stack: Stack,
) -> None:
    """AWSLambdaVPCAccessExecutionRole would let every function write to any log group."""
    for logical, role in stack.of_type("AWS::IAM::Role").items():
        assert not role["Properties"].get("ManagedPolicyArns"), logical
    for where, statement in policy_statements(stack):
        if "logs:PutLogEvents" in as_list(statement["Action"]) and where.startswith("Simulator"):
            assert statement["Resource"] == "{SimulatorLogGroup.Arn}", where
    # Every function runs in the VPC, so every function role gets the ENI actions, limited
    # to the stack's subnets and the functions' own security groups.
    network = stack.props("LambdaVpcAccessPolicy")
    function_roles = {
        f["Properties"]["Role"].removesuffix(".Arn}").removeprefix("{")
        for f in stack.of_type("AWS::Lambda::Function").values()
    }
    assert {r.removeprefix("{Ref:").removesuffix("}") for r in network["Roles"]} == function_roles
    for statement in network["PolicyDocument"]["Statement"]:
        if "ec2:CreateNetworkInterface" in statement["Action"]:
            assert statement["Resource"] != "*"


def test_glue_may_delete_and_tag_only_its_own_interfaces_in_the_stacks_vpc(stack: Stack) -> None:
    for where, statement in policy_statements(stack):
        actions = set(as_list(statement["Action"]))
        if actions & {"ec2:DeleteNetworkInterface", "ec2:CreateTags", "ec2:DeleteTags"}:
            if where == "LambdaVpcAccessPolicy":
                continue  # Lambda's own ENIs: the stack's subnets and groups (above)
            condition = statement.get("Condition", {})
            assert condition, f"{where}: {sorted(actions)} unconditioned"
            if "ec2:DeleteNetworkInterface" in actions:
                assert condition["ArnEquals"]["ec2:Vpc"].endswith(
                    stack.params["VpcId"] or "{Ref:Vpc}"
                ), where
            else:
                tag_keys = condition["ForAllValues:StringEquals"]["aws:TagKeys"]
                assert tag_keys == ["aws-glue-service-resource"], where


def test_one_role_per_component_and_service_trust(stack: Stack) -> None:
    roles = stack.of_type("AWS::IAM::Role")
    trusted = {
        logical: {
            p
            for s in r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
            for p in as_list(s["Principal"]["Service"])
        }
        for logical, r in roles.items()
    }
    assert trusted["SimulatorRole"] == {"lambda.amazonaws.com"}
    assert trusted["GlueJobRole"] == {"glue.amazonaws.com"}
    assert trusted["CrawlerRole"] == {"glue.amazonaws.com"}
    assert trusted["SpectrumRole"] == {
        "redshift.amazonaws.com",
        "redshift-serverless.amazonaws.com",
    }
    assert trusted["SimulatorSchedulerRole"] == {"scheduler.amazonaws.com"}
    assert trusted["CrawlerSchedulerRole"] == {"scheduler.amazonaws.com"}
    # Every function has its own role.
    function_roles = [
        f["Properties"]["Role"] for f in stack.of_type("AWS::Lambda::Function").values()
    ]
    assert len(function_roles) == len(set(function_roles))
    # EventBridge Scheduler supports confused-deputy keys: its roles require them.
    for logical in ("SimulatorSchedulerRole", "CrawlerSchedulerRole"):
        (statement,) = roles[logical]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
        assert "schedule-group/" in statement["Condition"]["ArnEquals"]["aws:SourceArn"]


def test_the_msk_iam_producer_may_write_idempotently_to_the_five_topics_only() -> None:
    # The default MSK Serverless cluster runs without transactions (no AWS document says
    # it serves them); turned on, the grant follows.
    default = Stack()
    assert len(default.props("SimulatorMskIamPolicy")["PolicyDocument"]["Statement"]) == 2
    assert default.function_env("SimulatorFunction")["VTS_KAFKA_TRANSACTIONS"] == "false"
    stack = Stack({"KafkaTransactions": "true"})
    statements = stack.props("SimulatorMskIamPolicy")["PolicyDocument"]["Statement"]
    connect, write, transactions = statements
    assert "kafka-cluster:WriteDataIdempotently" in connect["Action"]
    assert connect["Resource"].startswith(f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/")
    topics = [r.rsplit("/", 1)[1] for r in write["Resource"]]
    assert topics == ["vehicle_data", "gps_data", "traffic_data", "weather_data", "emergency_data"]
    assert all(":topic/vts-test-kafka/" in r for r in write["Resource"])
    # one transaction per window, under the shards' transactional ids only
    assert transactions["Action"] == [
        "kafka-cluster:DescribeTransactionalId",
        "kafka-cluster:AlterTransactionalId",
    ]
    cluster_path = connect["Resource"].split(":cluster/")[1]
    assert transactions["Resource"] == (
        f"arn:aws:kafka:{REGION}:{ACCOUNT}:transactional-id/{cluster_path}/vts-simulator-shard-*"
    )
    without = Stack({"KafkaTransactions": "false"})
    assert len(without.props("SimulatorMskIamPolicy")["PolicyDocument"]["Statement"]) == 2
    assert without.function_env("SimulatorFunction")["VTS_KAFKA_TRANSACTIONS"] == "false"


def test_the_simulator_records_windows_in_its_own_table_only() -> None:
    stack = Stack()
    statements = {
        s["Sid"]: s
        for p in stack.props("SimulatorRole")["Policies"]
        for s in p["PolicyDocument"]["Statement"]
    }
    record = statements["RecordCompletedWindows"]
    assert sorted(record["Action"]) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert record["Resource"] == "{SimulatorWindowsTable.Arn}"
    key = statements["UseTheTableKeyThroughDynamoDB"]
    assert key["Condition"]["StringEquals"]["kms:ViaService"] == f"dynamodb.{REGION}.amazonaws.com"
    table = stack.props("SimulatorWindowsTable")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]  # Powertools' key
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    env = stack.function_env("SimulatorFunction")
    assert env["VTS_IDEMPOTENCY_TABLE"] == "{Ref:SimulatorWindowsTable}"


def test_scram_reads_only_its_secret_through_secrets_manager() -> None:
    stack = Stack(SCENARIOS["existing-scram-existing-redshift-secret"])
    policy = stack.props("KafkaScramPolicy")  # one policy for both readers
    assert policy["Roles"] == ["{Ref:SimulatorRole}", "{Ref:GlueJobRole}"]
    read, decrypt = policy["PolicyDocument"]["Statement"]
    assert read["Resource"].split(":secret:")[1].startswith("AmazonMSK_")
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == (
        f"secretsmanager.{REGION}.amazonaws.com"
    )
    assert "SimulatorMskIamPolicy" not in stack.resources


def test_every_list_is_limited_to_prefixes_and_every_use_of_the_data_key_to_a_service(
    stack: Stack,
) -> None:
    lists = keys = 0
    for where, statement in policy_statements(stack):
        actions = as_list(statement["Action"])
        if "s3:ListBucket" in actions:
            lists += 1
            assert actions == ["s3:ListBucket"], where  # a prefix condition fits no other action
            prefixes = as_list(statement["Condition"]["StringLike"]["s3:prefix"])
            assert prefixes and all(p and p != "*" for p in prefixes), where
        if statement["Resource"] == "{DataKey.Arn}":
            keys += 1
            via = as_list(statement["Condition"]["StringEquals"]["kms:ViaService"])
            assert via and all(v.endswith(f".{REGION}.amazonaws.com") for v in via), where
    assert lists >= 4 and keys >= 5


def test_the_streaming_job_writes_only_its_tables_and_its_own_staging() -> None:
    from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES
    from vts.reports.build import STAGING as REPORTS_STAGING
    from vts.stream.layout import LakeLayout

    stack = Stack()
    args = stack.props("StreamingJob")["DefaultArguments"]
    layout = LakeLayout(args["--output_path"], args["--quarantine_path"], args["--checkpoint_path"])
    statements = [
        s for p in stack.props("GlueJobRole")["Policies"] for s in p["PolicyDocument"]["Statement"]
    ]
    (write,) = [s for s in statements if "s3:PutObject" in s["Action"]]
    patterns = [
        iam_glob(r.replace("{DataBucket.Arn}", "s3://{Ref:DataBucket}")) for r in write["Resource"]
    ]

    def writable(path: str) -> bool:
        return any(p.fullmatch(path) for p in patterns)

    # what the job writes (vts.stream.layout), with a real 8-digit query tag
    for table in (*TOPIC_NAMES, QUARANTINE_TABLE):
        assert writable(layout.final_path(7, "0a1b2c3d", table, "2024-03-01", "10", 0)), table
        assert writable(layout.staging_dir(table, "0a1b2c3d", 7) + "/part-0.parquet"), table
    assert writable(layout.manifest_path(7))
    # ... and not the other tables of the lake, nor the reports job's staging
    assert not writable(layout.final_path(7, "0a1b2c3d", "report_trips", "2024-03-01", "10", 0))
    assert not writable(layout.final_path(7, "0a1b2c3d", "roads", "2024-03-01", "10", 0))
    reports = f"{args['--output_path']}/{REPORTS_STAGING}/report_trips/dt=2024-03-01/p.parquet"
    assert not writable(reports)


def test_the_job_may_call_only_the_catalog_actions_its_code_calls() -> None:
    """vts.catalog.glue's methods the stream uses, followed through ``self`` calls, give the
    Glue operations; Spark's catalog client adds GetDatabase at start-up."""
    import ast

    from tests.template.cfn import REPO

    tree = ast.parse((REPO / "vts" / "catalog" / "glue.py").read_text())
    methods = {
        f.name: f
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for f in node.body
        if isinstance(f, ast.FunctionDef)
    }
    used = set()
    for path in (REPO / "vts" / "stream").glob("*.py"):
        used |= set(re.findall(r"self\.catalog\.(\w+)\(", path.read_text()))
    assert used, "the stream calls no catalog method?"
    operations, todo, seen = set(), list(used), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in methods:
            continue
        seen.add(name)
        for node in ast.walk(methods[name]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "_call" and isinstance(node.args[0], ast.Constant):
                    operations.add(str(node.args[0].value))
                elif isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                    todo.append(node.func.attr)
    expected = {"glue:" + "".join(w.title() for w in op.split("_")) for op in operations}
    stack = Stack()
    statements = [
        s for p in stack.props("GlueJobRole")["Policies"] for s in p["PolicyDocument"]["Statement"]
    ]
    (register,) = [s for s in statements if s["Sid"] == "RegisterPartitionsOfTheSixTables"]
    assert set(register["Action"]) == expected | {"glue:GetDatabase"}


def test_redshift_may_assume_the_spectrum_role_only_for_this_account() -> None:
    stack = Stack()
    (statement,) = stack.props("SpectrumRole")["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT


def test_an_existing_redshift_secret_under_a_customer_key_can_be_decrypted() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-00000000000f"
    stack = Stack(
        {
            **SCENARIOS["existing-scram-existing-redshift-secret"],
            "ExistingRedshiftSecretKmsKeyArn": key,
        }
    )
    statements = stack.props("RedshiftSchemaRole")["Policies"][0]["PolicyDocument"]["Statement"]
    (decrypt,) = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert decrypt["Resource"] == key
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == (
        f"secretsmanager.{REGION}.amazonaws.com"
    )


def test_the_created_namespace_lets_redshift_manage_and_rotate_its_admin_secret() -> None:
    """The review's finding: the admin secret the stack generated was never rotated.
    Redshift now keeps the password in a secret it rotates (every 30 days, its default),
    encrypted with the stack's key; the schema resource finds it (GetNamespace) and may read
    that secret only."""
    stack = Stack()
    namespace = stack.props("RedshiftNamespace")
    assert namespace["ManageAdminPassword"] is True
    assert "AdminUserPassword" not in namespace
    assert namespace["AdminPasswordSecretKmsKeyId"] == "{Ref:DataKey}"
    # no secret of the stack's own that nothing rotates
    rotated = {
        body["Properties"]["SecretId"]
        for body in stack.of_type("AWS::SecretsManager::RotationSchedule").values()
    }
    for logical in stack.of_type("AWS::SecretsManager::Secret"):
        assert f"{{Ref:{logical}}}" in rotated, f"{logical} is never rotated"
    schema = stack.props("RedshiftExternalSchema")
    assert schema["AdminSecretOfNamespace"] == "{Ref:RedshiftNamespace}"
    assert schema["SecretArn"] == ""
    # Redshift names the secret redshift!<namespace>-<admin user>; Secrets Manager adds 6
    # characters to the ARN.
    prefix = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:redshift!"
    managed = f"{prefix}{{Ref:RedshiftNamespace}}-{namespace['AdminUsername']}-Xy12Ab"
    assert may(stack, "RedshiftSchemaRole", "secretsmanager:GetSecretValue", managed)
    other = f"{prefix}another-namespace-admin-Xy12Ab"
    assert not may(stack, "RedshiftSchemaRole", "secretsmanager:GetSecretValue", other)
    assert may(
        stack,
        "RedshiftSchemaRole",
        "redshift-serverless:GetNamespace",
        "{RedshiftNamespace.Namespace.NamespaceArn}",
    )
    assert may(stack, "RedshiftSchemaRole", "kms:Decrypt", "{DataKey.Arn}")


def test_an_existing_workgroup_still_signs_in_with_the_secret_it_names() -> None:
    stack = Stack(SCENARIOS["existing-scram-existing-redshift-secret"])
    schema = stack.props("RedshiftExternalSchema")
    assert schema["SecretArn"] == ADMIN_SECRET
    assert "AdminSecretOfNamespace" not in schema
    assert may(stack, "RedshiftSchemaRole", "secretsmanager:GetSecretValue", ADMIN_SECRET)
    statements = stack.props("RedshiftSchemaRole")["Policies"][0]["PolicyDocument"]["Statement"]
    assert not [s for s in statements if s["Action"] == "redshift-serverless:GetNamespace"]


def test_table_wildcards_stay_inside_the_stacks_own_database(stack: Stack) -> None:
    """The crawler and Spectrum may use every table of the lake's database (the stack creates
    it, with the lake's tables only), and no other database's."""
    database = stack.params["GlueDatabaseName"]
    assert stack.props("GlueDatabase")["DatabaseInput"]["Name"] == database
    for where, statement in policy_statements(stack):
        for resource in as_list(statement["Resource"]):
            if ":glue:" in resource and ":table/" in resource:
                assert resource.split(":table/")[1].split("/")[0] == database, where
