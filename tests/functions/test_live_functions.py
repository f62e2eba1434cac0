"""functions/live_consumer and functions/live_api invoked in-process with the events/
samples, as `sam local invoke` would, on the session's real redis-server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.aws.lambda_support import LambdaContext, load_event, load_handler

pytestmark = pytest.mark.integration


@pytest.fixture
def function_env(
    live_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    restore_logging: None,
) -> None:
    settings = live_settings()
    for name, value in {
        "VTS_LIVE_URL": settings.url,
        "VTS_LIVE_PREFIX": settings.prefix,
        "VTS_LIVE_SILENCE_S": "0",  # the samples are from 2024: keep them live
        "VTS_LIVE_INCIDENT_TTL_S": "0",
        "POWERTOOLS_SERVICE_NAME": "vts-live-test",
        "POWERTOOLS_METRICS_NAMESPACE": "vts-test",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def handlers() -> Iterator[dict[str, ModuleType]]:
    """The two handler modules, their containers' connections closed afterwards."""
    modules = {name: load_handler(name) for name in ("live_consumer", "live_api")}
    yield modules
    for function in modules["live_consumer"]._functions.values():
        function.consumer.store.close()
    for store in modules["live_api"]._stores.values():
        store.close()


def _api(app: ModuleType, name: str, **overrides: Any) -> tuple[int, dict[str, Any]]:
    response = app.lambda_handler(load_event(f"live_api_{name}.json", **overrides), LambdaContext())
    assert response["headers"]["Content-Type"].startswith("application/json")
    return response["statusCode"], json.loads(response["body"])


def test_the_sample_batch_then_every_sample_request(
    function_env: None, handlers: dict[str, ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = handlers["live_consumer"].lambda_handler(
        load_event("live_consumer_batch.json"), LambdaContext()
    )
    assert outcome["records"] == 14 and outcome["invalid"] == 1
    assert (outcome["vehicles"], outcome["written"], outcome["incidents_written"]) == (3, 3, 1)
    metrics = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line
    ]
    assert [(m["InvalidRecords"], m["VehiclesWritten"]) for m in metrics if "RecordAge" in m] == [
        ([1.0], [3.0])
    ]

    status, body = _api(handlers["live_api"], "vehicles")
    assert status == 200 and len(body["vehicles"]) == 3
    # the sample's cursor is of no store: the whole snapshot
    status, changes = _api(handlers["live_api"], "changes")
    assert status == 200 and changes["reset"] is True and len(changes["vehicles"]) == 3
    status, one = _api(handlers["live_api"], "vehicle")
    assert status == 200 and one["vehicle"]["vehicle_id"] == "VEH-000001"
    assert len(one["trail"]) == 2
    status, incidents = _api(handlers["live_api"], "incidents")
    assert status == 200 and incidents["incidents"][0]["incident_type"] == "Accident"
    status, health = _api(handlers["live_api"], "health")
    assert status == 200 and health["vehicles"] == 3
    status, missing = _api(handlers["live_api"], "vehicle", rawPath="/vehicles/VEH-999")
    assert status == 404 and "VEH-999" in missing["error"]
