-- title: Top 10 locations
-- description: The ten locations with the most plays, with their number of listeners.
SELECT location, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS listeners
FROM songplays
WHERE location IS NOT NULL
GROUP BY location
ORDER BY plays DESC, location ASC
LIMIT 10;
