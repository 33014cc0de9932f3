-- severity: error
-- description: Every non-NULL songplays.start_time exists in time.start_time (rows: missing value, rows using it).
SELECT c.start_time, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN time AS p
  ON p.start_time = c.start_time
WHERE c.start_time IS NOT NULL
  AND p.start_time IS NULL
GROUP BY c.start_time
ORDER BY row_count DESC, c.start_time ASC;
