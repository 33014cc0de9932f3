-- severity: error
-- description: Each staged NextSong event has exactly one songplay: distinct events and plays per (time, user, session) agree.
--
-- Rows: the event identity with its number of distinct staged NextSong events (an event
-- staged twice is one play) and of songplays. Only the identities this load staged are
-- compared: songplays also holds the plays of earlier loads. user_id may be NULL (a play
-- while logged out), hence the COALESCE in the join key. Only the songplays at a staged
-- play time are counted (the others cannot share an identity with a staged event), so the
-- check costs what was staged, whatever the history.
WITH events AS (
    SELECT start_time, user_id, session_id, COUNT(*) AS events
    FROM (
        SELECT DISTINCT ts AS start_time, user_id, session_id, item_in_session
        FROM staging_events
        WHERE page = 'NextSong'
    ) AS distinct_events
    GROUP BY start_time, user_id, session_id
),

plays AS (
    SELECT start_time, user_id, session_id, COUNT(*) AS songplays
    FROM songplays
    WHERE start_time IN (
        SELECT s.ts FROM staging_events AS s
        WHERE s.page = 'NextSong'
    )
    GROUP BY start_time, user_id, session_id
)

SELECT
    e.start_time,
    e.user_id,
    e.session_id,
    e.events,
    COALESCE(p.songplays, 0) AS songplays
FROM events AS e
LEFT JOIN plays AS p
  ON p.start_time = e.start_time
 AND COALESCE(p.user_id, -1) = COALESCE(e.user_id, -1)
 AND COALESCE(p.session_id, -1) = COALESCE(e.session_id, -1)
WHERE e.events <> COALESCE(p.songplays, 0)
ORDER BY e.start_time, e.user_id, e.session_id;
