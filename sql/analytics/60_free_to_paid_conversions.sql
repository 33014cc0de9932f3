-- title: Free-to-paid conversions per day
-- description: Users whose play was paid right after a free play, counted on the day of the change.
--
-- Derived from songplays, ordered per user by time (then songplay_id): a conversion is a
-- paid play whose previous play by the same user was free. The data's first and last day
-- come along, so the chart and the sentence cover the whole period, not only upgrade days; the
-- first and last play let them leave a partial first or last day out (charts/frames.py).
WITH data_span AS (
    SELECT
        CAST(MIN(start_time) AS DATE) AS first_day,
        CAST(MAX(start_time) AS DATE) AS last_day,
        MIN(start_time) AS first_play,
        MAX(start_time) AS last_play
    FROM songplays
),

ordered AS (
    SELECT
        user_id,
        start_time,
        level,
        LAG(level) OVER (PARTITION BY user_id ORDER BY start_time, songplay_id) AS previous_level
    FROM songplays
    WHERE user_id IS NOT NULL
)

SELECT
    CAST(o.start_time AS DATE) AS conversion_date,
    COUNT(*) AS conversions,
    COUNT(DISTINCT o.user_id) AS users_converted,
    MIN(ds.first_day) AS period_start,
    MIN(ds.last_day) AS period_end,
    MIN(ds.first_play) AS first_play,
    MIN(ds.last_play) AS last_play
FROM ordered AS o
CROSS JOIN data_span AS ds
WHERE o.previous_level = 'free'
  AND o.level = 'paid'
GROUP BY CAST(o.start_time AS DATE)
ORDER BY conversion_date;
