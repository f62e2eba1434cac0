"""Fixtures of the Glue rehearsal: the Glue 5.1 venv and the job as the stack publishes it.

Nothing is built here: ``make rehearsal-glue`` (the venv) and ``make build``
(sam build) do that before ``make test`` runs the suite; a missing piece fails the test
with the target to run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build import sam_build
from tests.fixtures.aws import MotoServer
from tests.rehearsal.glue.harness import CODE_LAYER, VENV_NAME, PublishedJob, publish_and_fetch
from tests.rehearsal.venvs import rehearsal_venv


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
