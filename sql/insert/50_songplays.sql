-- description: Songplays: one row per NextSong event, matched to the catalogue when possible.
--
-- songplay_id is assigned here, ROW_NUMBER over the full event order, so a reload gives
-- identical ids. A play matches a catalogue row when title AND artist name are equal AND
-- the durations differ by less than 0.01 s: both come from the same track metadata (equal
-- in the sample), the tolerance only absorbs float rounding, while another cut of a
-- same-named track (radio edit, live) differs by seconds and must not match. No match
-- leaves song_id/artist_id NULL. If several catalogue rows match, the closest duration then
-- the lowest song_id wins, so each event stays exactly one row. artist_id is the matched
-- song's artist in the songs dimension, so the two keys always agree.
DELETE FROM songplays;

INSERT INTO songplays (
    songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
)
WITH plays AS (
    SELECT
        ROW_NUMBER() OVER (
            ORDER BY ts, session_id, item_in_session, user_id, song, artist, length,
                     level, location, user_agent
        ) AS songplay_id,
        ts,
        user_id,
        level,
        session_id,
        location,
        user_agent,
        song,
        artist,
        length
    FROM staging_events
    WHERE page = 'NextSong'
),

matches AS (
    SELECT
        p.songplay_id,
        c.song_id,
        ROW_NUMBER() OVER (
            PARTITION BY p.songplay_id
            ORDER BY ABS(c.duration - p.length), c.song_id
        ) AS closeness
    FROM plays AS p
    INNER JOIN staging_songs AS c
      ON c.title = p.song
     AND c.artist_name = p.artist
     AND ABS(c.duration - p.length) < 0.01
)

SELECT
    p.songplay_id,
    p.ts,
    p.user_id,
    p.level,
    s.song_id,
    s.artist_id,
    p.session_id,
    p.location,
    p.user_agent
FROM plays AS p
LEFT JOIN matches AS m
  ON m.songplay_id = p.songplay_id
 AND m.closeness = 1
LEFT JOIN songs AS s
  ON s.song_id = m.song_id;
