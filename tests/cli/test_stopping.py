"""Every long-running command stops on Ctrl-C (SIGINT) also when it was started as a
non-interactive shell's background job, which inherits SIGINT ignored (Python then raises
no KeyboardInterrupt): it installs its own handler (``vts.stopping``) and ends the way an
interactive Ctrl-C ends it. ``vts live serve``: tests/cli/test_live_serve.py.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.background import BackgroundVts
from tests.fixtures.kafka import KafkaBroker
from tests.simulator.kafka_helpers import fresh_prefix
from vts.local.redis_server import RedisStatus
from vts.settings import LocalPaths

Start = Callable[..., BackgroundVts]


def test_simulate_stops_on_ctrl_c_and_says_interrupted(
    tmp_path: Path, vts_in_background: Start
) -> None:
    out = tmp_path / "events.jsonl"
    job = vts_in_background(
        *("simulate", "--vehicles", "3", "--duration", "30m", "--realtime"),
        *("--out", str(out)),
    )
    job.until_catching(signal.SIGINT)
    code, err = job.stop(signal.SIGINT)
    assert code == 130, err  # as an interactive Ctrl-C: the run is cut short
    assert "interrupted" in err
    assert "Traceback" not in err


@pytest.mark.integration
def test_live_alerts_follow_stops_on_ctrl_c_and_prints_its_cursor(
    redis_server: RedisStatus, vts_in_background: Start
) -> None:
    assert redis_server.url is not None
    job = vts_in_background("live", "alerts", "--follow", "--live-url", redis_server.url)
    job.until_catching(signal.SIGINT)
    code, err = job.stop(signal.SIGINT)
    assert code == 0, err
    assert "cursor " in err  # where a later run picks up
    assert "Traceback" not in err


@pytest.mark.integration
def test_live_run_stops_on_ctrl_c_and_reports_its_totals(
    kafka_broker: KafkaBroker, redis_server: RedisStatus, vts_in_background: Start
) -> None:
    assert redis_server.url is not None
    job = vts_in_background(
        *("live", "run", "--broker", kafka_broker.bootstrap, "--no-alerts"),
        *("--topic-prefix", f"t{uuid.uuid4().hex[:8]}.", "--group", uuid.uuid4().hex),
        *("--live-url", redis_server.url),
    )
    job.until_catching(signal.SIGINT)
    code, err = job.stop(signal.SIGINT)
    assert code == 0, err
    assert "Traceback" not in err
    assert any("batches" in line for line in job.printed.lines), job.printed.lines


@pytest.mark.integration
def test_job_run_stops_its_query_on_ctrl_c(
    tmp_path: Path, kafka_broker: KafkaBroker, vts_in_background: Start
) -> None:
    """The streaming job, started and waiting for data on real Kafka and local PySpark."""
    job = vts_in_background(
        *("job", "run", "--broker", kafka_broker.bootstrap, "--no-register"),
        *("--topic-prefix", fresh_prefix(kafka_broker.bootstrap), "--topics", "gps_data"),
        *("--trigger-seconds", "1", "--lake", str(tmp_path / "lake")),
        *("--checkpoint", str(tmp_path / "checkpoint")),
        # its own home, the session's jars (make jars put them under the real one)
        env={"VTS_HOME": str(tmp_path / "home"), "VTS_JARS_DIR": str(LocalPaths.from_env().jars)},
    )
    job.until_said("(query ", seconds=240)  # the query runs: the job waits in Spark
    code, err = job.stop(signal.SIGINT, seconds=90)
    assert code == 130, err  # as an interactive Ctrl-C: the query stopped, the run cut short
    assert "interrupted: stopping the query" in err
    assert "Traceback" not in err and "Exception" not in err  # Python's or the JVM's
