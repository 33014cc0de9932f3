-- title: Daily active users
-- description: Distinct listeners per day (UTC), split into free and paid by the play's level.
SELECT
    CAST(start_time AS DATE) AS play_date,
    COUNT(DISTINCT user_id) AS active_users,
    COUNT(DISTINCT CASE WHEN level = 'free' THEN user_id END) AS free_users,
    COUNT(DISTINCT CASE WHEN level = 'paid' THEN user_id END) AS paid_users
FROM songplays
WHERE user_id IS NOT NULL
GROUP BY CAST(start_time AS DATE)
ORDER BY play_date;
