-- title: Top 10 artists
-- description: The ten most played artists among plays matched to the catalogue.
SELECT a.name AS artist, COUNT(*) AS plays, COUNT(DISTINCT sp.user_id) AS listeners
FROM songplays AS sp
INNER JOIN artists AS a
  ON a.artist_id = sp.artist_id
GROUP BY a.artist_id, a.name
ORDER BY plays DESC, a.name ASC, a.artist_id ASC
LIMIT 10;
