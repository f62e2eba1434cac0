"""The live API's routing: what a client gets for good and bad requests.

The refusals need no server (they are decided before the store is asked: the store here
fails any call); the answers run on the session's real redis-server."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.live.messages import event, fix, incident, now
from vts.live import api
from vts.live.consumer import LiveConsumer


class _Untouchable:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was asked for {name} on a bad request")


def _get(store: Any, path: str, query: str = "", method: str = "GET") -> tuple[int, Any]:
    response = api.handle(method, path, query, store=store)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.status, json.loads(response.body)


@pytest.mark.parametrize(
    ("path", "query", "status", "names"),
    [
        ("/vehicles", "bbox=1,2,3", 400, "bbox"),
        ("/vehicles", "bbox=a,b,c,d", 400, "bbox"),
        ("/vehicles", "bbox=3,0,1,1", 400, "bbox"),
        ("/vehicles", "bbox=0,-91,1,1", 400, "bbox"),
        ("/vehicles", "bbox=nan,0,1,1", 400, "bbox"),
        ("/vehicles", "bbox=0,0,1,1&bbox=0,0,2,2", 400, "bbox"),
        ("/vehicles", "box=0,0,1,1", 400, "box"),
        ("/changes", "", 400, "after"),
        ("/changes", "after=", 400, "after"),
        ("/changes", "after=yesterday", 400, "after"),
        ("/changes", "after=abc.-1", 400, "after"),
        ("/changes", "after=abc.1&since=2", 400, "since"),
        ("/incidents", "all=1", 400, "all"),
        ("/nowhere", "", 404, "/nowhere"),
        ("/vehicles/a/b", "", 404, "/vehicles/a/b"),
    ],
)
def test_a_bad_request_gets_an_error_naming_what_is_wrong(
    path: str, query: str, status: int, names: str
) -> None:
    got_status, body = _get(_Untouchable(), path, query)
    assert got_status == status and names in body["error"]


def test_writes_are_refused() -> None:
    status, body = _get(_Untouchable(), "/vehicles", method="POST")
    assert status == 405 and "GET" in body["error"]


@pytest.mark.integration
def test_the_answers_have_the_contracts_shape(live_store: Any) -> None:
    store = live_store()
    consumer = LiveConsumer(store)
    t = now()
    iid = "9449a17e-0a7b-4d99-962c-c7fbe49bbd5d"
    consumer.handle(
        event(
            [
                fix("v/1", t, 50.0, 4.0, heading_deg=90.0),
                fix("v2", t, 10.0, 10.0),
                incident(iid, t, "Active"),
            ]
        )
    )
    status, body = _get(store, "/vehicles")
    assert status == 200 and set(body) == {"vehicles", "cursor", "now"}
    assert {v["vehicle_id"] for v in body["vehicles"]} == {"v/1", "v2"}
    v = next(v for v in body["vehicles"] if v["vehicle_id"] == "v/1")
    assert {"ts", "latitude", "longitude", "speed_kmh", "heading_deg", "topic"} <= set(v)
    assert v["topic"] == "vehicle_data" and v["heading_deg"] == 90.0 and v["ts"].endswith("Z")
    _, boxed = _get(store, "/vehicles", "bbox=3,49,5,51")
    assert [v["vehicle_id"] for v in boxed["vehicles"]] == ["v/1"]

    status, one = _get(store, "/vehicles/v%2F1")
    assert status == 200 and one["vehicle"]["vehicle_id"] == "v/1"
    assert [p["latitude"] for p in one["trail"]] == [50.0]
    status, missing = _get(store, "/vehicles/nobody")
    assert status == 404 and "nobody" in missing["error"]

    consumer.handle(event([fix("v2", t + timedelta(seconds=1), 11.0, 10.0)]))
    status, changes = _get(store, "/changes", f"after={body['cursor']}")
    assert status == 200 and changes["reset"] is False
    assert [v["vehicle_id"] for v in changes["vehicles"]] == ["v2"]
    assert changes["removed"] == [] and changes["incidents"] == []
    _, again = _get(store, "/changes", f"after={changes['cursor']}")
    assert again["vehicles"] == [] and again["cursor"] == changes["cursor"]

    _, incidents = _get(store, "/incidents")
    assert [i["incident_id"] for i in incidents["incidents"]] == [iid]
    status, health = _get(store, "/health")
    assert status == 200 and health["vehicles"] == 2
    assert 0 <= health["newest_position_age_s"] < 60 and health["consumer_lag"] is None


@pytest.mark.integration
def test_a_store_that_does_not_answer_is_a_503(live_store: Any) -> None:
    from vts.local.kafka_config import free_port

    store = live_store(url=f"redis://127.0.0.1:{free_port()}/0")
    status, body = _get(store, "/vehicles")
    assert status == 503 and "did not answer" in body["error"]


def test_vts_live_run_has_help_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    from vts.cli.main import main

    with pytest.raises(SystemExit) as info:
        main(["live", "run", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "vts live run --available-now" in out
