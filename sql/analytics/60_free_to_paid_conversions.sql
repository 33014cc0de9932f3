-- title: Free-to-paid conversions per day
-- description: Users whose play was paid right after a free play, counted on the day of the change.
--
-- Derived from songplays, ordered per user by time (then songplay_id): a conversion is a
-- paid play whose previous play by the same user was free.
WITH ordered AS (
    SELECT
        user_id,
        start_time,
        level,
        LAG(level) OVER (PARTITION BY user_id ORDER BY start_time, songplay_id) AS previous_level
    FROM songplays
    WHERE user_id IS NOT NULL
)

SELECT
    CAST(start_time AS DATE) AS conversion_date,
    COUNT(*) AS conversions,
    COUNT(DISTINCT user_id) AS users_converted
FROM ordered
WHERE previous_level = 'free'
  AND level = 'paid'
GROUP BY CAST(start_time AS DATE)
ORDER BY conversion_date;
