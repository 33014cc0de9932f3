-- severity: error
-- description: songplays holds as many rows as staging_events holds NextSong events.
--
-- Rows: one, with both counts, when they differ.
WITH staged AS (
    SELECT COUNT(*) AS nextsong_events
    FROM staging_events
    WHERE page = 'NextSong'
),

published AS (
    SELECT COUNT(*) AS songplays
    FROM songplays
)

SELECT staged.nextsong_events, published.songplays
FROM staged
CROSS JOIN published
WHERE staged.nextsong_events <> published.songplays;
