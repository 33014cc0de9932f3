-- severity: error
-- description: songplays.songplay_id is a primary key: never NULL, never repeated (rows: offending key, count).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the ids it merged (sparkify_merge_plays, the MERGE's source: the only songplays it
-- can insert or change): each such key is counted over the whole table, so a new row that
-- repeats the key of an old one is found.
SELECT songplay_id, COUNT(*) AS row_count
FROM songplays
WHERE CAST('{{whole_tables}}' AS BOOLEAN)
   OR songplay_id IS NULL
   OR songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
GROUP BY songplay_id
HAVING COUNT(*) > 1 OR songplay_id IS NULL
ORDER BY row_count DESC, songplay_id ASC;
