-- severity: error
-- description: artists.artist_id is a primary key: never NULL, never repeated (rows: offending key, count).
SELECT artist_id, COUNT(*) AS row_count
FROM artists
GROUP BY artist_id
HAVING COUNT(*) > 1 OR artist_id IS NULL
ORDER BY row_count DESC, artist_id ASC;
