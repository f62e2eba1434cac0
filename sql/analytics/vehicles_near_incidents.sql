-- Vehicles whose latest position is within radius_km of an active incident. An incident
-- is active when its latest emergency_data event is not 'Resolved'; the tutorial's
-- no-incident reports (incident_type 'None') are not incidents.
-- @param radius_km=1.0  search radius around each incident (km, great-circle)
WITH incidents AS (
    SELECT incident_id, incident_type, severity, status, latitude, longitude, ts,
           ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY ts DESC, event_id DESC) AS rn
    FROM ${schema}.emergency_data
),
active AS (
    SELECT incident_id, incident_type, severity, status, latitude, longitude, ts
    FROM incidents
    WHERE rn = 1 AND status <> 'Resolved' AND incident_type <> 'None'
),
positions AS (
    SELECT vehicle_id, ts, latitude, longitude
    FROM (
        SELECT vehicle_id, ts, latitude, longitude,
               ROW_NUMBER() OVER (PARTITION BY vehicle_id ORDER BY ts DESC, event_id DESC) AS rn
        FROM ${schema}.vehicle_data
    ) latest
    WHERE rn = 1
),
pairs AS (
    SELECT a.incident_id, a.incident_type, a.severity, a.status,
           a.ts AS incident_ts,
           p.vehicle_id,
           p.ts AS position_ts,
           2 * 6371.0088e0 * ASIN(SQRT(
               POWER(SIN(RADIANS(p.latitude - a.latitude) / 2), 2)
               + COS(RADIANS(a.latitude)) * COS(RADIANS(p.latitude))
                 * POWER(SIN(RADIANS(p.longitude - a.longitude) / 2), 2)
           )) AS distance_km
    FROM active a
    CROSS JOIN positions p
)
SELECT incident_id, incident_type, severity, status, incident_ts,
       vehicle_id, position_ts, distance_km
FROM pairs
WHERE distance_km <= ${radius_km}
ORDER BY incident_id, distance_km, vehicle_id
