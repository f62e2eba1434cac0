"""Invoke a Lambda handler in-process the way `sam local invoke` would.

``load_handler`` imports ``functions/<name>/app.py`` as a fresh module (every function's
file is called app.py); ``LambdaContext`` carries what Powertools and the handlers read;
``restore_logging`` undoes the logging set-up a handler module does at import, so tests do
not leak handlers into each other. ``resource_request`` is a CloudFormation custom-resource
request, as the custom resources' handlers receive it.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vts.aws.cfn_response import CustomResourceRequest, RequestType

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
FUNCTIONS = REPO / "functions"
ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools use."""

    function_name: str = "vts-test-function"
    memory_limit_in_mb: int = 256
    remaining_ms: int = 300_000
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load_event(name: str, **overrides: Any) -> dict[str, Any]:
    event = json.loads((EVENTS / name).read_text())
    event.update(overrides)
    return event


def load_handler(function: str) -> ModuleType:
    """Import functions/<function>/app.py under a unique module name."""
    path = FUNCTIONS / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"{function}_app_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def json_log_lines(text: str) -> list[dict[str, Any]]:
    """The structured (JSON) log records among captured stdout lines."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region for moto; nothing may reach a real account."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the ``vts`` logger and the Powertools service loggers back as they were.

    A handler module configures logging when it is imported (Powertools' handler on its
    service logger, copied to ``vts``); without this, each fresh import would stack one more.
    """
    attrs = ("init", "powertools_handler", "logger_handler")

    def snapshot() -> dict[str, tuple[Any, ...]]:
        state = {}
        for name in ["vts", *(n for n in logging.root.manager.loggerDict if n.startswith("vts-"))]:
            logger = logging.getLogger(name)
            state[name] = (
                list(logger.handlers),
                logger.propagate,
                logger.level,
                {a: getattr(logger, a) for a in attrs if hasattr(logger, a)},
            )
        return state

    before = snapshot()
    yield
    for name in snapshot():
        logger = logging.getLogger(name)
        handlers, propagate, level, saved = before.get(name, ([], True, logging.NOTSET, {}))
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)
        for attr in attrs:
            if attr in saved:
                setattr(logger, attr, saved[attr])
            elif hasattr(logger, attr):
                delattr(logger, attr)


def resource_request(
    kind: RequestType,
    logical_id: str,
    resource_type: str,
    properties: dict[str, Any],
    **fields: Any,
) -> CustomResourceRequest:
    """A ``kind`` request for the custom resource ``logical_id`` of ``resource_type``;
    ``fields`` set the request's other fields (old properties, ids)."""
    fields = {"stack_id": "stack", "request_id": "req", **fields}
    return CustomResourceRequest(
        request_type=kind,
        response_url="http://127.0.0.1/unused",
        logical_resource_id=logical_id,
        resource_type=resource_type,
        properties=properties,
        **fields,
    )
