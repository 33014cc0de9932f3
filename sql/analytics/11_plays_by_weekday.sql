-- title: Plays by weekday
-- description: Plays per day with its day of the week (0 = Sunday) and the data's span.
--
-- A month holds four of some weekdays and five of others, so totals per weekday mislead: the
-- period's first and last day let the chart and the sentence compare the average plays per
-- calendar day of each weekday (see charts/frames.py weekday_averages). One row per day, with
-- the data's first and last play, so a partial first or last day can be left out of both the
-- plays and the day count.
WITH data_span AS (
    SELECT
        CAST(MIN(start_time) AS DATE) AS first_day,
        CAST(MAX(start_time) AS DATE) AS last_day,
        MIN(start_time) AS first_play,
        MAX(start_time) AS last_play
    FROM songplays
)

SELECT
    CAST(sp.start_time AS DATE) AS play_date,
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
    COUNT(*) AS plays,
    MIN(ds.first_day) AS period_start,
    MIN(ds.last_day) AS period_end,
    MIN(ds.first_play) AS first_play,
    MIN(ds.last_play) AS last_play
FROM songplays AS sp
INNER JOIN time AS t
  ON t.start_time = sp.start_time
CROSS JOIN data_span AS ds
GROUP BY CAST(sp.start_time AS DATE), t.weekday
ORDER BY play_date;
