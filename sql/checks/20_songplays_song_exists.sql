-- severity: error
-- description: Every non-NULL songplays.song_id exists in songs.song_id (rows: missing value, rows using it).
SELECT c.song_id, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN songs AS p
  ON p.song_id = c.song_id
WHERE c.song_id IS NOT NULL
  AND p.song_id IS NULL
GROUP BY c.song_id
ORDER BY row_count DESC, c.song_id ASC;
