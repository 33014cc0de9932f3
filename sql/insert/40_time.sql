-- description: Time: insert a row for each NextSong timestamp of this load that is not there yet.
--
-- Milliseconds are kept (start_time is the exact event ts), so it joins songplays exactly.
-- week is the ISO week; weekday is EXTRACT(DOW): 0 = Sunday ... 6 = Saturday.
INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT
    start_time,
    EXTRACT(HOUR FROM start_time) AS hour,
    EXTRACT(DAY FROM start_time) AS day,
    EXTRACT(WEEK FROM start_time) AS week,
    EXTRACT(MONTH FROM start_time) AS month,
    EXTRACT(YEAR FROM start_time) AS year,
    EXTRACT(DOW FROM start_time) AS weekday
FROM (
    SELECT DISTINCT ts AS start_time
    FROM staging_events
    WHERE page = 'NextSong'
      AND ts IS NOT NULL
) AS play_times
WHERE NOT EXISTS (
    SELECT 1 FROM time AS t
    WHERE t.start_time = play_times.start_time
);
