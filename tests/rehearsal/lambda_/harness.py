"""The Lambda rehearsal's harness: `sam build`'s output, read and run as Lambda would.

``BuiltStack`` reads ``.aws-sam/build/template.yaml`` (what ``sam deploy`` uploads): every
``AWS::Serverless::Function`` with its built code folder, handler, layers (the function's
or the template's Globals), timeout, memory and environment. ``Function.environment``
resolves the environment the template gives the function: literal values as they are, and
intrinsic functions (``Ref``, ``Fn::If``, ...) from local values the test supplies; a
variable the template sets that the test does not give fails loudly, so the rehearsal
always runs with the template's own configuration names.

``LambdaRuntime.invoke`` merges the function's layers into a folder standing in for
``/opt`` (in the template's order: a later layer overwrites an earlier one's files, as
Lambda's extraction does) and runs ``rehearsal/lambda-invoke.py`` with the rehearsal venv's
python3.11 (``make rehearsal-lambda``): the runtime's boto3 and nothing of the dev venv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.build import BUILT_TEMPLATE

REPO = Path(__file__).resolve().parents[3]
EVENTS = REPO / "events"
RUNNER = REPO / "rehearsal" / "lambda-invoke.py"
REQUIREMENTS = REPO / "rehearsal" / "lambda-python3.11-requirements.txt"
VENV_NAME = "lambda-python3.11"
# The source folder (functions/<name>/) whose events/ files do not start with "<name>_".
EVENT_PREFIXES = {"simulator_producer": "simulator_"}
# Variables the rehearsal adds to every function's environment (Lambda's own, not the
# template's): where the function runs and the X-Ray trace header of an unsampled request.
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "_X_AMZN_TRACE_ID": (
        "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=0"
    ),
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
}


class MissingValue(LookupError):
    """The template sets a variable that the rehearsal was given no local value for."""


@dataclass(frozen=True)
class Function:
    logical_id: str
    source: str  # functions/<source>/ in the repository
    code: Path  # the built folder (plays /var/task)
    handler: str
    layers: tuple[Path, ...]  # built layer folders, in the template's order
    runtime: str
    architectures: tuple[str, ...]
    timeout_s: float
    memory_mb: int
    variables: Mapping[str, Any]  # as the built template has them (intrinsics unresolved)

    @property
    def event_files(self) -> list[Path]:
        prefix = EVENT_PREFIXES.get(self.source, self.source + "_")
        return sorted(EVENTS.glob(prefix + "*.json"))

    def environment(
        self, local: Mapping[str, str], *, absent: Sequence[str] = ()
    ) -> dict[str, str]:
        """The function's environment: literals from the template, intrinsics from ``local``.

        ``absent``: variables the template leaves out under the local configuration (an
        ``Fn::If`` that yields ``AWS::NoValue``). ``local`` may not name a variable the
        template does not set.
        """
        unknown = sorted(set(local) - set(self.variables))
        if unknown:
            raise MissingValue(f"{self.logical_id} has no variables {unknown} in the template")
        env: dict[str, str] = {}
        for name, value in self.variables.items():
            if name in absent:
                continue
            if name in local:
                env[name] = local[name]
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                env[name] = str(value)
            else:
                raise MissingValue(
                    f"{self.logical_id}'s {name} is {json.dumps(value)} in the template; "
                    "give the rehearsal a local value for it"
                )
        return env


@dataclass(frozen=True)
class BuiltStack:
    functions: Mapping[str, Function]
    layers: Mapping[str, Path]

    @classmethod
    def load(cls, template: Path = BUILT_TEMPLATE) -> BuiltStack:
        from samcli.yamlhelper import yaml_parse

        from tests.template.cfn import expanded_template
        from vts.aws.expand import expand

        # sam build leaves the Fn::ForEach loops (none holds a function) to CloudFormation
        built = expand(dict(yaml_parse(template.read_text())))
        source = expanded_template()["Resources"]
        defaults = built.get("Globals", {}).get("Function", {})
        resources = built["Resources"]
        layers = {
            name: template.parent / r["Properties"]["ContentUri"]
            for name, r in resources.items()
            if r["Type"] == "AWS::Serverless::LayerVersion"
        }
        functions = {}
        for name, r in resources.items():
            if r["Type"] != "AWS::Serverless::Function":
                continue
            props = {**defaults, **r["Properties"]}
            refs = [layer["Ref"] for layer in props.get("Layers", [])]
            functions[name] = Function(
                logical_id=name,
                source=Path(source[name]["Properties"]["CodeUri"]).name,
                code=template.parent / props["CodeUri"],
                handler=props["Handler"],
                layers=tuple(layers[ref] for ref in refs),
                runtime=props["Runtime"],
                architectures=tuple(props.get("Architectures", ["x86_64"])),
                timeout_s=float(props.get("Timeout", 3)),
                memory_mb=_memory_mb(props.get("MemorySize")),
                variables=dict(props.get("Environment", {}).get("Variables", {})),
            )
        return cls(functions, layers)

    def by_source(self, source: str) -> Function:
        (function,) = [f for f in self.functions.values() if f.source == source]
        return function


def _memory_mb(value: Any) -> int:
    """The template's MemorySize, or 256 where it is a parameter (the rehearsal's default)."""
    return value if isinstance(value, int) else 256


def merge_layers(layers: Sequence[Path], opt: Path) -> list[str]:
    """Copy the layers into ``opt`` in order (later ones overwrite); the overwritten paths."""
    overwritten = []
    for layer in layers:
        for path in sorted(layer.rglob("*")):
            target = opt / path.relative_to(layer)
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if target.exists():
                overwritten.append(str(target.relative_to(opt)))
                target.unlink()
            target.parent.mkdir(parents=True, exist_ok=True)
            if _same_device(path, opt):
                os.link(path, target)  # a hard link: no copy of the layer's 200 MB
            else:
                shutil.copy2(path, target)
    return overwritten


def _same_device(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


@dataclass(frozen=True)
class Invocation:
    """What one rehearsal run reported (see rehearsal/lambda-invoke.py)."""

    outcomes: list[dict[str, Any]]
    modules: dict[str, dict[str, str | None]]
    sys_path: list[str]
    stdout: str
    stderr: str

    def only(self) -> dict[str, Any]:
        (outcome,) = self.outcomes
        assert outcome["ok"], outcome.get("stackTrace") or outcome
        return outcome["result"]

    def log_records(self) -> list[dict[str, Any]]:
        """The structured (JSON) log lines the function printed, as CloudWatch gets them."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


