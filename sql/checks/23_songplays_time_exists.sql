-- severity: error
-- description: Every non-NULL songplays.start_time exists in time.start_time (rows: missing value, rows using it).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the songplays it merged (sparkify_merge_plays, the MERGE's source), joined to the
-- whole of time: an incremental publish never deletes a time row nor changes its key, so no
-- other songplays row can lose its parent.
SELECT c.start_time, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN time AS p
  ON p.start_time = c.start_time
WHERE c.start_time IS NOT NULL
  AND p.start_time IS NULL
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR c.songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
  )
GROUP BY c.start_time
ORDER BY row_count DESC, c.start_time ASC;
