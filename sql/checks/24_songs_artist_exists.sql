-- severity: error
-- description: Every non-NULL songs.artist_id exists in artists.artist_id (rows: missing value, rows using it).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the songs it merged (sparkify_merge_songs, the MERGE's source), joined to the whole
-- of artists: an incremental publish never deletes a artists row nor changes its key, so no
-- other songs row can lose its parent.
SELECT c.artist_id, COUNT(*) AS row_count
FROM songs AS c
LEFT JOIN artists AS p
  ON p.artist_id = c.artist_id
WHERE c.artist_id IS NOT NULL
  AND p.artist_id IS NULL
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR c.song_id IN (SELECT m.song_id FROM sparkify_merge_songs AS m)
  )
GROUP BY c.artist_id
ORDER BY row_count DESC, c.artist_id ASC;
