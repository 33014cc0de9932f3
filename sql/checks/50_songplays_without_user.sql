-- severity: warn
-- description: Plays without a user id (logged-out listening); expected to be none.
--
-- Scope: every row on a full refresh or a first load (whole_tables is true); on an incremental
-- publish, the songplays it merged (sparkify_merge_plays, the MERGE's source): the plays of
-- earlier loads were reported when they were published.
SELECT CAST(start_time AS DATE) AS play_date, COUNT(*) AS row_count
FROM songplays
WHERE user_id IS NULL
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
  )
GROUP BY CAST(start_time AS DATE)
ORDER BY play_date;
