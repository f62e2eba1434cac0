"""The whole local pipeline, as ``make demo`` runs it: a real broker, the simulator, the
Glue job on real PySpark, the crawler into the embedded Hive metastore, the SQL analytics,
the live consumer into a real redis-server and the live map in headless Chromium.

It runs in a subprocess (its own JVM and Derby metastore) on a small fleet, then checks
the summary against what was produced and against the files a plain reader sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.dataset as ds
import pytest

from vts.contract.topics import TOPIC_NAMES
from vts.local.kafka_broker import LocalKafka
from vts.local.redis_server import LocalRedis
from vts.reports.maps import SPEED_BANDS

pytestmark = pytest.mark.e2e


def test_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    env = dict(os.environ)  # the demo's state goes to --home; jars come from the usual cache
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vts.cli.main",
            "demo",
            "--vehicles",
            "30",
            "--minutes",
            "30",
            "--format",
            "json",
            "--home",
            str(home),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
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
    steps = (
        "==> kafka up",
        "==> live store up",
        "==> simulate",
        "==> glue job (available-now)",
        "==> reports",
        "==> live consumer (available-now)",
        "==> live map",
    )
    for step in steps:
        assert lines.count(step) == 1, step
    assert sum(" batch 0: " in line for line in lines) == 1

    # the live path: every vehicle in the live store, on the map, in its screenshot
    live = summary["live"]
    assert live["run"]["invalid"] == 0 and live["run"]["records"] > 0
    assert live["run"]["vehicles"] == live["served"] == live["on_map"] == 30
    assert [line for line in lines if "live map: http://" in line] == [
        f"    live map: {live['url']}"
    ]
    shot = home / "live-map.png"
    assert live["screenshot"] == str(shot) and shot.is_file()
    assert vehicle_pixels(shot) >= 30 * 10  # dots in the speed bands' colours
    # each sampled vehicle's live state is its newest fix in the lake
    newest = newest_fixes(home / "lake")
    assert len(live["sample"]) == 10
    for state in live["sample"]:
        fix = newest[state["vehicle_id"]]
        assert (state["event_id"], state["latitude"], state["longitude"]) == (
            fix["event_id"],
            fix["latitude"],
            fix["longitude"],
        ), state["vehicle_id"]
        assert datetime.fromisoformat(state["ts"].replace("Z", "+00:00")) == fix["ts"]

    # the broker and the live store were stopped at the end
    assert not LocalKafka(home).status().running
    assert not LocalRedis(home).status().running


def newest_fixes(lake: Path) -> dict[str, dict[str, Any]]:
    """Each vehicle's newest fix with a position in the lake, by the live store's order:
    event time, then vehicle_data over gps_data, then event_id."""
    best: dict[str, tuple[Any, ...]] = {}
    for rank, table in ((1, "vehicle_data"), (0, "gps_data")):
        rows = ds.dataset(str(lake / table), partitioning="hive").to_table(
            columns=["vehicle_id", "ts", "event_id", "latitude", "longitude"]
        )
        for row in rows.to_pylist():
            if row["latitude"] is None:
                continue
            ts = row["ts"] if row["ts"].tzinfo else row["ts"].replace(tzinfo=UTC)
            key = (ts, rank, row["event_id"])
            if row["vehicle_id"] not in best or key > best[row["vehicle_id"]][0]:
                best[row["vehicle_id"]] = (key, {**row, "ts": ts})
    return {vehicle: fix for vehicle, (_, fix) in best.items()}


def vehicle_pixels(png: Path) -> int:
    """Pixels of the screenshot in one of the speed bands' colours (the vehicles' dots)."""
    import matplotlib.image as mpimg

    image = mpimg.imread(str(png))[..., :3] * 255.0
    masks = []
    for _, colour in SPEED_BANDS:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
        masks.append(np.abs(image - rgb).max(axis=-1) <= 10)
    return int(np.logical_or.reduce(masks).sum())
