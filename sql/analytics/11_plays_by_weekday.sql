-- title: Plays by weekday
-- description: Plays per day of the week (0 = Sunday), with the first and last day of the data.
--
-- A month holds four of some weekdays and five of others, so totals per weekday mislead: the
-- period's first and last day let the chart and the sentence compare the average plays per
-- calendar day of each weekday (see charts/frames.py weekday_averages).
WITH data_span AS (
    SELECT
        CAST(MIN(start_time) AS DATE) AS first_day,
        CAST(MAX(start_time) AS DATE) AS last_day
    FROM songplays
)

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
    COUNT(*) AS plays,
    MIN(ds.first_day) AS period_start,
    MIN(ds.last_day) AS period_end
FROM songplays AS sp
INNER JOIN time AS t
  ON t.start_time = sp.start_time
CROSS JOIN data_span AS ds
GROUP BY t.weekday
ORDER BY t.weekday;
