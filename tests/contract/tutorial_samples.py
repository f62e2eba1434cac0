"""Tutorial (schema version 0) messages, one per topic, as ../shared/tutorial-format.md
describes them, with the current-version record each must become."""

from __future__ import annotations

from typing import Any

ID = "3f1c6a0e-8a55-4c7e-9a51-2f0d5f7a9b10"
INCIDENT = "0b7c9f9e-1d2a-4f57-8b0a-6c1e2d3f4a5b"
COMMON_V0 = {"id": ID, "deviceId": "Vehicle-123", "timestamp": "2024-03-01T10:15:30.123456"}
COMMON_V1 = {"event_id": ID, "ts": "2024-03-01T10:15:30.123456+00:00", "schema_version": 0}

SAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "vehicle_data": (
        {
            **COMMON_V0,
            "location": [51.5174, -0.1408],
            "speed": 27.4,
            "direction": "North-East",
            "make": "BMW",
            "model": "C500",
            "year": 2024,
            "fuelType": "Hybrid",
        },
        {
            **COMMON_V1,
            "vehicle_id": "Vehicle-123",
            "latitude": 51.5174,
            "longitude": -0.1408,
            "speed_kmh": 27.4,
            "heading_deg": 45.0,
            "make": "BMW",
            "model": "C500",
            "year": 2024,
            "fuel_type": "Hybrid",
        },
    ),
    "gps_data": (
        {**COMMON_V0, "speed": 31.0, "direction": "South-West", "vehicleType": "private"},
        {
            **COMMON_V1,
            "vehicle_id": "Vehicle-123",
            "speed_kmh": 31.0,
            "heading_deg": 225.0,
            "vehicle_type": "private",
        },
    ),
    "traffic_data": (
        {
            **COMMON_V0,
            "cameraId": "Nikon-Cam123",
            "location": "(51.5, -0.12)",
            "snapshot": "Base64EncodedString",
        },
        {
            **COMMON_V1,
            "camera_id": "Nikon-Cam123",
            "latitude": 51.5,
            "longitude": -0.12,
            "vehicle_id": "Vehicle-123",
            "snapshot_ref": "Base64EncodedString",
        },
    ),
    "weather_data": (
        {
            **COMMON_V0,
            "location": [51.5, -0.12],
            "temperature": 12.5,
            "weatherCondition": "Rain",
            "precipitation": 3.2,
            "windSpeed": 20.0,
            "humidity": 80,
            "airQualityIndex": 42.0,
        },
        {
            **COMMON_V1,
            "station_id": "Vehicle-123",
            "latitude": 51.5,
            "longitude": -0.12,
            "temperature_c": 12.5,
            "condition": "Rain",
            "precipitation_mm": 3.2,
            "wind_speed_kmh": 20.0,
            "humidity_pct": 80,
            "aqi": 42.0,
        },
    ),
    "emergency_data": (
        {
            **COMMON_V0,
            "incidentId": INCIDENT,
            "type": "None",
            "location": [51.5, -0.12],
            "status": "Active",
            "description": "Description of the incident",
        },
        {
            **COMMON_V1,
            "incident_id": INCIDENT,
            "incident_type": "None",
            "status": "Active",
            "latitude": 51.5,
            "longitude": -0.12,
            "description": "Description of the incident",
            "vehicle_id": "Vehicle-123",
        },
    ),
}
