-- One vehicle's trips of a day, from the report table (a small read, not a scan of fixes).
-- @param vehicle_id=VEH-000001  the vehicle
-- @param day=2024-03-05  the report day (UTC): trips are reported the day they end
SELECT t.trip_start, t.trip_end, t.start_place, t.end_place,
       t.distance_km, t.duration_s / 60e0 AS minutes, t.avg_speed_kmh, t.max_speed_kmh,
       t.fuel_used_pct, t.complete
FROM ${schema}.report_trips t
WHERE t.dt = '${day}'
  AND t.vehicle_id = '${vehicle_id}'
ORDER BY t.trip_start
