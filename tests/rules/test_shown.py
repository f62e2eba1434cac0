"""How an alert's value reads for people: `vts live alerts` and the day map print it."""

from __future__ import annotations

import math

from vts.cli.live_alerts import _line
from vts.rules.episode import shown


def test_a_value_has_one_decimal_and_an_open_silences_gap_is_not_known_yet() -> None:
    assert shown(71.26) == "71.3"
    assert shown(math.nan) == "not known yet"  # the rules' open silence
    assert shown(None) == "not known yet"  # the same, stored


def test_an_open_silence_prints_as_a_line_of_vts_live_alerts() -> None:
    alert = {
        "alert": "silent",
        "vehicle_id": "VEH-000001",
        "start_ts": "2024-03-05T10:00:00Z",
        "end_ts": None,
        "status": "open",
        "value": None,
        "threshold": 300.0,
    }
    assert _line(alert).endswith("value not known yet (threshold 300.0)")
