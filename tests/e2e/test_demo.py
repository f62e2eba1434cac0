"""The whole local pipeline, as ``make demo`` runs it: a real broker, the simulator, the
Glue job on real PySpark, the crawler into the embedded Hive metastore, the SQL analytics.

It runs in a subprocess (its own JVM and Derby metastore) on a small fleet, then checks
the summary against what was produced and against the files a plain reader sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from vts.contract.topics import TOPIC_NAMES
from vts.local.kafka_broker import LocalKafka

pytestmark = pytest.mark.e2e


def test_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    env = dict(os.environ)  # the demo's state goes to --home; jars come from the usual cache
    proc = subprocess.run(
        [sys.executable, "-m", "vts.cli.main", "demo", "--vehicles", "30", "--minutes", "30",
         "--format", "json", "--home", str(home)],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    summary = json.loads(proc.stdout)

    # every produced event is in the lake exactly once; nothing valid was quarantined
    for topic in TOPIC_NAMES:
        files = list((home / "lake" / topic).rglob("*.parquet"))
        ids = ds.dataset([str(f) for f in files]).to_table(columns=["event_id"]).column(0)
        assert len(ids) == summary["produced"][topic] == summary["lake"][topic]["rows"], topic
        assert len(set(ids.to_pylist())) == len(ids), f"duplicates in {topic}"
    assert summary["lake"]["quarantine"]["rows"] == 0

    # the crawler registered the five tables and the roads reference table
    assert summary["crawl"]["tables_created"] >= 6

    # every analytic ran and returned rows; one of them is checked exactly here
    assert set(summary["queries"]) >= {"latest_position", "camera_sightings_per_hour"}
    vehicles = ds.dataset(str(home / "lake" / "vehicle_data"), partitioning="hive")
    distinct = len(set(vehicles.to_table(columns=["vehicle_id"]).column(0).to_pylist()))
    assert summary["queries"]["latest_position"]["rows"] == distinct == 30
    for name in ("distance_per_vehicle_day", "speed_by_weather", "camera_sightings_per_hour"):
        assert summary["queries"][name]["rows"] > 0, name

    # the fleet reports were built: one summary row per vehicle, trips with distance
    reports = summary["reports"]
    assert reports["report_daily_summary"]["rows"] >= 30
    assert reports["report_fix_filter"]["rows"] >= 30
    assert all(t["distance_km"] >= 0 for t in reports["report_trips"]["first"])

    # the broker was stopped at the end
    assert not LocalKafka(home).status().running
