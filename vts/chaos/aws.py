"""The AWS APIs a run needs, on moto's server on 127.0.0.1 (a mock; nothing reaches AWS):
DynamoDB for the simulator's idempotency table and, with ``--s3``, S3 for the lake."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vts.exceptions import NotInstalledError

REGION = "us-east-1"
# moto accepts any key: these are not credentials of any account
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass
class MockAws:
    url: str
    server: Any

    @property
    def env(self) -> dict[str, str]:
        """Variables that point a process's AWS clients (boto3, Spark's S3A) at the mock."""
        return {
            **FAKE_CREDENTIALS,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.url,
            "VTS_S3_ENDPOINT": self.url,
        }

    def client(self, service: str) -> Any:
        import boto3

        client: Any = boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        return client

    def windows_table(self) -> str:
        """The simulator's idempotency table, keyed as template.yaml's SimulatorWindowsTable."""
        name = f"vts-chaos-windows-{uuid.uuid4().hex[:8]}"
        self.client("dynamodb").create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        return name

    def bucket(self) -> str:
        name = f"vts-chaos-{uuid.uuid4().hex[:12]}"
        self.client("s3").create_bucket(Bucket=name)
        return name

    @contextmanager
    def as_environment(self) -> Iterator[None]:
        """This process's AWS clients (pyarrow's S3) on the mock while the block runs."""
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@contextmanager
def mock_aws() -> Iterator[MockAws]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        raise NotInstalledError(
            "moto's server (the harness's DynamoDB and S3)", extra="dev"
        ) from exc
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield MockAws(f"http://{host}:{port}", server)
    finally:
        server.stop()
