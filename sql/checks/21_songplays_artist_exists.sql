-- severity: error
-- description: Every non-NULL songplays.artist_id exists in artists.artist_id (rows: missing value, rows using it).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the songplays it merged (sparkify_merge_plays, the MERGE's source), joined to the
-- whole of artists: an incremental publish never deletes a artists row nor changes its key, so
-- no other songplays row can lose its parent.
SELECT c.artist_id, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN artists AS p
  ON p.artist_id = c.artist_id
WHERE c.artist_id IS NOT NULL
  AND p.artist_id IS NULL
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR c.songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
  )
GROUP BY c.artist_id
ORDER BY row_count DESC, c.artist_id ASC;
