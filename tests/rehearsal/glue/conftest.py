"""Fixtures of the Glue rehearsal: the Glue 5.1 venv, the job as the stack publishes it, a
factory of its runs, and a standalone Spark cluster for the cluster rehearsal.

Nothing is built here: ``make rehearsal-glue`` (the venv) and ``make build``
(sam build) do that before ``make test`` runs the suite; a missing piece fails the test
with the target to run.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import vts
from tests.build import sam_build
from tests.fixtures.aws import MotoServer
from tests.rehearsal.glue.cluster import StandaloneCluster, start_cluster
from tests.rehearsal.glue.harness import (
    CODE_LAYER,
    VENV_NAME,
    GlueJobRun,
    JobFactory,
    PublishedJob,
    publish_and_fetch,
)
from tests.rehearsal.venvs import rehearsal_venv
from tests.template.cfn import REPO, Stack
from tests.template.scenarios import EXISTING_VPC
from vts.contract.topics import TOPIC_NAMES
from vts.kafka.admin import create_topics
from vts.local.jars import classpath
from vts.settings import LocalPaths

DATABASE = "vts_rehearsal"
# The run's own arguments (`aws glue start-job-run --arguments`): process what is there
# and stop, instead of streaming for ever.
RUN_ARGUMENTS = {"--available_now": "true"}


@pytest.fixture(scope="session")
def glue_venv() -> Path:
    return rehearsal_venv(VENV_NAME, "rehearsal-glue")


@pytest.fixture(scope="session")
def published_job(
    glue_venv: Path, moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory
) -> PublishedJob:
    """The built job published by Custom::GlueAssets's code (to moto's S3) and fetched."""
    sam_build(CODE_LAYER / "glue_scripts")
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="vts-rehearsal-assets")
    return publish_and_fetch(
        s3, "vts-rehearsal-assets", glue_venv, tmp_path_factory.mktemp("glue-rehearsal")
    )


@pytest.fixture
def glue_database(moto_server: MotoServer) -> str:
    glue = moto_server.client("glue")
    try:
        glue.create_database(DatabaseInput={"Name": DATABASE})
    except glue.exceptions.AlreadyExistsException:
        pass
    return DATABASE


@pytest.fixture
def glue_job(
    glue_venv: Path,
    published_job: PublishedJob,
    moto_server: MotoServer,
    s3_bucket: str,
    glue_database: str,
    kafka_broker: Any,
) -> JobFactory:
    """``glue_job(auth, **parameters)``: the job as a stack deployed with those parameters
    (an existing cluster on the local broker, a fresh topic prefix) would run it."""

    def make(auth: str, **parameters: str) -> GlueJobRun:
        prefix = f"{auth}{uuid.uuid4().hex[:6]}."
        create_topics(kafka_broker.bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=2)
        tls = auth != "plaintext"  # MSK serves SCRAM and IAM over TLS only
        stack = Stack(
            {
                **EXISTING_VPC,
                "KafkaSource": "existing",
                "RedshiftMode": "none",
                "ExistingKafkaAuth": auth,
                "ExistingKafkaBootstrap": (
                    kafka_broker.scram_tls_bootstrap if tls else kafka_broker.bootstrap
                ),
                "TopicPrefix": prefix,
                **parameters,
            }
        )
        assets = published_job.assets
        return GlueJobRun(
            venv=glue_venv,
            published=published_job,
            stack=stack,
            locals={
                "{Ref:DataBucket}": s3_bucket,
                "{Ref:GlueDatabase}": glue_database,
                "{GlueAssets.ExtraPyFiles}": assets.extra_py_files,
                "{GlueAssets.ExtraJars}": assets.extra_jars,
                "{GlueAssets.AdditionalPythonModules}": assets.additional_python_modules,
            },
            env=moto_server.env,
            run_arguments=RUN_ARGUMENTS,
            jvm_options=tuple(kafka_broker.tls.jvm_trust_options()) if tls else (),
        )

    return make


# Each node's own (fake) credentials: moto accepts any key, and a process that shows the
# driver's keys instead got them from the driver.
NODE_CREDENTIALS = {
    name: {
        "AWS_ACCESS_KEY_ID": f"node-{name}-key",
        "AWS_SECRET_ACCESS_KEY": f"node-{name}-secret",
        "AWS_SESSION_TOKEN": f"node-{name}-token",
    }
    for name in ("node1", "node2")
}


@pytest.fixture(scope="module")
def spark_cluster(
    glue_venv: Path, published_job: PublishedJob, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StandaloneCluster]:
    """A standalone master and two workers (tests/rehearsal/glue/cluster.py) whose nodes
    cannot see the driver's folders: the test's temporary files (the driver's home, cwd
    and tmp), the checkout, the vts under test and the VTS home with its jar cache."""
    jars = LocalPaths.from_env().jars
    hidden = {
        tmp_path_factory.getbasetemp(),
        REPO,
        Path(vts.__file__).resolve().parents[1],
        LocalPaths.from_env().home,
        jars,
    }
    folder = Path(tempfile.mkdtemp(prefix="vts-cluster-"))
    assert not any(folder.is_relative_to(h) for h in hidden), folder
    try:
        cluster = start_cluster(
            glue_venv,
            folder,
            hidden=sorted(hidden),
            s3_connector=classpath("s3a")[0].parent,
            python_modules=published_job.python_modules,
            node_env=NODE_CREDENTIALS,
        )
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
