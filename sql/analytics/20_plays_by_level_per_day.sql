-- title: Free vs paid plays per day
-- description: Plays per calendar day (UTC) and subscription level, one row per day and level.
SELECT CAST(start_time AS DATE) AS play_date, level, COUNT(*) AS plays
FROM songplays
GROUP BY CAST(start_time AS DATE), level
ORDER BY play_date, level;
