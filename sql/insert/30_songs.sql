-- description: Songs: MERGE one deterministic row per song id of this load's catalogue (upsert by id).
--
-- A song id listed twice keeps the row with a known year, then the lowest title, artist
-- id and duration. Year 0 means "unknown" in the catalogue and is stored as NULL. Every
-- distinct staged catalogue row also goes to sparkify_catalogue, which plays match on.
DELETE FROM sparkify_merge_songs;

INSERT INTO sparkify_merge_songs (song_id, title, artist_id, year, duration)
SELECT song_id, title, artist_id, year, duration
FROM (
    SELECT
        song_id,
        title,
        artist_id,
        NULLIF(year, 0) AS year,
        duration,
        ROW_NUMBER() OVER (
            PARTITION BY song_id
            ORDER BY CASE WHEN year > 0 THEN 0 ELSE 1 END, title, artist_id, duration
        ) AS preference
    FROM staging_songs
    WHERE song_id IS NOT NULL
) AS ranked
WHERE preference = 1;

MERGE INTO songs
USING sparkify_merge_songs AS n ON songs.song_id = n.song_id
WHEN MATCHED THEN UPDATE SET
    title = n.title, artist_id = n.artist_id, year = n.year, duration = n.duration
WHEN NOT MATCHED THEN INSERT (song_id, title, artist_id, year, duration)
VALUES (n.song_id, n.title, n.artist_id, n.year, n.duration);

INSERT INTO sparkify_catalogue (song_id, title, artist_name, duration)
SELECT DISTINCT s.song_id, s.title, s.artist_name, s.duration
FROM staging_songs AS s
WHERE s.song_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1
      FROM sparkify_catalogue AS c
      WHERE c.song_id = s.song_id
        AND COALESCE(c.title, '') = COALESCE(s.title, '')
        AND COALESCE(c.artist_name, '') = COALESCE(s.artist_name, '')
        AND COALESCE(c.duration, -1) = COALESCE(s.duration, -1)
  );
