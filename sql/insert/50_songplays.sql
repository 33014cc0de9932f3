-- description: Songplays: MERGE one row per NextSong event, keyed by the event; re-match plays the catalogue now knows.
--
-- The key is the event: (user, session, item in session, ts). A play already loaded keeps
-- its songplay_id (found in sparkify_play_keys); a new one gets the next id after the
-- highest, in event order, so loading days in order gives the ids a one-go load gives, and a
-- re-loaded file never duplicates a play. An event staged twice is one play.
-- A play matches a catalogue row when title AND artist name are equal AND the durations
-- differ by less than 0.01 s: both come from the same track metadata (equal in the sample),
-- the tolerance only absorbs float rounding, while another cut of a same-named track (radio
-- edit, live) differs by seconds and must not match. No match leaves song_id/artist_id
-- NULL; if several catalogue rows match, the closest duration then the lowest song_id wins.
-- artist_id is the matched song's artist in the songs dimension, so the two keys agree.
-- Plays loaded earlier without a match are merged again when this load's catalogue rows
-- match them. MERGE reads a table (r_MERGE.md), hence the work table sparkify_merge_plays.
DELETE FROM sparkify_merge_plays;

INSERT INTO sparkify_merge_plays (
    songplay_id, start_time, user_id, level, session_id, location, user_agent,
    item_in_session, song, artist, length
)
SELECT
    COALESCE(
        e.known_id,
        (SELECT COALESCE(MAX(known.songplay_id), 0) FROM sparkify_play_keys AS known)
        + ROW_NUMBER() OVER (
            PARTITION BY CASE WHEN e.known_id IS NULL THEN 1 ELSE 0 END
            ORDER BY e.ts, e.session_id, e.item_in_session, e.user_id, e.song, e.artist,
                     e.length, e.level, e.location, e.user_agent
        )
    ) AS songplay_id,
    e.ts,
    e.user_id,
    e.level,
    e.session_id,
    e.location,
    e.user_agent,
    e.item_in_session,
    e.song,
    e.artist,
    e.length
FROM (
    SELECT
        d.ts,
        d.user_id,
        d.level,
        d.session_id,
        d.location,
        d.user_agent,
        d.item_in_session,
        d.song,
        d.artist,
        d.length,
        k.songplay_id AS known_id
    FROM (
        SELECT
            ts,
            user_id,
            level,
            session_id,
            location,
            user_agent,
            item_in_session,
            song,
            artist,
            length,
            ROW_NUMBER() OVER (
                PARTITION BY ts, user_id, session_id, item_in_session
                ORDER BY song, artist, length, level, location, user_agent
            ) AS copy_number
        FROM staging_events
        WHERE page = 'NextSong'
          AND ts IS NOT NULL
    ) AS d
    LEFT JOIN sparkify_play_keys AS k
      ON k.start_time = d.ts
     AND COALESCE(k.user_id, -1) = COALESCE(d.user_id, -1)
     AND COALESCE(k.session_id, -1) = COALESCE(d.session_id, -1)
     AND COALESCE(k.item_in_session, -1) = COALESCE(d.item_in_session, -1)
    WHERE d.copy_number = 1
) AS e;

INSERT INTO sparkify_merge_plays (
    songplay_id, start_time, user_id, level, session_id, location, user_agent,
    item_in_session, song, artist, length
)
SELECT
    p.songplay_id,
    p.start_time,
    p.user_id,
    p.level,
    p.session_id,
    p.location,
    p.user_agent,
    k.item_in_session,
    k.song,
    k.artist,
    k.length
FROM songplays AS p
INNER JOIN sparkify_play_keys AS k
  ON k.songplay_id = p.songplay_id
WHERE p.song_id IS NULL
  AND EXISTS (
      SELECT 1
      FROM staging_songs AS c
      WHERE c.title = k.song
        AND c.artist_name = k.artist
        AND ABS(c.duration - k.length) < 0.01
  )
  AND NOT EXISTS (
      SELECT 1
      FROM sparkify_merge_plays AS m
      WHERE m.songplay_id = p.songplay_id
  );

UPDATE sparkify_merge_plays
SET song_id = best.song_id, artist_id = best.artist_id
FROM (
    SELECT
        ranked.songplay_id,
        s.song_id,
        s.artist_id
    FROM (
        SELECT
            p.songplay_id,
            c.song_id,
            ROW_NUMBER() OVER (
                PARTITION BY p.songplay_id
                ORDER BY ABS(c.duration - p.length), c.song_id
            ) AS closeness
        FROM sparkify_merge_plays AS p
        INNER JOIN sparkify_catalogue AS c
          ON c.title = p.song
         AND c.artist_name = p.artist
         AND ABS(c.duration - p.length) < 0.01
    ) AS ranked
    INNER JOIN songs AS s
      ON s.song_id = ranked.song_id
    WHERE ranked.closeness = 1
) AS best
WHERE sparkify_merge_plays.songplay_id = best.songplay_id;

MERGE INTO songplays
USING sparkify_merge_plays AS n ON songplays.songplay_id = n.songplay_id
WHEN MATCHED THEN UPDATE SET
    start_time = n.start_time, user_id = n.user_id, level = n.level, song_id = n.song_id,
    artist_id = n.artist_id, session_id = n.session_id, location = n.location,
    user_agent = n.user_agent
WHEN NOT MATCHED THEN INSERT (
    songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location,
    user_agent
)
VALUES (
    n.songplay_id, n.start_time, n.user_id, n.level, n.song_id, n.artist_id, n.session_id,
    n.location, n.user_agent
);

MERGE INTO sparkify_play_keys
USING sparkify_merge_plays AS n ON sparkify_play_keys.songplay_id = n.songplay_id
WHEN MATCHED THEN UPDATE SET song = n.song, artist = n.artist, length = n.length
WHEN NOT MATCHED THEN INSERT (
    songplay_id, start_time, user_id, session_id, item_in_session, song, artist, length
)
VALUES (
    n.songplay_id, n.start_time, n.user_id, n.session_id, n.item_in_session, n.song,
    n.artist, n.length
);
