-- severity: error
-- description: songs.song_id is a primary key: never NULL, never repeated (rows: offending key, count).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the songs it merged (sparkify_merge_songs, the MERGE's source: the only songs it
-- can insert or change): each such key is counted over the whole table, so a new row that
-- repeats the key of an old one is found.
SELECT song_id, COUNT(*) AS row_count
FROM songs
WHERE CAST('{{whole_tables}}' AS BOOLEAN)
   OR song_id IS NULL
   OR song_id IN (SELECT m.song_id FROM sparkify_merge_songs AS m)
GROUP BY song_id
HAVING COUNT(*) > 1 OR song_id IS NULL
ORDER BY row_count DESC, song_id ASC;
