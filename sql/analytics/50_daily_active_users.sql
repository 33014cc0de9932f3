-- title: Daily active users
-- description: Distinct listeners per day (UTC), split into free and paid by the play's level.
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
    COUNT(DISTINCT sp.user_id) AS active_users,
    COUNT(DISTINCT CASE WHEN sp.level = 'free' THEN sp.user_id END) AS free_users,
    COUNT(DISTINCT CASE WHEN sp.level = 'paid' THEN sp.user_id END) AS paid_users,
    MIN(ds.first_play) AS first_play,
    MIN(ds.last_play) AS last_play
FROM songplays AS sp
CROSS JOIN data_span AS ds
WHERE sp.user_id IS NOT NULL
GROUP BY CAST(sp.start_time AS DATE)
ORDER BY play_date;
