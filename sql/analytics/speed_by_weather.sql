-- Vehicle speed by weather condition. Each vehicle_data fix takes the condition its
-- nearest weather station (great-circle) reported last within the same UTC hour;
-- fixes in an hour without a reading from that station count as 'Unknown'.
WITH stations AS (
    SELECT station_id, MAX(latitude) AS latitude, MAX(longitude) AS longitude
    FROM ${schema}.weather_data
    GROUP BY station_id
),
hourly AS (
    SELECT station_id, event_hour, condition
    FROM (
        SELECT station_id,
               DATE_TRUNC('hour', ts) AS event_hour,
               condition,
               ROW_NUMBER() OVER (
                   PARTITION BY station_id, DATE_TRUNC('hour', ts) ORDER BY ts DESC, event_id DESC
               ) AS rn
        FROM ${schema}.weather_data
    ) readings
    WHERE rn = 1
),
nearest AS (
    SELECT v.event_id, v.vehicle_id, v.speed_kmh,
           DATE_TRUNC('hour', v.ts) AS event_hour,
           s.station_id,
           ROW_NUMBER() OVER (
               PARTITION BY v.event_id
               ORDER BY POWER(SIN(RADIANS(s.latitude - v.latitude) / 2), 2)
                        + COS(RADIANS(v.latitude)) * COS(RADIANS(s.latitude))
                          * POWER(SIN(RADIANS(s.longitude - v.longitude) / 2), 2),
                        s.station_id
           ) AS rn
    FROM ${schema}.vehicle_data v
    CROSS JOIN stations s
)
SELECT COALESCE(h.condition, 'Unknown') AS condition,
       COUNT(*) AS fixes,
       COUNT(DISTINCT n.vehicle_id) AS vehicles,
       AVG(n.speed_kmh) AS avg_speed_kmh,
       MAX(n.speed_kmh) AS max_speed_kmh
FROM nearest n
LEFT JOIN hourly h
  ON h.station_id = n.station_id AND h.event_hour = n.event_hour
WHERE n.rn = 1
GROUP BY COALESCE(h.condition, 'Unknown')
ORDER BY condition
