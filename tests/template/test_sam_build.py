"""What `sam build` produced (``make build`` builds it before the tests run; without it
each test fails naming the target).

Each function is imported the way Lambda would load it: a fresh interpreter without
site-packages, with only the function's folder and the two layers' ``python/`` folders on
the path, as ``/var/task`` and ``/opt/python`` are in the runtime. The code layer must hold
the repository's current ``vts`` sources (a stale layer would deploy old code) and the Glue
job script the GlueAssets resource publishes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.build import BUILD, BUILT_TEMPLATE, sam_build, stale
from tests.template.cfn import REPO


def built() -> dict[str, dict[str, str]]:
    """Logical id -> properties of the built functions and layers (folders under BUILD)."""
    from samcli.yamlhelper import yaml_parse

    resources = yaml_parse((sam_build() / "template.yaml").read_text())["Resources"]
    return {
        logical: body["Properties"]
        for logical, body in resources.items()
        if body["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }


def layer_dirs() -> list[Path]:
    props = built()
    layers = [p["ContentUri"] for p in props.values() if "ContentUri" in p]
    return [BUILD / layer / "python" for layer in layers]


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def test_the_code_layer_holds_the_current_sources_and_the_glue_script() -> None:
    code_layers = [d for d in layer_dirs() if (d / "vts").is_dir()]
    assert len(code_layers) == 1
    layer = code_layers[0]
    assert digest(layer / "vts") == digest(REPO / "vts"), stale("vts/")
    assert digest(layer / "simulator") == digest(REPO / "simulator"), stale("simulator/")
    scripts = layer.parent / "glue_scripts"
    assert sorted(p.name for p in scripts.glob("*.py")) == sorted(
        p.name for p in (REPO / "glue_scripts").glob("*.py")
    )


@pytest.mark.parametrize(
    "logical",
    # without a build, one case that fails naming `make build` (never an empty, skipped set)
    sorted(k for k, v in built().items() if "CodeUri" in v) if BUILT_TEMPLATE.is_file() else ["?"],
)
def test_each_function_imports_with_only_its_code_and_the_layers(logical: str) -> None:
    folder = BUILD / built()[logical]["CodeUri"]
    path = os.pathsep.join(str(p) for p in [folder, *layer_dirs()])
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": path,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "vts-build-check",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "vts",
    }
    code = (
        "import sys, app; "
        "assert callable(app.lambda_handler); "
        "import confluent_kafka, numpy; "
        "print(confluent_kafka.version()[0], numpy.__version__)"
    )
    # -S: no site-packages, so nothing outside the function and its layers can be imported.
    done = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    kafka_version, numpy_version = done.stdout.split()
    assert kafka_version == "2.4.0"  # the manylinux2014 pin (layers/dependencies)
    assert numpy_version.startswith("1.")
