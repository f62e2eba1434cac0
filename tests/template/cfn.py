"""The SAM template, translated offline and resolved for one set of parameter values.

``translate()`` expands template.yaml's Fn::ForEach loops (``vts.aws.expand``, as
CloudFormation's AWS::LanguageExtensions does first) and runs aws-sam-translator (the
library behind ``sam deploy``'s transform) on the result with a fake account and region.
``Stack`` then evaluates what CloudFormation would: parameter defaults and overrides,
Conditions (resources whose condition is false are dropped), and the intrinsic functions the
template uses. Attributes that only exist after a
deploy resolve to placeholders such as ``{DataBucket.Arn}`` or ``{Ref:StreamingJob}``, so a
test can see *what* a value refers to; a few (the MSK cluster ARN) get realistic fakes so
that string functions over them can run.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "vts-test"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::StackName": STACK,
    "AWS::StackId": (
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/51af3dc0-da77-11e4-872e-123456789abc"
    ),
    "AWS::URLSuffix": "amazonaws.com",
}
# Parameters without defaults: what `sam deploy --guided` would ask for (only where alarms
# go: the default deploy builds its own network).
REQUIRED: dict[str, str] = {"AlarmEmail": "ops@example.com"}
AVAILABILITY_ZONES = [f"{REGION}{zone}" for zone in "abcdef"]
FAKE_ATTRIBUTES = {
    "MskCluster.Arn": f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/{STACK}-kafka/0b1c2d3e-s1",
}


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


ARTIFACT_BUCKET = "vts-test-artifacts"


def sam_template() -> dict[str, Any]:
    """template.yaml as parsed by the SAM CLI (short-form tags become intrinsics), with its
    Fn::ForEach loops still in it."""
    from samcli.yamlhelper import yaml_parse

    return dict(yaml_parse(TEMPLATE.read_text()))


def expanded_template() -> dict[str, Any]:
    """template.yaml as the SAM transform receives it: loops written out
    (vts.aws.expand, as CloudFormation's AWS::LanguageExtensions does)."""
    from vts.aws.expand import expand

    return expand(sam_template())


def local_code_paths() -> dict[str, str]:
    """Logical id -> the local CodeUri/ContentUri folder `sam build` packages."""
    paths = {}
    for logical, body in expanded_template()["Resources"].items():
        props = body.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                paths[logical] = props[key]
    return paths


@functools.cache
def _translated() -> str:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = expanded_template()
    # What `sam package` does before the transform runs: local folders become S3 objects.
    for logical, path in local_code_paths().items():
        props = sam["Resources"][logical]["Properties"]
        key = "CodeUri" if "CodeUri" in props else "ContentUri"
        props[key] = f"s3://{ARTIFACT_BUCKET}/{path.strip('/')}.zip"
    # A fake region and account; the translator makes no AWS call.
    session = boto3.session.Session(
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - a placeholder, never used
    )
    translator = Translator(None, Parser(), boto_session=session)
    cfn = translator.translate(sam, parameter_values={}, get_managed_policy_map=dict)
    return json.dumps(cfn)


def translate() -> dict[str, Any]:
    """template.yaml as CloudFormation (a fresh copy each call)."""
    return json.loads(_translated())


@dataclass
class Stack:
    """The translated template resolved for ``overrides`` on top of the parameter defaults."""

    overrides: Mapping[str, str] = field(default_factory=dict)
    template: dict[str, Any] = field(default_factory=translate)
    # False: only parameters and conditions (for checking Rules on inputs CloudFormation
    # would reject before creating anything).
    with_resources: bool = True

    def __post_init__(self) -> None:
        params = self.template.get("Parameters", {})
        unknown = set(self.overrides) - set(params)
        assert not unknown, f"unknown parameters {unknown}"
        given = {**REQUIRED, **self.overrides}
        self.params: dict[str, Any] = {
            name: given.get(name, spec.get("Default")) for name, spec in params.items()
        }
        for name, spec in params.items():
            listed = spec["Type"].startswith("List<") or spec["Type"] == "CommaDelimitedList"
            if listed and isinstance(self.params[name], str):
                self.params[name] = self.params[name].split(",")
        self._conditions: dict[str, bool] = {}
        if not self.with_resources:
            self.resources: dict[str, Any] = {}
            self.outputs: dict[str, Any] = {}
            return
        self.resources = {
            logical: self.resolve(body)
            for logical, body in self.template["Resources"].items()
            if self.condition(body.get("Condition"))
        }
        self.outputs = {
            name: self.resolve(body["Value"])
            for name, body in self.template.get("Outputs", {}).items()
            if self.condition(body.get("Condition"))
        }

    # ── conditions ──
    def condition(self, name: str | None) -> bool:
        if name is None:
            return True
        if name not in self._conditions:
            self._conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self._conditions[name]

    # ── intrinsic functions ──
    def resolve(self, node: Any) -> Any:  # noqa: C901 - one branch per intrinsic
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return FAKE_ATTRIBUTES.get(f"{logical}.{attr}", f"{{{logical}.{attr}}}")
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(v) for v in self.resolve(items))
            if key == "Fn::Split":
                sep, value = arg
                return str(self.resolve(value)).split(sep)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::GetAZs":
                return list(AVAILABILITY_ZONES)
            if key == "Fn::Cidr":
                block, count, bits = (self.resolve(v) for v in arg)
                network = ipaddress.ip_network(block)
                subnets = network.subnets(new_prefix=network.max_prefixlen - int(bits))
                return [str(next(subnets)) for _ in range(int(count))]
            if key == "Fn::FindInMap":
                table, first, second = (self.resolve(v) for v in arg)
                return self.template["Mappings"][table][str(first)][second]
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.params:
            return self.params[name]
        assert name in self.template["Resources"], f"Ref to unknown {name}"
        return f"{{Ref:{name}}}"

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        values = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return str(values[name])
            if "." in name and name.split(".")[0] in self.template["Resources"]:
                return str(self.resolve({"Fn::GetAtt": name}))
            value = self._ref(name)
            return ",".join(value) if isinstance(value, list) else str(value)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    # ── helpers for tests ──
    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}

    def props(self, logical: str) -> dict[str, Any]:
        return copy.deepcopy(self.resources[logical]["Properties"])

    def glue_job_argv(self, logical: str, script: str = "script.py") -> list[str]:
        """The job's ``sys.argv`` as Glue builds it from ``DefaultArguments``: the script,
        then ``--name value`` pairs (Glue adds its own ``--JOB_NAME``/``--JOB_ID``/...)."""
        argv = [script]
        for name, value in self.props(logical).get("DefaultArguments", {}).items():
            argv += [name, str(value)]
        return argv

    def function_env(self, logical: str) -> dict[str, str]:
        props = self.props(logical)
        return {k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}


