-- severity: warn
-- description: A star table holds fewer rows than the last published load by more than the allowed share.
--
-- The share is the setting load.max_row_drop_share (default 0.5), rendered as a string
-- literal and cast. The last published load is the latest row of sparkify_publishes; this
-- runs inside the publish transaction, before this load's own row is written.
-- Rows: each table whose count fell too far, with the previous and the current count.
WITH last_publish AS (
    SELECT
        songplays_rows,
        users_rows,
        songs_rows,
        artists_rows,
        time_rows
    FROM sparkify_publishes
    ORDER BY published_at DESC
    LIMIT 1
),

counts AS (
    SELECT
        'songplays' AS star_table,
        songplays_rows AS previous_rows,
        (SELECT COUNT(*) FROM songplays) AS current_rows
    FROM last_publish
    UNION ALL
    SELECT
        'users' AS star_table,
        users_rows AS previous_rows,
        (SELECT COUNT(*) FROM users) AS current_rows
    FROM last_publish
    UNION ALL
    SELECT
        'songs' AS star_table,
        songs_rows AS previous_rows,
        (SELECT COUNT(*) FROM songs) AS current_rows
    FROM last_publish
    UNION ALL
    SELECT
        'artists' AS star_table,
        artists_rows AS previous_rows,
        (SELECT COUNT(*) FROM artists) AS current_rows
    FROM last_publish
    UNION ALL
    SELECT
        'time' AS star_table,
        time_rows AS previous_rows,
        (SELECT COUNT(*) FROM time) AS current_rows
    FROM last_publish
)

SELECT star_table, previous_rows, current_rows
FROM counts
WHERE
    CAST(current_rows AS DOUBLE PRECISION)
    < CAST(previous_rows AS DOUBLE PRECISION)
    * (1 - CAST('{{max_row_drop_share}}' AS DOUBLE PRECISION))
ORDER BY star_table;
