-- title: Top 10 songs
-- description: The ten most played songs among plays matched to the catalogue.
--
-- all_plays and matched_plays come along so the chart and the sentence can say when too few
-- plays matched the catalogue for a ranking to mean anything (charts/frames.py).
WITH matching AS (
    SELECT
        COUNT(*) AS all_plays,
        COUNT(song_id) AS matched_plays
    FROM songplays
)

SELECT
    s.title,
    a.name AS artist,
    COUNT(*) AS plays,
    MIN(m.all_plays) AS all_plays,
    MIN(m.matched_plays) AS matched_plays
FROM songplays AS sp
INNER JOIN songs AS s
  ON s.song_id = sp.song_id
LEFT JOIN artists AS a
  ON a.artist_id = sp.artist_id
CROSS JOIN matching AS m
GROUP BY s.song_id, s.title, a.name
ORDER BY plays DESC, s.title ASC, s.song_id ASC
LIMIT 10;
