-- severity: error
-- description: Every non-NULL songplays.user_id exists in users.user_id (rows: missing value, rows using it).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the songplays it merged (sparkify_merge_plays, the MERGE's source), joined to the
-- whole of users: an incremental publish never deletes a users row nor changes its key, so no
-- other songplays row can lose its parent.
SELECT c.user_id, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN users AS p
  ON p.user_id = c.user_id
WHERE c.user_id IS NOT NULL
  AND p.user_id IS NULL
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR c.songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
  )
GROUP BY c.user_id
ORDER BY row_count DESC, c.user_id ASC;
