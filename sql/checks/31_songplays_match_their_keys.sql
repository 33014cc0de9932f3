-- severity: error
-- description: Every songplay has its event key in sparkify_play_keys (same id, same start_time) and every key its songplay.
--
-- The key table is how a re-loaded file finds its plays again; a play without a key would be
-- duplicated by the next load of its file. Rows: one, with the plays without a key, the keys
-- without a play and both tables' counts, when any is unmatched or the counts differ.
-- Scope of the matching: every row on a full refresh or a first load (whole_tables is true).
-- On an incremental publish, the ids it merged into both (sparkify_merge_plays) and the rows
-- of the days it replaced (60_replace_reloaded_days deletes from both, by start_time, so a
-- play it deleted had its key on such a day); the counts are always the whole tables'.
WITH replaced_days AS (
    SELECT DISTINCT CAST(f.file_day AS DATE) AS play_day
    FROM sparkify_load_files AS f
    WHERE f.kind = 'log'
      AND f.file_day IS NOT NULL
),

scoped_plays AS (
    SELECT p.songplay_id, p.start_time
    FROM songplays AS p
    WHERE CAST('{{whole_tables}}' AS BOOLEAN)
       OR p.songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
       OR DATE_TRUNC('day', p.start_time) IN (SELECT r.play_day FROM replaced_days AS r)
),

scoped_keys AS (
    SELECT k.songplay_id, k.start_time
    FROM sparkify_play_keys AS k
    WHERE CAST('{{whole_tables}}' AS BOOLEAN)
       OR k.songplay_id IN (SELECT m.songplay_id FROM sparkify_merge_plays AS m)
       OR DATE_TRUNC('day', k.start_time) IN (SELECT r.play_day FROM replaced_days AS r)
),

matching AS (
    SELECT
        COALESCE(SUM(CASE WHEN k.songplay_id IS NULL THEN 1 ELSE 0 END), 0) AS plays_without_key,
        COALESCE(SUM(CASE WHEN p.songplay_id IS NULL THEN 1 ELSE 0 END), 0) AS keys_without_play
    FROM scoped_plays AS p
    FULL OUTER JOIN scoped_keys AS k
      ON k.songplay_id = p.songplay_id
     AND k.start_time = p.start_time
)

SELECT
    m.plays_without_key,
    m.keys_without_play,
    (SELECT COUNT(*) FROM songplays) AS songplays,
    (SELECT COUNT(*) FROM sparkify_play_keys) AS play_keys
FROM matching AS m
WHERE (SELECT COUNT(*) FROM songplays) <> (SELECT COUNT(*) FROM sparkify_play_keys)
   OR m.plays_without_key > 0
   OR m.keys_without_play > 0;