@dataclass
class LambdaRuntime:
    """Runs built functions in the rehearsal venv (one process = one warm container)."""

    venv: Path
    scratch: Path
    _opts: dict[tuple[Path, ...], Path] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def opt_for(self, function: Function) -> Path:
        """The merged ``/opt`` of the function's layers (made once per layer set)."""
        if function.layers not in self._opts:
            opt = self.scratch / f"opt-{len(self._opts)}"
            opt.mkdir(parents=True)
            merge_layers(function.layers, opt)
            self._opts[function.layers] = opt
        return self._opts[function.layers]

    def invoke(
        self,
        function: Function,
        events: Sequence[Path],
        env: Mapping[str, str],
        *,
        timeout_s: float = 90.0,
    ) -> Invocation:
        result = self.scratch / f"result-{function.logical_id}-{os.getpid()}.json"
        result.unlink(missing_ok=True)
        command = [
            str(self.python),
            "-I",
            str(RUNNER),
            "--task-root",
            str(function.code),
            "--opt",
            str(self.opt_for(function)),
            "--handler",
            function.handler,
            "--result",
            str(result),
            "--function-name",
            function.logical_id,
            "--memory-mb",
            str(function.memory_mb),
            "--timeout-s",
            str(function.timeout_s),
        ]
        for event in events:
            command += ["--event", str(event)]
        # A clean environment, as Lambda gives: only what the function's configuration and
        # the runtime set (no HOME, no dev venv on PATH).
        clean = {"PATH": "/usr/bin:/bin", **LAMBDA_ENV, **env}
        done = subprocess.run(
            command, env=clean, capture_output=True, text=True, timeout=timeout_s, check=False
        )
        if not result.exists():
            raise AssertionError(
                f"the runner wrote no result (exit {done.returncode}):\n{done.stderr[-4000:]}"
            )
        report = json.loads(result.read_text())
        return Invocation(
            report["invocations"], report["modules"], report["sys_path"], done.stdout, done.stderr
        )


def write_event(directory: Path, name: str, event: Mapping[str, Any]) -> Path:
    """An event file for the runner (a sample event with local values filled in)."""
    path = directory / name
    path.write_text(json.dumps(event))
    return path
