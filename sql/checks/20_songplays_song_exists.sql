-- severity: error
-- description: Every non-NULL songplays.song_id exists in songs.song_id (rows: missing value, rows using it).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the songplays it merged (sparkify_merge_plays, the MERGE's source), joined to the
-- whole of songs: an incremental publish never deletes a songs row nor changes its key, so no
-- other songplays row can lose its parent.
SELECT c.song_id, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN songs AS p
  ON p.song_id = c.song_id
WHERE c.song_id IS NOT NULL
  AND p.song_id IS NULL
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR c.songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
  )
GROUP BY c.song_id
ORDER BY row_count DESC, c.song_id ASC;
