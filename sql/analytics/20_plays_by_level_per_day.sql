-- title: Free vs paid plays per day
-- description: Plays per calendar day (UTC) and subscription level, one row per day and level.
--
-- first_play and last_play (the data's first and last timestamps) let the chart and the
-- sentence leave out a partial first or last day (charts/frames.py complete_days).
WITH data_span AS (
    SELECT
        MIN(start_time) AS first_play,
        MAX(start_time) AS last_play
    FROM songplays
)

SELECT
    CAST(sp.start_time AS DATE) AS play_date,
    sp.level,
    COUNT(*) AS plays,
    MIN(ds.first_play) AS first_play,
    MIN(ds.last_play) AS last_play
FROM songplays AS sp
CROSS JOIN data_span AS ds
GROUP BY CAST(sp.start_time AS DATE), sp.level
ORDER BY play_date, sp.level;
