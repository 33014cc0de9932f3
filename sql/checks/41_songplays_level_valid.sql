-- severity: error
-- description: songplays.level is 'free' or 'paid' (rows: unexpected level, count).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true); on an incremental
-- publish, the songplays it merged (sparkify_merge_plays, the MERGE's source).
SELECT level, COUNT(*) AS row_count
FROM songplays
WHERE (level IS NULL OR level NOT IN ('free', 'paid'))
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
  )
GROUP BY level
ORDER BY row_count DESC, level ASC;
