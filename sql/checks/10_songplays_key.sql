-- severity: error
-- description: songplays.songplay_id is a primary key: never NULL, never repeated (rows: offending key, count).
SELECT songplay_id, COUNT(*) AS row_count
FROM songplays
GROUP BY songplay_id
HAVING COUNT(*) > 1 OR songplay_id IS NULL
ORDER BY row_count DESC, songplay_id ASC;
