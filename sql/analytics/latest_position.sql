-- Latest known position of every vehicle: its most recent vehicle_data fix.
SELECT vehicle_id, ts, latitude, longitude, speed_kmh, heading_deg
FROM (
    SELECT vehicle_id, ts, latitude, longitude, speed_kmh, heading_deg,
           ROW_NUMBER() OVER (PARTITION BY vehicle_id ORDER BY ts DESC, event_id DESC) AS rn
    FROM ${schema}.vehicle_data
) latest
WHERE rn = 1
ORDER BY vehicle_id
