-- severity: error
-- description: artists.artist_id is a primary key: never NULL, never repeated (rows: offending key, count).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the artists it merged (sparkify_merge_artists, the MERGE's source: the only artists
-- it can insert or change): each such key is counted over the whole table, so a new row that
-- repeats the key of an old one is found.
SELECT artist_id, COUNT(*) AS row_count
FROM artists
WHERE CAST('{{whole_tables}}' AS BOOLEAN)
   OR artist_id IS NULL
   OR artist_id IN (SELECT m.artist_id FROM sparkify_merge_artists AS m)
GROUP BY artist_id
HAVING COUNT(*) > 1 OR artist_id IS NULL
ORDER BY row_count DESC, artist_id ASC;
