"""Keep each auth test independent of the VTS_KAFKA_* and AWS_* variables of the shell."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def clean_kafka_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VTS_KAFKA_") or name in ("AWS_REGION", "AWS_PROFILE"):
            monkeypatch.delenv(name)
    # moto and the MSK signer need some credentials; these are fake and never leave the process.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
