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

    # the fleet reports were built: one summary row per vehicle, and the fleet moved (the
    # demo simulates busy hours whatever the time: at night it used to show 0.000 km)
    reports = summary["reports"]
    assert reports["report_daily_summary"]["rows"] >= 30
    assert reports["report_fix_filter"]["rows"] >= 30
    daily = ds.dataset(str(home / "lake" / "report_daily_summary"), partitioning="hive")
    km: dict[str, float] = {}
    for row in daily.to_table(columns=["vehicle_id", "distance_km"]).to_pylist():
        km[row["vehicle_id"]] = km.get(row["vehicle_id"], 0.0) + row["distance_km"]
    drove = sum(d > 0 for d in km.values())
    assert summary["driving"] == {"vehicles": 30, "driving": drove} and drove >= 27
    trips = ds.dataset(str(home / "lake" / "report_trips"), partitioning="hive").to_table()
    assert trips.num_rows >= 27 and min(trips.column("distance_km").to_pylist()) > 0
    assert proc.stderr.count(summary["span"]) == 1  # the span it simulated is said

    # each step is said once: no library log line repeats the demo's own
    lines = proc.stderr.splitlines()
    for step in ("==> kafka up", "==> simulate", "==> glue job (available-now)", "==> reports"):
        assert lines.count(step) == 1, step
    assert sum(" batch 0: " in line for line in lines) == 1

    # the broker was stopped at the end
    assert not LocalKafka(home).status().running
