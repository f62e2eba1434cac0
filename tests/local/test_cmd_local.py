"""``vts local up|down|status`` through ``vts.cli.main.main`` on its own VTS home.

The integration test starts its own broker (the session broker stays untouched), stops
it, and starts it again with a SCRAM user to cover a restart on formatted storage.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from confluent_kafka.admin import ConfigResource, ResourceType

from vts.cli.main import main
from vts.contract.topics import TOPIC_NAMES
from vts.kafka import admin
from vts.kafka.auth.scram import ScramAuth
from vts.live.settings import LiveSettings
from vts.live.store import LiveStore
from vts.local.kafka_broker import LocalKafka
from vts.local.redis_server import LocalRedis
from vts.settings import LocalPaths


@pytest.fixture
def vts_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh VTS home that still uses the real jar cache."""
    monkeypatch.setenv("VTS_JARS_DIR", str(LocalPaths.from_env().jars))
    monkeypatch.setenv("VTS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VTS_KAFKA_PASSWORD", raising=False)
    return tmp_path / "home"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("verb", ["up", "down", "status"])
def test_every_verb_has_help_with_an_example(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["local", verb, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"vts local {verb}" in out


def test_status_when_not_running(vts_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "local", "status", "--format", "json")
    assert code == 3
    assert json.loads(out) == {"running": False, "live_store": {"running": False}}


def test_up_without_jars_says_make_jars(
    vts_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VTS_JARS_DIR", str(tmp_path / "empty-cache"))
    code, out, err = _run(capsys, "local", "up")
    assert code == 1
    assert "make jars" in err


def test_scram_user_without_password_is_refused(
    vts_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "local", "up", "--scram-user", "alice")
    assert code == 1
    assert "VTS_KAFKA_PASSWORD" in err
    assert not (vts_home / "kafka" / "state.json").exists()


def _retention_ms(bootstrap: str, topic: str) -> str:
    client = admin.admin_client(bootstrap)
    resource = ConfigResource(ResourceType.TOPIC, topic)
    configs = client.describe_configs([resource])[resource].result(timeout=30)
    return str(configs["retention.ms"].value)


@pytest.mark.integration
def test_cli_lifecycle(
    vts_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code, out, err = _run(
            capsys, "local", "up", "--format", "json", "--partitions", "2", "--retention-hours", "1"
        )
        assert code == 0, err
        started = json.loads(out)
        bootstrap = started["bootstrap"]
        assert started["running"] is True
        assert started["topics"] == {name: 2 for name in TOPIC_NAMES}
        assert _retention_ms(bootstrap, "gps_data") == "3600000"
        assert "created topics" in err  # progress goes to stderr when stdout is JSON

        code, out, _ = _run(capsys, "local", "up")
        assert code == 0 and f"already running at {bootstrap}" in out

        live = started["live_store"]
        assert live["running"] is True and live["url"].startswith("redis://127.0.0.1:")
        with LiveStore.connect(LiveSettings(url=live["url"])) as store:
            assert store.client.ping()

        code, out, _ = _run(capsys, "--format", "json", "local", "status")
        status = json.loads(out)
        assert code == 0 and status["bootstrap"] == bootstrap
        assert status["live_store"]["url"] == live["url"] and status["live_store"]["version"]
        code, out, _ = _run(capsys, "local", "status")
        assert "live store" in out and live["url"] in out

        code, out, _ = _run(capsys, "local", "down")
        assert code == 0 and "Kafka stopped" in out and "live store stopped" in out
        code, out, _ = _run(capsys, "local", "status", "--format", "json")
        assert code == 3 and json.loads(out)["running"] is False
        assert json.loads(out)["live_store"] == {"running": False}

        # restart on the formatted storage, now with a SCRAM user (added through the admin API)
        monkeypatch.setenv("VTS_KAFKA_PASSWORD", "restart-pw")
        code, out, err = _run(capsys, "local", "up", "--format", "json", "--scram-user", "carol")
        assert code == 0, err
        restarted = json.loads(out)
        assert restarted["topics"] == {name: 2 for name in TOPIC_NAMES}  # data survived
        assert "restart-pw" not in out + err
        auth = ScramAuth("carol", "restart-pw", security_protocol="SASL_PLAINTEXT")
        assert admin.wait_until_ready(restarted["scram_bootstrap"], auth, timeout=30) == 1

        code, out, _ = _run(capsys, "local", "down", "--format", "json")
        assert code == 0
        assert json.loads(out) == {"running": False, "stopped": True, "live_store_stopped": True}
    finally:
        LocalKafka(vts_home).down()
        LocalRedis(vts_home).down()
