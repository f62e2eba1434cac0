-- Distance driven and speed per vehicle per UTC day. Distance is the sum of great-circle
-- hops (haversine, km) between a vehicle's consecutive fixes within the day;
-- avg_speed_kmh is the mean reported speed; active_hours spans first to last fix.
WITH hops AS (
    SELECT vehicle_id,
           CAST(ts AS DATE) AS event_date,
           ts,
           speed_kmh,
           latitude,
           longitude,
           LAG(latitude) OVER (
               PARTITION BY vehicle_id, CAST(ts AS DATE) ORDER BY ts, event_id
           ) AS prev_lat,
           LAG(longitude) OVER (
               PARTITION BY vehicle_id, CAST(ts AS DATE) ORDER BY ts, event_id
           ) AS prev_lon
    FROM ${schema}.vehicle_data
)
SELECT vehicle_id,
       event_date,
       COUNT(*) AS fixes,
       SUM(
           CASE WHEN prev_lat IS NULL THEN 0e0
           ELSE 2 * 6371.0088e0 * ASIN(SQRT(
               POWER(SIN(RADIANS(latitude - prev_lat) / 2), 2)
               + COS(RADIANS(prev_lat)) * COS(RADIANS(latitude))
                 * POWER(SIN(RADIANS(longitude - prev_lon) / 2), 2)
           ))
           END
       ) AS distance_km,
       AVG(speed_kmh) AS avg_speed_kmh,
       MAX(speed_kmh) AS max_speed_kmh,
       DATEDIFF(second, MIN(ts), MAX(ts)) / 3600e0 AS active_hours
FROM hops
GROUP BY vehicle_id, event_date
ORDER BY vehicle_id, event_date
