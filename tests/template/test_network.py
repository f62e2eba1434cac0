"""The stack's own network, resolved offline: does everything that runs in it reach what its
code calls, and nothing more?

With no VPC parameters the stack builds its own VPC. These tests take every compute
resource of the translated template (functions, Glue jobs, the crawler, the MSK cluster,
the Redshift workgroup), find its subnets and security groups, and check that it can reach
every AWS service its deployed code calls: through a gateway endpoint on its subnets' route
table, an interface endpoint with private DNS, or the NAT gateway. Which services the code
calls is not listed here by hand: ``services_called`` reads the code each resource runs
(its entry point and every ``vts``/``simulator`` module it imports, registries' lazy
imports included) for the boto3 clients it creates and the Powertools utilities that call
AWS, so a new client in the code fails these tests until the network carries it.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from tests.template.cfn import REGION, REPO, Stack, local_code_paths
from tests.template.scenarios import EXISTING_VPC, SCENARIOS

OWN_NETWORK = [name for name, overrides in SCENARIOS.items() if "VpcId" not in overrides]
# Where a boto3 client's name differs from its VPC endpoint's service name.
ENDPOINT_NAME = {"cloudwatch": "monitoring"}
GATEWAY_SERVICES = {"s3", "dynamodb"}
# Powertools utilities that call AWS: the name imported -> the service it calls.
POWERTOOLS_CALLS = {"DynamoDBPersistenceLayer": "dynamodb", "Tracer": "xray"}
# What AWS calls from the VPC on a resource's behalf, whatever its code does.
GLUE_JOB_PLATFORM = {
    "s3": "the job's script, --extra-py-files and jars; the lake",
    "glue": "the job's connection and catalog",
    "logs": "the job's logs (--custom-logGroup-prefix)",
    "monitoring": "--enable-metrics",
    "kms": "the security configuration's encrypted bookmarks (and the crawler's logs)",
}
CRAWLER_PLATFORM = {k: GLUE_JOB_PLATFORM[k] for k in ("s3", "glue", "logs", "kms")}
CUSTOM_RESOURCE_PLATFORM = {"s3": "CloudFormation's response URL is a pre-signed S3 URL"}
GLUE_SCRIPTS = {"StreamingJob": "vts_streaming_job.py", "ReportsJob": "vts_reports_job.py"}
# Services the code calls only with parameters the Rules forbid in the stack's own VPC.
ONLY_IN_AN_EXISTING_VPC = {
    # vts.kafka.auth.scram reads the SCRAM secret; SCRAM needs KafkaSource=existing, which
    # needs an existing VPC (Rules: ExistingKafkaNeedsExistingVpc).
    "secretsmanager": "ExistingKafkaNeedsExistingVpc",
}
KAFKA_CLIENTS = {"SimulatorFunction", "MskTopicsFunction", "StreamingJob"}
NOT_CUSTOM_RESOURCES = {"SimulatorFunction", "LiveConsumerFunction", "LiveApiFunction"}
LIVE_FUNCTIONS = {"LiveConsumerFunction", "LiveApiFunction"}


# ── what the code calls ──


@functools.cache
def _boto3_services() -> frozenset[str]:
    return frozenset(botocore.session.get_session().get_available_services())


def _module_file(name: str) -> Path | None:
    path = REPO / Path(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _imports(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # registries import their backends lazily by name ("vts.kafka.auth.scram:...")
            match = re.match(r"^((?:vts|simulator)(?:\.\w+)+)(?::\w+)?$", node.value)
            if match:
                yield match.group(1)


# calls that make a boto3 client, and which positional argument names its service:
# boto3's own, and the custom-resource skeleton's (vts.aws.handler), which makes it lazily
CLIENT_FACTORIES = {"client": 0, "resource": 0, "LazyClient": 0, "custom_resource_handler": 1}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _calls_in(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and (at := CLIENT_FACTORIES.get(_called_name(node) or "")) is not None
        ):
            args = node.args
            if (
                len(args) > at
                and isinstance(args[at], ast.Constant)
                and args[at].value in _boto3_services()
            ):
                yield str(args[at].value)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "aws_lambda_powertools"
        ):
            for alias in node.names:
                if alias.name in POWERTOOLS_CALLS:
                    yield POWERTOOLS_CALLS[alias.name]


@functools.cache
def services_called(entry: Path) -> frozenset[str]:
    """The AWS services (endpoint names) the code reachable from ``entry`` creates clients for."""
    seen: set[Path] = set()
    todo = [entry]
    services: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse(path.read_text(), str(path))
        services |= {ENDPOINT_NAME.get(s, s) for s in _calls_in(tree)}
        for name in _imports(tree):
            if name.split(".")[0] in ("vts", "simulator"):
                parts = name.split(".")
                for depth in range(1, len(parts) + 1):  # packages' __init__ run too
                    found = _module_file(".".join(parts[:depth]))
                    if found:
                        todo.append(found)
    return frozenset(services)


def test_the_scan_finds_the_clients_the_simulator_and_the_job_create() -> None:
    """The scan itself: it must see through handlers, packages and lazy registries."""
    simulator = services_called(REPO / "functions" / "simulator_producer" / "app.py")
    assert {"dynamodb", "xray"} <= simulator  # Powertools Idempotency and Tracer
    job = services_called(REPO / "glue_scripts" / "vts_streaming_job.py")
    assert {"glue", "monitoring", "secretsmanager"} <= job  # catalog, metrics, SCRAM (lazy)
    assert "redshift-data" not in job


def calls_of(stack: Stack, logical: str) -> dict[str, str]:
    """Service -> why, for one compute resource of ``stack``."""
    kind = stack.resources[logical]["Type"]
    if kind == "AWS::Lambda::Function":
        app = REPO / local_code_paths()[logical].rstrip("/") / "app.py"
        calls = {s: f"{app.relative_to(REPO)} and what it imports" for s in services_called(app)}
        if logical not in NOT_CUSTOM_RESOURCES:
            calls.update(CUSTOM_RESOURCE_PLATFORM)
        return calls
    if kind == "AWS::Glue::Job":
        script = REPO / "glue_scripts" / GLUE_SCRIPTS[logical]
        return {**GLUE_JOB_PLATFORM, **{s: script.name for s in services_called(script)}}
    if kind == "AWS::Glue::Crawler":
        return dict(CRAWLER_PLATFORM)
    return {}


# ── where things run ──


def _ref(value: str) -> str:
    match = re.fullmatch(r"\{Ref:(\w+)\}", value)
    assert match, f"{value} is not a reference to a resource of the stack"
    return match.group(1)


def placement(stack: Stack, logical: str) -> tuple[list[str], list[str]]:
    """(subnets, security groups) of a compute resource, as logical ids."""
    resource = stack.resources[logical]
    props = resource["Properties"]
    kind = resource["Type"]
    if kind == "AWS::Lambda::Function":
        vpc = props["VpcConfig"]
        return [_ref(s) for s in vpc["SubnetIds"]], [_ref(g) for g in vpc["SecurityGroupIds"]]
    if kind in ("AWS::Glue::Job", "AWS::Glue::Crawler"):
        if kind == "AWS::Glue::Job":
            names = props["Connections"]["Connections"]
        else:
            names = sorted({t["ConnectionName"] for t in props["Targets"]["S3Targets"]})
        subnets, groups = [], []
        for name in names:
            physical = stack.props(_ref(name))["ConnectionInput"]["PhysicalConnectionRequirements"]
            subnets.append(_ref(physical["SubnetId"]))
            groups += [_ref(g) for g in physical["SecurityGroupIdList"]]
        return subnets, sorted(set(groups))
    if kind == "AWS::MSK::ServerlessCluster":
        (vpc,) = props["VpcConfigs"]
        return [_ref(s) for s in vpc["SubnetIds"]], [_ref(g) for g in vpc["SecurityGroups"]]
    if kind == "AWS::ElastiCache::ServerlessCache":
        return [_ref(s) for s in props["SubnetIds"]], [_ref(g) for g in props["SecurityGroupIds"]]
    if kind == "AWS::RedshiftServerless::Workgroup":
        return [_ref(s) for s in props["SubnetIds"]], [_ref(g) for g in props["SecurityGroupIds"]]
    raise AssertionError(f"{logical}: not a compute resource")


COMPUTE_TYPES = {
    "AWS::Lambda::Function",
    "AWS::Glue::Job",
    "AWS::Glue::Crawler",
    "AWS::MSK::ServerlessCluster",
    "AWS::RedshiftServerless::Workgroup",
    "AWS::ElastiCache::ServerlessCache",
}


def compute(stack: Stack) -> list[str]:
    return sorted(k for k, v in stack.resources.items() if v["Type"] in COMPUTE_TYPES)


def rules(stack: Stack, group: str, direction: str) -> list[dict[str, Any]]:
    """Every ingress or egress rule of a security group, inline or as its own resource."""
    inline = stack.props(group).get(f"SecurityGroup{direction}", [])
    separate = [
        body["Properties"]
        for body in stack.of_type(f"AWS::EC2::SecurityGroup{direction}").values()
        if body["Properties"]["GroupId"] == f"{{Ref:{group}}}"
    ]
    return [*inline, *separate]


def allows(rule: dict[str, Any], port: int) -> bool:
    return rule["IpProtocol"] in ("tcp", "-1") and rule["FromPort"] <= port <= rule["ToPort"]


def egress_https(stack: Stack, groups: list[str]) -> bool:
    return any(
        allows(r, 443) and r.get("CidrIp") == "0.0.0.0/0"
        for g in groups
        for r in rules(stack, g, "Egress")
    )


def route_table_of(stack: Stack, subnet: str) -> str:
    (table,) = [
        _ref(a["Properties"]["RouteTableId"])
        for a in stack.of_type("AWS::EC2::SubnetRouteTableAssociation").values()
        if a["Properties"]["SubnetId"] == f"{{Ref:{subnet}}}"
    ]
    return table


def endpoints(stack: Stack, kind: str) -> dict[str, dict[str, Any]]:
    """Service name (``glue``, ``s3``...) -> the VPC endpoint of that type."""
    prefix = f"com.amazonaws.{REGION}."
    found = {}
    for body in stack.of_type("AWS::EC2::VPCEndpoint").values():
        props = body["Properties"]
        if props["VpcEndpointType"] == kind:
            assert props["ServiceName"].startswith(prefix)
            found[props["ServiceName"].removeprefix(prefix)] = props
    return found


def reaches(stack: Stack, logical: str, service: str) -> str | None:
    """``None`` if the resource reaches the service, else why not."""
    subnets, groups = placement(stack, logical)
    if not egress_https(stack, groups):
        return "its security groups allow no HTTPS out"
    tables = {route_table_of(stack, s) for s in subnets}
    if service in GATEWAY_SERVICES:
        gateway = endpoints(stack, "Gateway").get(service)
        if gateway is None:
            return f"no {service} gateway endpoint"
        missing = tables - {_ref(t) for t in gateway["RouteTableIds"]}
        return f"route tables {missing} lack the {service} endpoint" if missing else None
    interface = endpoints(stack, "Interface").get(service)
    if interface is not None:
        if interface.get("PrivateDnsEnabled") is not True:
            return f"the {service} endpoint has no private DNS (the SDK uses the public name)"
        vpc_cidr = stack.props("Vpc")["CidrBlock"]
        for group in interface["SecurityGroupIds"]:
            if any(
                allows(r, 443) and r.get("CidrIp") == vpc_cidr
                for r in rules(stack, _ref(group), "Ingress")
            ):
                return None
        return f"the {service} endpoint's security group refuses HTTPS from the VPC"
    for table in tables:
        routes = [
            r["Properties"]
            for r in stack.of_type("AWS::EC2::Route").values()
            if r["Properties"]["RouteTableId"] == f"{{Ref:{table}}}"
        ]
        if not any(
            r["DestinationCidrBlock"] == "0.0.0.0/0" and "NatGatewayId" in r for r in routes
        ):
            return f"no {service} endpoint and no NAT route from {table}"
    return None


@pytest.fixture(scope="module", params=OWN_NETWORK)
def own(request: pytest.FixtureRequest) -> Stack:
    return Stack(SCENARIOS[request.param])


def test_without_vpc_parameters_everything_runs_in_the_stacks_own_subnets(own: Stack) -> None:
    subnets = set(own.of_type("AWS::EC2::Subnet"))
    private = {s for s in subnets if s.startswith("PrivateSubnet")}
    expected_azs = 3 if own.condition("CreateRedshift") else 2
    assert len(private) == expected_azs
    assert len({own.props(s)["AvailabilityZone"] for s in private}) == expected_azs
    groups = set(own.of_type("AWS::EC2::SecurityGroup"))
    placed = compute(own)
    assert {"SimulatorFunction", "StreamingJob", "ReportsJob", "Crawler", "MskCluster"} <= set(
        placed
    )
    assert {"LiveConsumerFunction", "LiveApiFunction", "LiveCache"} <= set(placed)
    for logical in placed:
        where, sgs = placement(own, logical)
        assert set(where) <= private, f"{logical} runs outside the stack's private subnets"
        # A crawler's S3 target takes one connection: a crawl lost with its zone is
        # simply the next schedule's.
        if logical != "Crawler":
            assert len(set(where)) >= 2, f"{logical} runs in one availability zone only"
        assert sgs and set(sgs) <= groups, f"{logical} needs a security group of the stack"


def test_each_role_has_its_own_security_group(own: Stack) -> None:
    roles = {
        "Kafka clients": {"SimulatorFunction", "MskTopicsFunction"},
        "AWS API clients": {
            "GlueAssetsFunction",
            "StreamingSwitchFunction",
            "RedshiftSchemaFunction",
        },
        "Glue": {"StreamingJob", "ReportsJob", "Crawler"},
        "brokers": {"MskCluster"},
        "Redshift": {"RedshiftWorkgroup"},
        "live consumer": {"LiveConsumerFunction"},
        "live API": {"LiveApiFunction"},
        "live cache": {"LiveCache"},
    }
    group_of = {}
    for role, members in roles.items():
        present = members & set(own.resources)
        found = {g for m in present for g in placement(own, m)[1]}
        assert len(found) <= 1, f"{role} use several groups: {found}"
        for group in found:
            assert group not in group_of, f"{role} share {group} with {group_of[group]}"
            group_of[group] = role
    # Open inbound only where something must connect.
    for group in own.of_type("AWS::EC2::SecurityGroup"):
        ingress = rules(own, group, "Ingress")
        role = group_of.get(group)
        if role == "brokers":
            sources = {_ref(r["SourceSecurityGroupId"]) for r in ingress}
            assert all(r["FromPort"] == r["ToPort"] == 9098 for r in ingress)
            # itself: the live mappings' pollers use the cluster's group
            assert sources == {g for g, r in group_of.items() if r in ("Kafka clients", "Glue")} | {
                group
            }
        elif role == "live cache":
            sources = {_ref(r["SourceSecurityGroupId"]) for r in ingress}
            assert all(r["FromPort"] == r["ToPort"] == 6379 for r in ingress)
            assert sources == {
                g for g, r in group_of.items() if r.startswith("live ") and g != group
            }
        elif role == "Glue":
            assert [_ref(r["SourceSecurityGroupId"]) for r in ingress] == [group]
        elif group == "InterfaceEndpointSecurityGroup":
            assert [(r["FromPort"], r["CidrIp"]) for r in ingress] == [
                (443, own.props("Vpc")["CidrBlock"])
            ]
        else:
            assert ingress == [], f"{group} ({role}) accepts connections it does not need"
    # The simulator cannot reach Redshift (the review's finding): its group opens no 5439.
    (simulator_group,) = placement(own, "SimulatorFunction")[1]
    assert not any(
        allows(r, 5439) and "CidrIp" not in r for r in rules(own, simulator_group, "Egress")
    )


def test_everything_reaches_every_service_its_code_calls(own: Stack) -> None:
    exempt = set()
    for service, rule in ONLY_IN_AN_EXISTING_VPC.items():
        assert "KafkaSource" in str(own.template["Rules"][rule]["RuleCondition"])
        exempt.add(service)
    checked = 0
    for logical in compute(own):
        for service, why in sorted(calls_of(own, logical).items()):
            if service in exempt:
                continue
            problem = reaches(own, logical, service)
            assert problem is None, f"{logical} calls {service} ({why}), but {problem}"
            checked += 1
    assert checked >= 20


def test_the_kafka_clients_reach_the_brokers_on_msk_iam(own: Stack) -> None:
    (brokers,) = placement(own, "MskCluster")[1]
    allowed_in = {
        _ref(r["SourceSecurityGroupId"]) for r in rules(own, brokers, "Ingress") if allows(r, 9098)
    }
    for logical in KAFKA_CLIENTS:
        (group,) = placement(own, logical)[1]
        out = rules(own, group, "Egress")
        assert any(
            allows(r, 9098) and r.get("DestinationSecurityGroupId") == f"{{Ref:{brokers}}}"
            for r in out
        ), logical
        assert group in allowed_in, logical


def test_every_interface_endpoint_is_needed_by_some_code(own: Stack) -> None:
    """Interface endpoints cost by the hour: none without a caller."""
    needed = {s for logical in compute(own) for s in calls_of(own, logical)}
    assert set(endpoints(own, "Interface")) <= needed
    if own.params["NetworkEgress"] == "nat-gateway":
        assert endpoints(own, "Interface") == {}
        assert "NatGateway" in own.resources
    else:
        assert "NatGateway" not in own.resources and "InternetGateway" not in own.resources


def test_an_existing_vpc_gets_only_the_security_groups() -> None:
    stack = Stack(SCENARIOS["existing-msk-iam-redshift-iam-auth"])
    assert not stack.of_type("AWS::EC2::VPC") and not stack.of_type("AWS::EC2::Subnet")
    assert not stack.of_type("AWS::EC2::VPCEndpoint")
    given = EXISTING_VPC["SubnetIds"].split(",")
    for logical in compute(stack):
        subnets = stack.props(logical).get("VpcConfig", {}).get("SubnetIds")
        if subnets is not None:
            assert subnets == given, logical
    for group in stack.of_type("AWS::EC2::SecurityGroup").values():
        assert group["Properties"]["VpcId"] == EXISTING_VPC["VpcId"]
    connection = stack.props("KafkaConnection")["ConnectionInput"]["PhysicalConnectionRequirements"]
    assert connection["SubnetId"] == given[0]


def test_the_live_functions_and_only_they_reach_the_cache(own: Stack) -> None:
    (cache_group,) = placement(own, "LiveCache")[1]
    for logical in compute(own):
        if logical == "LiveCache":
            continue
        (group,) = placement(own, logical)[1]
        out = rules(own, group, "Egress")
        to_cache = any(
            allows(r, 6379) and r.get("DestinationSecurityGroupId") == f"{{Ref:{cache_group}}}"
            for r in out
        )
        assert to_cache == (logical in LIVE_FUNCTIONS), logical
        if logical in LIVE_FUNCTIONS:
            assert set(placement(own, logical)[0]) == set(placement(own, "LiveCache")[0])
