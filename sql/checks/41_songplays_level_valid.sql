-- severity: error
-- description: songplays.level is 'free' or 'paid' (rows: unexpected level, count).
SELECT level, COUNT(*) AS row_count
FROM songplays
WHERE level IS NULL OR level NOT IN ('free', 'paid')
GROUP BY level
ORDER BY row_count DESC, level ASC;
