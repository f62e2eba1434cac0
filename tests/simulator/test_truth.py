"""The truth tables: every episode shows in the emitted events exactly as the table says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator.outputs.truth import TABLES, truth, write_truth
from simulator.outputs.truth_schema import COLUMNS, column_name
from tests.simulator.conftest import HOUR_SECONDS, HOUR_START, HOUR_VEHICLES, SEED, TruthSpan

TICK_S = 1.0
SPAN = (HOUR_START.timestamp(), HOUR_START.timestamp() + HOUR_SECONDS)


def _fixes(hour: TruthSpan, row: dict[str, Any], first: str, last: str) -> tuple[np.ndarray, ...]:
    track = hour.track(row["vehicle_id"])
    assert track is not None
    t, lat, lon, speed = track
    inside = (t >= row[first] / 1e6) & (t <= row[last] / 1e6)
    return t, lat, lon, speed, inside


def test_every_table_is_there_and_most_have_rows(hour: TruthSpan) -> None:
    assert list(hour.truth) == list(TABLES)
    for name in ("dwells", "halts", "overspeed", "harsh", "incidents", "incident_effects"):
        assert hour.truth[name], name


@pytest.mark.parametrize("table", ["dwells", "halts"])
def test_a_stay_is_exactly_the_run_of_zero_speed_fixes(hour: TruthSpan, table: str) -> None:
    for row in hour.truth[table]:
        if row["first_fix_us"] is None:
            continue
        t, lat, lon, speed, inside = _fixes(hour, row, "first_fix_us", "last_fix_us")
        assert inside.sum() == round((row["last_fix_us"] - row["first_fix_us"]) / 1e6 / TICK_S) + 1
        assert np.all(speed[inside] == 0.0), row
        assert np.all(np.abs(lat[inside] - lat[inside][0]) < 3e-6)
        assert np.all(np.abs(lon[inside] - lon[inside][0]) < 5e-6)
        before = t == row["first_fix_us"] / 1e6 - TICK_S
        after = t == row["last_fix_us"] / 1e6 + TICK_S
        # the fixes either side move (unless the stay runs past the span's edge)
        if row["start_us"] / 1e6 > SPAN[0] + TICK_S:
            assert before.sum() == 1 and speed[before][0] > 0, row
        if row["end_us"] / 1e6 < SPAN[1] - TICK_S:
            assert after.sum() == 1 and speed[after][0] > 0, row
        if table == "dwells":
            assert abs(lat[inside][0] - row["latitude"]) < 2e-6, row


def test_a_light_halt_is_shorter_than_any_dwell(hour: TruthSpan) -> None:
    longest_halt = max(h["duration_s"] for h in hour.truth["halts"])
    shortest_dwell = min(d["duration_s"] for d in hour.truth["dwells"])
    assert longest_halt <= 45.0 < 60.0 <= shortest_dwell


def test_an_overspeed_episode_is_over_the_limit_for_its_duration(hour: TruthSpan) -> None:
    seen = 0
    for row in hour.truth["overspeed"]:
        assert row["peak_kmh"] > row["speed_limit_kmh"]
        assert row["start_us"] < row["end_us"]
        if row["first_fix_us"] is None:
            continue
        *_, speed, inside = _fixes(hour, row, "first_fix_us", "last_fix_us")
        assert inside.any()
        assert np.all(speed[inside] >= row["speed_limit_kmh"]), row
        assert np.all(speed[inside] <= row["peak_kmh"] + 0.01), row
        seen += int(np.all(speed[inside] > row["speed_limit_kmh"]))
    assert seen >= 0.95 * sum(r["first_fix_us"] is not None for r in hour.truth["overspeed"])


def test_no_fix_is_over_its_roads_limit_outside_an_overspeed_episode(hour: TruthSpan) -> None:
    """Normal drivers keep to the limit: every fix over it lies in a truth episode."""
    from simulator.model import days, fleet
    from tests.simulator.helpers import times_s

    f = fleet.build("city", SEED, HOUR_VEHICLES)
    c = hour.events["vehicle_data"].columns
    v = np.char.lstrip(c["vehicle_id"], b"VEH-").astype(np.int64)  # shard 0 of 1: the index
    t_us = np.rint((times_s(hour.events["vehicle_data"]) * 1000 - f.epoch_ms) * 1000).astype(
        np.int64
    )
    # the road at the fix and a tick before (the speed is the mean over that tick)
    now = days.state(f, v, t_us).edge
    before = days.state(f, v, t_us - int(TICK_S * 1e6)).edge
    limit = np.maximum(f.scenario.edge_limit_kmh[now], f.scenario.edge_limit_kmh[before])
    over = c["speed_kmh"] > limit + 0.01
    covered = np.zeros(over.size, dtype=bool)
    ids = c["vehicle_id"]
    t = t_us + f.epoch_ms * 1000
    for r in hour.truth["overspeed"]:
        mine = ids == r["vehicle_id"].encode()
        covered |= mine & (t > r["start_us"]) & (t <= r["end_us"] + TICK_S * 1e6)
    assert over.sum() > 100
    assert np.all(covered[over])


def test_refuels_fill_the_tank(hour: TruthSpan) -> None:
    assert hour.truth["refuels"], "no refuel in the two hours"
    for r in hour.truth["refuels"]:
        t, *_ = hour.track(r["vehicle_id"])  # type: ignore[misc]
        c = hour.events["vehicle_data"].columns
        rows = np.flatnonzero(c["vehicle_id"] == r["vehicle_id"].encode())
        fuel = c["fuel_level_pct"][rows[np.argsort(t)]]
        before = t < r["start_us"] / 1e6
        after = t > r["end_us"] / 1e6 + TICK_S
        if before.any():
            assert fuel[before][-1] == pytest.approx(r["fuel_before_pct"], abs=0.5)
        if after.any():
            assert fuel[after][0] > 99.0


def test_truth_tables_are_times_in_utc_and_stable(hour: TruthSpan) -> None:
    again = truth("city", SEED, HOUR_START, HOUR_SECONDS, vehicles=HOUR_VEHICLES)
    assert again == hour.truth
    dwell = hour.truth["dwells"][0]
    assert isinstance(dwell["start_us"], int) and dwell["start_us"] > 1.7e15  # µs since 1970


def test_shards_partition_the_truth(hour: TruthSpan) -> None:
    parts = [
        truth("city", SEED, HOUR_START, 1800, shard=i, shard_count=3, vehicles=HOUR_VEHICLES)
        for i in range(3)
    ]
    whole = truth("city", SEED, HOUR_START, 1800, vehicles=HOUR_VEHICLES)
    for name in ("dwells", "halts", "overspeed", "harsh", "refuels", "incident_effects"):
        joined = sorted((r for p in parts for r in p[name]), key=repr)
        assert joined == sorted(whole[name], key=repr), name
    incidents = sorted((r for p in parts for r in p["incidents"]), key=repr)
    assert incidents == sorted(whole["incidents"], key=repr)


def test_write_truth_gives_parquet_with_utc_timestamps(hour: TruthSpan, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    paths = write_truth(tmp_path, hour.truth)
    assert sorted(p.stem for p in paths) == sorted(TABLES)
    for name, columns in COLUMNS.items():
        table = pq.read_table(tmp_path / f"{name}.parquet")
        assert table.num_rows == len(hour.truth[name])
        assert table.column_names == [column_name(c) for c, _ in columns]
    dwells = pq.read_table(tmp_path / "dwells.parquet").to_pylist()
    first = hour.truth["dwells"][0]
    assert dwells[0]["start_ts"].timestamp() == pytest.approx(first["start_us"] / 1e6)
    assert dwells[0]["start_ts"].tzinfo is not None
