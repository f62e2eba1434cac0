"""The Glue 5.1 rehearsal: run the streaming job the way AWS Glue runs it, on this machine.

What plays which part of Glue:

* **Python**: a virtualenv holding exactly Glue 5.1's preinstalled libraries plus pyspark
  3.5.6 and AWS's ``awsglue`` package (``make rehearsal-glue``,
  rehearsal/glue-5.1-requirements.txt). vts is *not* installed there.
* **The job's code**: ``Custom::GlueAssets``'s own code (``publish_glue_assets``) publishes
  the ``sam build`` output's script, ``vts.zip``, jars and wheels to the bucket; the
  rehearsal downloads them from there, as Glue does, and puts ``--extra-py-files`` on
  ``PYTHONPATH``, installs ``--additional-python-modules`` with pip, and hands
  ``--extra-jars`` and the ``--conf`` settings to the JVM (``PYSPARK_SUBMIT_ARGS``).
* **The arguments**: the translated template's ``DefaultArguments`` (tests/template/cfn.py)
  resolved for the parameters under test, the stack's resources replaced by local ones
  (the bucket, the Glue database), then Glue's own ``--JOB_NAME``/``--JOB_ID``/
  ``--JOB_RUN_ID``, then the run's arguments (as ``aws glue start-job-run --arguments``
  overrides them).
* **AWS**: moto's server (S3 through ``s3a://``, Glue catalog, Secrets Manager,
  CloudWatch), through ``VTS_S3_ENDPOINT`` and ``AWS_ENDPOINT_URL``; Kafka is the local
  KRaft broker.

What it cannot play: Glue's JVM (the job runs on its local-session branch), its S3
connector (EMRFS; S3A stands in), VPC networking and real IAM.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.build import CODE_LAYER
from tests.template.cfn import Stack
from vts.aws.glue_assets import GlueAssets, publish_glue_assets
from vts.local.jars import classpath

VENV_NAME = "glue-5.1"
JOB = "StreamingJob"
# Glue's own arguments that its job runs receive besides DefaultArguments.
GLUE_RUN_ARGUMENTS = ("--JOB_ID", "--JOB_RUN_ID")


@dataclass(frozen=True)
class PublishedJob:
    """What ``Custom::GlueAssets`` published, downloaded as Glue would fetch it."""

    assets: GlueAssets
    script: Path
    extra_py_files: tuple[Path, ...]
    extra_jars: tuple[Path, ...]
    python_modules: Path  # --additional-python-modules, pip-installed here


def _download(s3: Any, uri: str, folder: Path) -> Path:
    match = re.match(r"^s3://([^/]+)/(.+)$", uri)
    assert match, f"not an s3:// URI: {uri}"
    bucket, key = match.groups()
    target = folder / key.rsplit("/", 1)[-1]
    target.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return target


def publish_and_fetch(
    s3: Any,
    bucket: str,
    venv: Path,
    workdir: Path,
    script: str = "vts_streaming_job.py",
) -> PublishedJob:
    """Publish the built code with the custom resource's code, then fetch it like Glue."""
    assets = publish_glue_assets(
        s3,
        bucket,
        "glue/",
        CODE_LAYER / "glue_scripts" / script,
        CODE_LAYER / "python" / "vts",
        CODE_LAYER / "glue_assets",
    )
    fetched = workdir / "fetched"
    fetched.mkdir(parents=True)
    script = _download(s3, assets.script_location, fetched)
    py_files = tuple(_download(s3, uri, fetched) for uri in assets.extra_py_files.split(","))
    jars = tuple(_download(s3, u, fetched) for u in assets.extra_jars.split(",") if u)
    modules = workdir / "python-modules"
    modules.mkdir()
    wheels = [_download(s3, u, fetched) for u in assets.additional_python_modules.split(",") if u]
    if wheels:  # Glue pip-installs --additional-python-modules into the job's Python
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--no-index",
                "--target",
                str(modules),
                *map(str, wheels),
            ],
            check=True,
        )
    return PublishedJob(assets, script, py_files, jars, modules)


@dataclass
class GlueJobRun:
    """One run of the published job with a stack's arguments."""

    venv: Path
    published: PublishedJob
    stack: Stack
    locals: Mapping[str, str]  # placeholder ("{Ref:DataBucket}") -> the local value
    env: Mapping[str, str]
    run_arguments: Mapping[str, str] = field(default_factory=dict)
    # JVM system properties, e.g. trust in the local broker's certificate (on AWS the JVM's
    # default trust already holds Amazon's CA, which MSK's certificates chain to).
    jvm_options: tuple[str, ...] = ()
    job_name: str = field(default_factory=lambda: f"vts-rehearsal-{uuid.uuid4().hex[:8]}")
    job: str = JOB  # the template's logical id of the Glue job
    # more spark-submit flags (e.g. a cluster's --py-files and executor sizes)
    submit_args: tuple[str, ...] = ()

    def default_arguments(self) -> dict[str, str]:
        """The template's DefaultArguments with the stack's resources made local."""
        resolved = {}
        for name, value in self.stack.props(self.job)["DefaultArguments"].items():
            text = str(value)
            for placeholder, local in self.locals.items():
                text = text.replace(placeholder, local)
            assert "{" not in text, f"{name}={text}: no local value for this stack resource"
            resolved[name] = text
        return resolved

    def argv(self) -> list[str]:
        arguments = {
            **self.default_arguments(),
            "--JOB_NAME": self.job_name,
            "--JOB_ID": f"j_{uuid.uuid4().hex}",
            "--JOB_RUN_ID": f"jr_{uuid.uuid4().hex}",
            **self.run_arguments,
        }
        argv = [str(self.published.script)]
        for name, value in arguments.items():
            argv += [name, value]
        return argv

    def spark_conf(self) -> list[str]:
        """``--conf`` as Glue applies it: ``k=v`` settings, more joined by `` --conf ``."""
        value = self.default_arguments().get("--conf")
        if value is None:
            return []
        flags = []
        for setting in value.split(" --conf "):
            assert re.fullmatch(r"spark\.[\w.]+=\S+", setting), f"--conf {setting}: not k=v"
            flags += ["--conf", setting]
        return flags

    def process_env(self, home: Path) -> dict[str, str]:
        glue_classpath = [*classpath("spark"), *self.published.extra_jars]
        python_path = [str(self.published.python_modules), *map(str, self.published.extra_py_files)]
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "JAVA_HOME": os.environ.get("JAVA_HOME", ""),
            "HOME": str(home),
            "VTS_HOME": str(home),
            "VTS_JARS_DIR": str(classpath("spark")[0].parent.parent),
            "PYTHONPATH": os.pathsep.join(python_path),
            # Glue's classpath: its Kafka connector, plus the job's --extra-jars.
            "PYSPARK_SUBMIT_ARGS": " ".join(
                [
                    "--jars",
                    ",".join(map(str, glue_classpath)),
                    *self.spark_conf(),
                    *self.submit_args,
                    "pyspark-shell",
                ]
            ),
            "PYSPARK_PYTHON": str(self.venv / "bin" / "python"),
            "JAVA_TOOL_OPTIONS": " ".join(self.jvm_options),
            **self.env,
        }

    def command(self) -> list[str]:
        """The job's process: the venv's Python running the fetched script."""
        return [str(self.venv / "bin" / "python"), *self.argv()]

    def run(self, home: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        home.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            self.command(),
            env=self.process_env(home),
            cwd=home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


# ``glue_job(auth, **parameters)`` (conftest): a run of the job as such a stack would start it.
JobFactory = Callable[..., GlueJobRun]
