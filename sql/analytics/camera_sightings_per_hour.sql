-- Traffic camera sightings per camera per UTC hour: sightings, distinct vehicles seen and
-- their mean measured speed.
SELECT camera_id,
       DATE_TRUNC('hour', ts) AS event_hour,
       COUNT(*) AS sightings,
       COUNT(DISTINCT vehicle_id) AS vehicles,
       AVG(measured_speed_kmh) AS avg_speed_kmh
FROM ${schema}.traffic_data
GROUP BY camera_id, DATE_TRUNC('hour', ts)
ORDER BY event_hour, camera_id
