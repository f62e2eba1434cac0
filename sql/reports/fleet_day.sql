-- A fleet's day from the precomputed report tables: per vehicle, distance (from fixes and
-- from the odometer), driving and stopped hours, trips, stops, top speed and alerts.
-- @param day=2024-03-05  the report day (UTC)
SELECT s.vehicle_id,
       s.distance_km,
       s.odometer_km,
       s.driving_s / 3600e0 AS driving_hours,
       s.stopped_s / 3600e0 AS stopped_hours,
       s.trips,
       s.stops,
       s.max_speed_kmh,
       s.overspeed_count,
       s.alerts
FROM ${schema}.report_daily_summary s
WHERE s.dt = '${day}'
ORDER BY s.distance_km DESC, s.vehicle_id
