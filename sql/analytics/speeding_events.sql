-- Speeding: vehicle_data fixes faster than the speed limit of the road segment they are
-- on, by more than tolerance_kmh. A fix is on the nearest segment of the roads reference
-- table within max_distance_m (point-to-segment distance on a local flat projection);
-- at a junction, where several segments are equally near, on the one most aligned with
-- its heading. Fixes farther than max_distance_m from every road are not judged.
-- Candidate segments are found with an equi-join on grid cells larger than any segment
-- (so no fix is compared with every road), then a bounding-box test, then the distance.
-- @param tolerance_kmh=0  km/h over the limit that still counts as keeping to it
-- @param max_distance_m=30  how far (m) a fix may be from a segment to be on it
WITH margin AS (
    -- max_distance_m in degrees, on the safe side for longitude at the roads' latitudes
    SELECT 1.01e0 * ${max_distance_m}
           / (111195.08e0 * COS(RADIANS(MAX(GREATEST(ABS(min_lat), ABS(max_lat)))))) AS deg
    FROM ${schema}.roads
),
grid AS (
    -- a cell wider than every segment's box plus the margin on both sides
    SELECT m.deg,
           MAX(GREATEST(r.max_lat - r.min_lat, r.max_lon - r.min_lon)) + 2 * m.deg + 1e-6 AS cell
    FROM ${schema}.roads r
    CROSS JOIN margin m
    GROUP BY m.deg
),
road_cells AS (
    -- each segment anchored at the cell of its box's south-west corner
    SELECT r.road_id, r.road_name, r.speed_limit_kmh,
           r.start_lat, r.start_lon, r.end_lat, r.end_lon,
           r.min_lat - g.deg AS lat_lo, r.max_lat + g.deg AS lat_hi,
           r.min_lon - g.deg AS lon_lo, r.max_lon + g.deg AS lon_hi,
           FLOOR((r.min_lat - g.deg) / g.cell) AS cell_lat,
           FLOOR((r.min_lon - g.deg) / g.cell) AS cell_lon
    FROM ${schema}.roads r
    CROSS JOIN grid g
),
offsets AS (
    -- a fix's own cell and the three to its south-west
    SELECT 0 AS di, 0 AS dj
    UNION ALL SELECT 0, 1
    UNION ALL SELECT 1, 0
    UNION ALL SELECT 1, 1
),
fixes AS (
    SELECT v.event_id, v.vehicle_id, v.ts, v.speed_kmh, v.heading_deg,
           v.latitude, v.longitude,
           FLOOR(v.latitude / g.cell) AS cell_lat,
           FLOOR(v.longitude / g.cell) AS cell_lon
    FROM ${schema}.vehicle_data v
    CROSS JOIN grid g
    WHERE v.speed_kmh > (SELECT MIN(speed_limit_kmh) FROM ${schema}.roads) + ${tolerance_kmh}
),
probes AS (
    SELECT f.*, f.cell_lat - o.di AS probe_lat, f.cell_lon - o.dj AS probe_lon
    FROM fixes f
    CROSS JOIN offsets o
),
candidates AS (
    SELECT p.event_id, p.vehicle_id, p.ts, p.speed_kmh, p.heading_deg,
           r.road_id, r.road_name, r.speed_limit_kmh,
           (p.longitude - r.start_lon) * COS(RADIANS(r.start_lat)) * 111195.08e0 AS px,
           (p.latitude - r.start_lat) * 111195.08e0 AS py,
           (r.end_lon - r.start_lon) * COS(RADIANS(r.start_lat)) * 111195.08e0 AS dx,
           (r.end_lat - r.start_lat) * 111195.08e0 AS dy
    FROM probes p
    JOIN road_cells r
      ON r.cell_lat = p.probe_lat
     AND r.cell_lon = p.probe_lon
    WHERE p.latitude BETWEEN r.lat_lo AND r.lat_hi
      AND p.longitude BETWEEN r.lon_lo AND r.lon_hi
),
projected AS (
    SELECT c.*,
           GREATEST(0e0, LEAST(1e0, COALESCE(
               (px * dx + py * dy) / NULLIF(dx * dx + dy * dy, 0), 0e0
           ))) AS t
    FROM candidates c
),
distances AS (
    SELECT event_id, vehicle_id, ts, speed_kmh, road_id, road_name, speed_limit_kmh,
           SQRT(POWER(px - t * dx, 2) + POWER(py - t * dy, 2)) AS distance_m,
           COALESCE(ABS(SIN(RADIANS(heading_deg) - ATAN2(dx, dy))), 0e0) AS misalignment
    FROM projected
),
nearest AS (
    SELECT d.*,
           ROW_NUMBER() OVER (
               PARTITION BY event_id ORDER BY distance_m, misalignment, road_id
           ) AS rn
    FROM distances d
    WHERE distance_m <= ${max_distance_m}
)
SELECT vehicle_id, ts, road_id, road_name, speed_limit_kmh, speed_kmh,
       speed_kmh - speed_limit_kmh AS excess_kmh,
       distance_m
FROM nearest
WHERE rn = 1
  AND speed_kmh > speed_limit_kmh + ${tolerance_kmh}
ORDER BY vehicle_id, ts
