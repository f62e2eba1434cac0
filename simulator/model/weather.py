"""The city's weather: smooth readings per station, and what they do to driving speeds.

Readings (``readings``) are sums of slow sinusoids in time (seasonal, diurnal, synoptic)
plus a small per-station term, so they are smooth and neighbouring stations agree; the
``weather_data`` events carry them. Drivers slow down in precipitation (``speed_factor``):
by ``RAIN_SLOWDOWN`` in rain and ``SNOW_SLOWDOWN`` in snow at ``HEAVY_MM`` or more,
proportionally below that. Snow is precipitation below 0.5 °C, as the reported condition.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.model.hashing import salt, uniform
from simulator.model.scenario import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

DAY_S = 86_400.0
RAIN_SLOWDOWN = 0.10
SNOW_SLOWDOWN = 0.25
HEAVY_MM = 4.0
SNOW_BELOW_C = 0.5


def readings(
    sc: Scenario, seed: int, station: I64, t_ms: I64, epoch_unix_ms: int
) -> dict[str, np.ndarray]:
    """Each station's reading at ``t_ms`` (ms since the scenario epoch): the weather_data values."""
    ph = 2 * np.pi * uniform(salt(sc.name, seed, "weather-phase"), np.arange(8))
    local = (
        2 * np.pi * uniform(salt(sc.name, seed, "station-phase"), station, np.arange(3)[:, None])
    )
    bias = uniform(salt(sc.name, "station-bias"), station) - 0.5
    days = (t_ms + epoch_unix_ms) / 1000.0 / DAY_S  # days since 1970 (UTC)
    day_of_year = np.mod(days, 365.2425)  # close enough to the calendar for weather
    hour_angle = 2 * np.pi * np.mod(days, 1.0)
    two_pi = 2 * np.pi
    mean = sc.spec.mean_temp_c
    temp = (
        mean
        + 6.5 * np.sin(two_pi * (day_of_year - 116.0) / 365.2425)
        + 4.0 * np.sin(hour_angle - 0.75 * np.pi)
        + 2.5 * np.sin(two_pi * days / 5.3 + ph[0])
        + 1.2 * np.sin(two_pi * days / 2.1 + ph[1])
        + 1.2 * bias
        + 0.25 * np.sin(two_pi * days * 8.0 + local[0])
    )
    cloud = (
        0.55 * np.sin(two_pi * days / 2.7 + ph[2])
        + 0.35 * np.sin(two_pi * days / 0.8 + ph[3])
        + 0.15 * np.sin(two_pi * days * 4.8 + local[1])
    )
    precip = np.maximum(cloud - 0.45, 0.0) * 8.0
    humidity = np.clip(np.rint(70.0 + 20.0 * cloud - 1.2 * (temp - mean)), 25, 100)
    wind = np.maximum(
        14.0
        + 7.0 * np.sin(two_pi * days / 3.4 + ph[4])
        + 3.0 * np.sin(two_pi * days / 0.9 + ph[5])
        + 1.5 * np.sin(two_pi * days * 6.0 + local[2]),
        0.0,
    )
    rush = np.sin(2 * hour_angle - 0.6 * np.pi)  # twice-daily traffic peaks
    aqi = np.clip(
        45.0
        + 15.0 * rush
        + 10.0 * np.sin(two_pi * days / 4.1 + ph[6])
        - 0.8 * (wind - 14.0)
        - 5.0 * precip,
        5.0,
        500.0,
    )
    condition = np.select(
        [
            (precip > 0) & (temp < 0.5),
            precip > 0,
            (humidity >= 95) & (wind < 9.0),
            cloud > 0.05,
        ],
        [b"Snow", b"Rain", b"Fog", b"Cloudy"],
        default=b"Sunny",
    ).astype("S6")
    return {
        "temperature_c": temp,
        "condition": condition,
        "precipitation_mm": precip,
        "wind_speed_kmh": wind,
        "humidity_pct": humidity,
        "aqi": aqi,
    }


def speed_factor(
    sc: Scenario, seed: int, station: I64, t_ms: I64, epoch_unix_ms: int
) -> tuple[F64, F64, npt.NDArray[np.bytes_]]:
    """(factor on cruise speeds, precipitation, condition) at stations ``station`` and ``t_ms``."""
    w = readings(sc, seed, station, t_ms, epoch_unix_ms)
    precip = np.asarray(w["precipitation_mm"])
    snow = (precip > 0) & (np.asarray(w["temperature_c"]) < SNOW_BELOW_C)
    slowdown = np.where(snow, SNOW_SLOWDOWN, RAIN_SLOWDOWN) * np.minimum(precip / HEAVY_MM, 1.0)
    return 1.0 - slowdown, precip, np.asarray(w["condition"])
