-- severity: error
-- description: time.start_time is a primary key: never NULL, never repeated (rows: offending key, count).
SELECT start_time, COUNT(*) AS row_count
FROM time
GROUP BY start_time
HAVING COUNT(*) > 1 OR start_time IS NULL
ORDER BY row_count DESC, start_time ASC;
