-- description: Songs: one deterministic row per song id from the song catalogue.
--
-- A song id listed twice keeps the row with a known year, then the lowest title, artist
-- id and duration. Year 0 means "unknown" in the catalogue and is stored as NULL.
DELETE FROM songs;

INSERT INTO songs (song_id, title, artist_id, year, duration)
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
