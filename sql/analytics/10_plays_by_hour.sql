-- title: Plays by hour of day
-- description: Number of plays in each hour of the day (UTC), from the time dimension.
SELECT t.hour, COUNT(*) AS plays
FROM songplays AS sp
INNER JOIN time AS t
  ON t.start_time = sp.start_time
GROUP BY t.hour
ORDER BY t.hour;
