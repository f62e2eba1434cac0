"""Fixtures of the Lambda rehearsal: the `sam build` output and the python3.11 runtime venv.

Nothing is built here: ``make build`` (sam build) and ``make rehearsal-lambda``
(the venv) do that before ``make test`` runs the suite; a missing piece fails the test
with the target to run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build import sam_build
from tests.rehearsal.lambda_.harness import (
    BUILT_TEMPLATE,
    VENV_NAME,
    BuiltStack,
    LambdaRuntime,
)
from tests.rehearsal.venvs import rehearsal_venv


@pytest.fixture(scope="session")
def built_stack() -> BuiltStack:
    sam_build(BUILT_TEMPLATE)
    return BuiltStack.load()


@pytest.fixture(scope="session")
def lambda_venv() -> Path:
    return rehearsal_venv(VENV_NAME, "rehearsal-lambda")


@pytest.fixture(scope="session")
def lambda_runtime(lambda_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> LambdaRuntime:
    return LambdaRuntime(lambda_venv, tmp_path_factory.mktemp("lambda-rehearsal"))
