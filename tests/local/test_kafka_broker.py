"""vts.local.kafka_broker without a real broker: errors, state handling, a fake ``java``.

The real broker's lifecycle is tested in test_kafka_broker_integration.py.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from vts.local.exceptions import (
    BrokerNotReadyError,
    BrokerStartError,
    ConfigError,
    JarsNotInstalledError,
    JavaNotFoundError,
)
from vts.local.kafka_broker import BrokerOptions, LocalKafka, ScramUser


@pytest.fixture
def jars(tmp_path: Path) -> Path:
    """A jar cache with one (empty) kafka jar: enough to get past the jar check."""
    root = tmp_path / "jars"
    (root / "kafka").mkdir(parents=True)
    (root / "kafka" / "kafka_2.13-fake.jar").touch()
    return root


def _fake_java(tmp_path: Path, format_body: str, broker_body: str) -> str:
    """A ``java`` stand-in: runs ``format_body`` for the storage tool, ``broker_body`` for
    the broker."""
    script = tmp_path / "fake-java"
    script.write_text(
        "#!/bin/sh\n"
        'case " $* " in\n'
        f"  *' kafka.tools.StorageTool '*) {format_body} ;;\n"
        f"  *' kafka.Kafka '*) {broker_body} ;;\n"
        "esac\n"
        "exit 99\n"
    )
    script.chmod(0o755)
    return str(script)


def test_missing_jars_come_before_anything_starts(tmp_path: Path) -> None:
    local = LocalKafka(tmp_path / "home", jars_root=tmp_path / "no-jars")
    with pytest.raises(JarsNotInstalledError, match="make jars"):
        local.up()
    assert not local.state_file.exists()


def test_missing_java_is_reported(
    tmp_path: Path, jars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(JavaNotFoundError):
        LocalKafka(tmp_path / "home", jars_root=jars).up()


def test_status_and_down_when_nothing_ever_ran(tmp_path: Path) -> None:
    local = LocalKafka(tmp_path)
    assert not local.status().running
    messages: list[str] = []
    assert local.down(report=messages.append) is False
    assert messages == ["Kafka is not running"]


def test_stale_state_file_is_dropped(tmp_path: Path) -> None:
    local = LocalKafka(tmp_path)
    local.root.mkdir(parents=True)
    dead = {
        "pid": 2**22 + 17,  # above any pid_max default: cannot be running
        "bootstrap": "127.0.0.1:1",
        "port": 1,
        "controller_port": 2,
        "scram_port": None,
        "scram_bootstrap": None,
        "log_file": "x",
        "data_dir": "y",
        "started_at": "2025-01-01T00:00:00+00:00",
    }
    local.state_file.write_text(json.dumps(dead))
    assert not local.status().running
    assert not local.state_file.exists()


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="partitions"):
        BrokerOptions(partitions=0)
    with pytest.raises(ConfigError, match="retention"):
        BrokerOptions(retention_hours=0)
    with pytest.raises(ConfigError, match="not a TCP port"):
        BrokerOptions(port=70000)


def test_a_busy_port_is_refused(tmp_path: Path, jars: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        local = LocalKafka(tmp_path / "home", jars_root=jars, java=sys.executable)
        with pytest.raises(ConfigError, match=f"port {port} on 127.0.0.1 is in use"):
            local.up(BrokerOptions(port=port))


def test_failed_format_shows_the_tool_output_without_passwords(tmp_path: Path, jars: Path) -> None:
    java = _fake_java(tmp_path, 'echo "format went wrong: $*" >&2; exit 1', "exit 0")
    local = LocalKafka(tmp_path / "home", jars_root=jars, java=java)
    user = ScramUser("alice", "pw-not-to-show")
    with pytest.raises(BrokerStartError) as info:
        local.up(BrokerOptions(scram_users=(user,)), report=lambda _: None)
    text = str(info.value)
    assert "formatting storage" in text and "format went wrong" in text
    assert "pw-not-to-show" not in text
    assert not local.state_file.exists()


def test_broker_that_exits_at_once_reports_its_output(tmp_path: Path, jars: Path) -> None:
    java = _fake_java(tmp_path, "exit 0", 'echo "broker blew up"; exit 3')
    local = LocalKafka(tmp_path / "home", jars_root=jars, java=java)
    with pytest.raises(BrokerStartError) as info:
        local.up(BrokerOptions(ready_timeout=60), report=lambda _: None)
    assert "the broker process exited" in str(info.value)
    assert "broker blew up" in str(info.value)
    assert str(local.jvm_output) in str(info.value)
    assert not local.state_file.exists()


def test_broker_that_never_answers_times_out_and_is_stopped(tmp_path: Path, jars: Path) -> None:
    java = _fake_java(tmp_path, "exit 0", "exec sleep 120")
    local = LocalKafka(tmp_path / "home", jars_root=jars, java=java)
    messages: list[str] = []
    with pytest.raises(BrokerNotReadyError) as info:
        local.up(BrokerOptions(ready_timeout=1.0), report=messages.append)
    assert str(local.log_dir / "server.log") in str(info.value)
    assert any(m.startswith("starting Kafka at 127.0.0.1:") for m in messages)
    assert not local.state_file.exists()
    assert not local.status().running
    # what was written for the broker: our properties and log4j2 file
    assert "process.roles=broker,controller" in local.properties_file.read_text()
    assert str(local.log_dir / "server.log") in local.log4j_file.read_text()
