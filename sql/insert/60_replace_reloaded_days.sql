-- description: A day whose log file this load staged again is replaced: its plays not in the file go.
--
-- A daily log file is the truth about its day: when a backfill (sparkify run --date) or a
-- changed file re-stages it, the plays of that day that the file no longer holds are
-- deleted (with their keys). Days whose file was not staged keep every play: the warehouse
-- keeps history when old log files leave the source.
DELETE FROM songplays
WHERE CAST(start_time AS DATE) IN (
    SELECT CAST(file_day AS DATE)
    FROM sparkify_load_files
    WHERE kind = 'log'
      AND file_day IS NOT NULL
)
  AND songplay_id NOT IN (SELECT songplay_id FROM sparkify_merge_plays);

DELETE FROM sparkify_play_keys
WHERE CAST(start_time AS DATE) IN (
    SELECT CAST(file_day AS DATE)
    FROM sparkify_load_files
    WHERE kind = 'log'
      AND file_day IS NOT NULL
)
  AND songplay_id NOT IN (SELECT songplay_id FROM sparkify_merge_plays);
