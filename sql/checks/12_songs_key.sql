-- severity: error
-- description: songs.song_id is a primary key: never NULL, never repeated (rows: offending key, count).
SELECT song_id, COUNT(*) AS row_count
FROM songs
GROUP BY song_id
HAVING COUNT(*) > 1 OR song_id IS NULL
ORDER BY row_count DESC, song_id ASC;
