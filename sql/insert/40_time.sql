-- description: Time: one row per distinct NextSong timestamp, with its calendar parts.
--
-- Milliseconds are kept (start_time is the exact event ts), so it joins songplays exactly.
-- week is the ISO week; weekday is EXTRACT(DOW): 0 = Sunday ... 6 = Saturday.
DELETE FROM time;

INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT
    start_time,
    EXTRACT(HOUR FROM start_time),
    EXTRACT(DAY FROM start_time),
    EXTRACT(WEEK FROM start_time),
    EXTRACT(MONTH FROM start_time),
    EXTRACT(YEAR FROM start_time),
    EXTRACT(DOW FROM start_time)
FROM (
    SELECT DISTINCT ts AS start_time
    FROM staging_events
    WHERE page = 'NextSong'
      AND ts IS NOT NULL
) AS play_times;
