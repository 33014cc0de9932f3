-- severity: warn
-- description: Plays without a user id (logged-out listening); expected to be none.
SELECT CAST(start_time AS DATE) AS play_date, COUNT(*) AS row_count
FROM songplays
WHERE user_id IS NULL
GROUP BY CAST(start_time AS DATE)
ORDER BY play_date;
