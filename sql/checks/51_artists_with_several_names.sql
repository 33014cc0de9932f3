-- severity: warn
-- description: Artist ids the catalogue lists under several names (one was kept in artists).
SELECT artist_id, COUNT(DISTINCT artist_name) AS names, MIN(artist_name) AS lowest_name,
       MAX(artist_name) AS highest_name
FROM staging_songs
WHERE artist_id IS NOT NULL
GROUP BY artist_id
HAVING COUNT(DISTINCT artist_name) > 1
ORDER BY names DESC, artist_id ASC;
