-- severity: error
-- description: Each NextSong event has exactly one songplay: counts per (time, user, session) agree.
--
-- Rows: the event identity with its number of staged NextSong events and of songplays.
-- user_id may be NULL (a play while logged out), hence the COALESCE in the join key.
WITH events AS (
    SELECT ts AS start_time, user_id, session_id, COUNT(*) AS events
    FROM staging_events
    WHERE page = 'NextSong'
    GROUP BY ts, user_id, session_id
),

plays AS (
    SELECT start_time, user_id, session_id, COUNT(*) AS songplays
    FROM songplays
    GROUP BY start_time, user_id, session_id
)

SELECT
    COALESCE(e.start_time, p.start_time) AS start_time,
    COALESCE(e.user_id, p.user_id) AS user_id,
    COALESCE(e.session_id, p.session_id) AS session_id,
    COALESCE(e.events, 0) AS events,
    COALESCE(p.songplays, 0) AS songplays
FROM events AS e
FULL OUTER JOIN plays AS p
  ON p.start_time = e.start_time
 AND COALESCE(p.user_id, -1) = COALESCE(e.user_id, -1)
 AND COALESCE(p.session_id, -1) = COALESCE(e.session_id, -1)
WHERE COALESCE(e.events, 0) <> COALESCE(p.songplays, 0)
ORDER BY start_time, user_id, session_id;
