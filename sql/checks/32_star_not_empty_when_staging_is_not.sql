-- severity: error
-- description: No star table is empty while the staging rows it is built from are not.
--
-- users, time and songplays come from staging_events (users from events with a user id,
-- time and songplays from NextSong events); songs and artists from staging_songs.
-- Rows: each empty table with the number of staged rows it should have been built from.
WITH sources AS (
    SELECT
        'users' AS star_table,
        (
            SELECT COUNT(*) FROM staging_events
            WHERE user_id IS NOT NULL
        ) AS staged_rows,
        (SELECT COUNT(*) FROM users) AS table_rows
    UNION ALL
    SELECT
        'time' AS star_table,
        (
            SELECT COUNT(*) FROM staging_events
            WHERE page = 'NextSong'
        ) AS staged_rows,
        (SELECT COUNT(*) FROM time) AS table_rows
    UNION ALL
    SELECT
        'songplays' AS star_table,
        (
            SELECT COUNT(*) FROM staging_events
            WHERE page = 'NextSong'
        ) AS staged_rows,
        (SELECT COUNT(*) FROM songplays) AS table_rows
    UNION ALL
    SELECT
        'songs' AS star_table,
        (
            SELECT COUNT(*) FROM staging_songs
            WHERE song_id IS NOT NULL
        ) AS staged_rows,
        (SELECT COUNT(*) FROM songs) AS table_rows
    UNION ALL
    SELECT
        'artists' AS star_table,
        (
            SELECT COUNT(*) FROM staging_songs
            WHERE artist_id IS NOT NULL
        ) AS staged_rows,
        (SELECT COUNT(*) FROM artists) AS table_rows
)

SELECT star_table, staged_rows
FROM sources
WHERE staged_rows > 0 AND table_rows = 0
ORDER BY star_table;
