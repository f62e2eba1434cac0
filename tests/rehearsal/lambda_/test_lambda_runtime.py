"""The rehearsal's runtime is Lambda's: the template's functions, their events, the SDK set.

Checks that the Lambda rehearsal rehearses what ships: every function of the built
template and every sample event take part, the functions are the python3.11/x86_64 ones
the venv stands in for, the venv holds exactly the pinned runtime SDK set, the layers merge
into /opt without one overwriting another, the import path is Lambda's, and the code layer
holds this working tree's code (a stale `sam build` would rehearse old code).
"""

from __future__ import annotations

import filecmp
import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.build import stale
from tests.rehearsal.lambda_.harness import (
    EVENTS,
    REPO,
    REQUIREMENTS,
    BuiltStack,
    LambdaRuntime,
    merge_layers,
    write_event,
)

pytestmark = pytest.mark.integration


def pinned() -> dict[str, str]:
    pins = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_every_function_has_sample_events_and_every_event_a_function(
    built_stack: BuiltStack,
) -> None:
    assert {f.source for f in built_stack.functions.values()} == {
        p.name for p in (REPO / "functions").iterdir() if (p / "app.py").exists()
    }
    claimed: list[str] = []
    for function in built_stack.functions.values():
        assert function.event_files, f"{function.logical_id} has no events/ sample"
        claimed += [p.name for p in function.event_files]
    assert sorted(claimed) == sorted(p.name for p in EVENTS.glob("*.json"))  # once each


def test_the_functions_are_python311_on_x86_64(built_stack: BuiltStack) -> None:
    for function in built_stack.functions.values():
        assert (function.runtime, function.architectures) == ("python3.11", ("x86_64",))
        assert function.layers, f"{function.logical_id} has no layers"


def test_the_venv_holds_exactly_the_pinned_runtime_sdk(lambda_runtime: LambdaRuntime) -> None:
    listed = subprocess.run(
        [
            str(lambda_runtime.python),
            "-I",
            "-c",
            "import importlib.metadata as m, json; print(json.dumps({"
            "d.metadata['Name'].lower().replace('_', '-'): d.version "
            "for d in m.distributions()}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout) == pinned()


def test_the_runtime_sdk_alone_reaches_an_endpoint_from_the_environment(
    lambda_runtime: LambdaRuntime,
) -> None:
    """Why the pin is the floor it is: AWS_ENDPOINT_URL (boto3 1.28 / botocore 1.31)."""
    done = subprocess.run(
        [
            str(lambda_runtime.python),
            "-I",
            "-c",
            "import boto3; print(boto3.client('s3').meta.endpoint_url, boto3.__file__)",
        ],
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=True,
    )
    endpoint, origin = done.stdout.split()
    assert endpoint == "http://127.0.0.1:9"
    assert Path(origin).is_relative_to(lambda_runtime.venv)


def test_the_layers_merge_into_opt_without_overwriting_each_other(
    built_stack: BuiltStack, tmp_path: Path
) -> None:
    layer_sets = {f.layers for f in built_stack.functions.values()}
    for i, layers in enumerate(layer_sets):
        assert merge_layers(layers, tmp_path / str(i)) == []


def test_the_code_layer_holds_this_working_trees_code(built_stack: BuiltStack) -> None:
    code = built_stack.layers["CodeLayer"] / "python"
    for package in ("vts", "simulator"):
        sources = sorted(p.relative_to(REPO / package) for p in (REPO / package).rglob("*.py"))
        built = sorted(p.relative_to(code / package) for p in (code / package).rglob("*.py"))
        assert built == sources, stale(f"{package}/")
        _, mismatch, errors = filecmp.cmpfiles(
            REPO / package, code / package, [str(p) for p in sources], shallow=False
        )
        assert not mismatch and not errors, stale(f"{package}/: {mismatch + errors}")


PATH_PROBE = """
import sys, boto3
def handler(event, context):
    return {"path": sys.path, "boto3": boto3.__file__}
"""


def test_imports_resolve_in_lambdas_order(
    built_stack: BuiltStack, lambda_runtime: LambdaRuntime, tmp_path: Path
) -> None:
    """/var/task, then the layers (/opt/python/lib/python3.11/site-packages, /opt/python),
    then the runtime's libraries: so the layer's own boto3 (the MSK IAM signer pulls it in)
    shadows the runtime's, as it will on Lambda."""
    simulator = built_stack.by_source("simulator_producer")
    task = tmp_path / "task"
    task.mkdir()
    (task / "probe.py").write_text(PATH_PROBE)
    probe = replace(simulator, code=task, handler="probe.handler")
    result = lambda_runtime.invoke(probe, [write_event(tmp_path, "e.json", {})], {}).only()
    opt = lambda_runtime.opt_for(simulator)
    assert result["path"][:3] == [
        str(task),
        str(opt / "python" / "lib" / "python3.11" / "site-packages"),
        str(opt / "python"),
    ]
    rest = result["path"][3:]
    assert not any(str(REPO / ".venv") in p for p in rest)  # nothing of the dev venv
    assert any(p.startswith(str(lambda_runtime.venv)) for p in rest)
    assert Path(result["boto3"]).is_relative_to(opt / "python")


def test_the_library_declares_the_versions_the_layer_ships(built_stack: BuiltStack) -> None:
    """pyproject.toml's ranges (base and `lambda` extra) admit what the dependencies layer
    really holds, so the library's declared support covers what runs on Lambda (the layer's
    confluent-kafka 2.4.0 above all)."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["lambda"]
    ]
    layer = built_stack.layers["DependenciesLayer"] / "python"
    shipped = {}
    for info in layer.glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        shipped[name.lower().replace("_", "-")] = version
    for requirement in declared:
        name = requirement.name.lower().replace("_", "-")
        assert name in shipped, f"the layer lacks {name}"
        assert requirement.specifier.contains(shipped[name]), (
            f"the layer ships {name} {shipped[name]}, pyproject.toml declares {requirement}"
        )
