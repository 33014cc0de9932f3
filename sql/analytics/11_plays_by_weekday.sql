-- title: Plays by weekday
-- description: Number of plays per day of the week (0 = Sunday), with the day's name.
SELECT
    t.weekday,
    CASE t.weekday
        WHEN 0 THEN 'Sunday'
        WHEN 1 THEN 'Monday'
        WHEN 2 THEN 'Tuesday'
        WHEN 3 THEN 'Wednesday'
        WHEN 4 THEN 'Thursday'
        WHEN 5 THEN 'Friday'
        ELSE 'Saturday'
    END AS weekday_name,
    COUNT(*) AS plays
FROM songplays AS sp
INNER JOIN time AS t
  ON t.start_time = sp.start_time
GROUP BY t.weekday
ORDER BY t.weekday;
