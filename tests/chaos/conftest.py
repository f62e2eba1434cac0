"""Set-up shared by the chaos runs (``test_chaos_run.py``, ``test_chaos_live.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vts.chaos.options import ChaosOptions

SEED = 11


@pytest.fixture
def short_run(tmp_path: Path) -> Callable[..., ChaosOptions]:
    """``ChaosOptions`` of a short seeded run in ``tmp_path``: 8,000 events at 1,000 a
    second, the job on a 2 s trigger with a 5 s dedup watermark, and the faults given."""

    def options(**faults: Any) -> ChaosOptions:
        return ChaosOptions(
            events=8_000,
            rate=1_000,
            seed=SEED,
            trigger_seconds=2,
            watermark="5 seconds",
            workdir=tmp_path,
            **faults,
        )

    return options
