"""Finding SQL: a file, an analytic by name, or SQL text."""

from __future__ import annotations

from pathlib import Path

import pytest

from vts.query.analytics import analytics_dir, list_analytics, resolve
from vts.query.exceptions import QueryNotFoundError

ANALYTICS = {
    "camera_sightings_per_hour",
    "distance_per_vehicle_day",
    "latest_position",
    "speed_by_weather",
    "speeding_events",
    "vehicles_near_incidents",
}


def test_the_analytics_are_listed_with_descriptions() -> None:
    found = {t.name: t for t in list_analytics()}
    assert set(found) == ANALYTICS
    assert all(t.description for t in found.values())
    assert [p.name for p in found["vehicles_near_incidents"].params] == ["radius_km"]


def test_resolve_by_name_path_or_sql(tmp_path: Path) -> None:
    assert resolve("latest_position").text == (analytics_dir() / "latest_position.sql").read_text()
    own = tmp_path / "mine.sql"
    own.write_text("-- mine\nSELECT 1")
    assert resolve(str(own)).name == "mine"
    sql = resolve("  select count(*) from vehicle_data")
    assert sql.name == "query" and "count(*)" in sql.text
    assert resolve("WITH a AS (SELECT 1) SELECT * FROM a").name == "query"


def test_unknown_names_list_what_exists() -> None:
    with pytest.raises(QueryNotFoundError) as caught:
        resolve("fastest_cars")
    assert caught.value.hint is not None and "latest_position" in caught.value.hint
    with pytest.raises(QueryNotFoundError):
        resolve("missing/file.sql")


def test_sql_dir_can_be_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "analytics").mkdir()
    (tmp_path / "analytics" / "only.sql").write_text("-- only one\nSELECT 1")
    monkeypatch.setenv("VTS_SQL_DIR", str(tmp_path))
    assert [t.name for t in list_analytics()] == ["only"]
