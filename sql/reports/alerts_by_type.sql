-- Alerts of a day by type and road: how many, how many vehicles, the worst value.
-- @param day=2024-03-05  the report day (UTC)
SELECT a.alert,
       a.road_id,
       COUNT(*) AS alerts,
       COUNT(DISTINCT a.vehicle_id) AS vehicles,
       MAX(a.value) AS worst
FROM ${schema}.report_alerts a
WHERE a.dt = '${day}'
GROUP BY a.alert, a.road_id
ORDER BY alerts DESC, a.alert, a.road_id
