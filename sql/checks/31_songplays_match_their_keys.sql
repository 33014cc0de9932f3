-- severity: error
-- description: Every songplay has its event key in sparkify_play_keys and every key its songplay.
--
-- The key table is how a re-loaded file finds its plays again; a play without a key would be
-- duplicated by the next load of its file. Rows: one, with both counts, when they differ.
WITH keyed AS (
    SELECT COUNT(*) AS matched_keys
    FROM sparkify_play_keys AS k
    INNER JOIN songplays AS p
      ON p.songplay_id = k.songplay_id
),

counts AS (
    SELECT
        keyed.matched_keys,
        (SELECT COUNT(*) FROM songplays) AS songplays,
        (SELECT COUNT(*) FROM sparkify_play_keys) AS play_keys
    FROM keyed
)

SELECT songplays, play_keys, matched_keys
FROM counts
WHERE songplays <> matched_keys OR play_keys <> matched_keys;
