-- title: Top 10 songs
-- description: The ten most played songs among plays matched to the catalogue.
SELECT s.title, a.name AS artist, COUNT(*) AS plays
FROM songplays AS sp
INNER JOIN songs AS s
  ON s.song_id = sp.song_id
LEFT JOIN artists AS a
  ON a.artist_id = sp.artist_id
GROUP BY s.song_id, s.title, a.name
ORDER BY plays DESC, s.title ASC, s.song_id ASC
LIMIT 10;