def iam_glob(pattern: str) -> re.Pattern[str]:
    """An IAM resource pattern: ``*`` any characters, ``?`` exactly one (both cross ``/``)."""
    return re.compile("".join({"*": ".*", "?": "."}.get(c, re.escape(c)) for c in pattern))


def glue_table_arn(stack: Stack, table: str) -> str:
    database = stack.params["GlueDatabaseName"]
    return f"arn:aws:glue:{REGION}:{ACCOUNT}:table/{database}/{table}"


def may(stack: Stack, role: str, action: str, arn: str) -> bool:
    """Whether a statement of ``role`` (inline, or a policy attached to it) allows ``action``
    on ``arn`` (conditions aside)."""
    documents = [p["PolicyDocument"] for p in stack.props(role).get("Policies", [])]
    documents += [
        body["Properties"]["PolicyDocument"]
        for body in stack.of_type("AWS::IAM::Policy").values()
        if f"{{Ref:{role}}}" in body["Properties"]["Roles"]
    ]
    for document in documents:
        for statement in document["Statement"]:
            actions = statement["Action"]
            resources = statement["Resource"]
            actions = actions if isinstance(actions, list) else [actions]
            resources = resources if isinstance(resources, list) else [resources]
            if action in actions and any(iam_glob(r).fullmatch(arn) for r in resources):
                return True
    return False
