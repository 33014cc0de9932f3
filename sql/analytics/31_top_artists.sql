-- title: Top 10 artists
-- description: The ten most played artists among plays matched to the catalogue.
--
-- all_plays and matched_plays: see 30_top_songs.sql.
WITH matching AS (
    SELECT
        COUNT(*) AS all_plays,
        COUNT(song_id) AS matched_plays
    FROM songplays
)

SELECT
    a.name AS artist,
    COUNT(*) AS plays,
    COUNT(DISTINCT sp.user_id) AS listeners,
    MIN(m.all_plays) AS all_plays,
    MIN(m.matched_plays) AS matched_plays
FROM songplays AS sp
INNER JOIN artists AS a
  ON a.artist_id = sp.artist_id
CROSS JOIN matching AS m
GROUP BY a.artist_id, a.name
ORDER BY plays DESC, a.name ASC, a.artist_id ASC
LIMIT 10;
