"""Windows generated once per session and shared by the simulator's tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator import EventBatch, generate

START = datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC)
SEED = 7


@pytest.fixture(scope="session")
def city_window() -> dict[str, EventBatch]:
    """60 vehicles for 5 minutes of the city scenario: 18,000 fixes per vehicle topic."""
    return generate("city", SEED, START, 300, vehicles=60)


@pytest.fixture(scope="session")
def long_window() -> dict[str, EventBatch]:
    """A day of 3 vehicles at one fix a minute: weather and incident lifecycles."""
    return generate("city", SEED, START, 86_400, vehicles=3, tick_seconds=60)
