-- severity: error
-- description: Every staged song has a song_id (a song file without one would vanish from songs).
--
-- The songs transform keeps only rows with a song_id, so a catalogue file that lacks it
-- would be dropped without a rejected row or any other trace.
-- Rows: the offending staged songs.
SELECT artist_id, artist_name, title, duration, year
FROM staging_songs
WHERE song_id IS NULL
ORDER BY artist_id, title;
