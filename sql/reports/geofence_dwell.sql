-- Time inside each geofence on a day (visits that began after a dwell), by kind.
-- @param day=2024-03-05  the report day (UTC)
SELECT g.geofence_kind,
       g.geofence_name,
       COUNT(*) AS visits,
       COUNT(DISTINCT g.vehicle_id) AS vehicles,
       SUM(g.duration_s) / 3600e0 AS hours_inside
FROM ${schema}.report_geofence_events g
WHERE g.dt = '${day}'
GROUP BY g.geofence_kind, g.geofence_name
ORDER BY hours_inside DESC, g.geofence_name
