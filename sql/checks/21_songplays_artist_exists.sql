-- severity: error
-- description: Every non-NULL songplays.artist_id exists in artists.artist_id (rows: missing value, rows using it).
SELECT c.artist_id, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN artists AS p
  ON p.artist_id = c.artist_id
WHERE c.artist_id IS NOT NULL
  AND p.artist_id IS NULL
GROUP BY c.artist_id
ORDER BY row_count DESC, c.artist_id ASC;
