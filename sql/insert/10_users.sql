-- description: Users: MERGE each user's latest event of this load, when it is newer than the stored one.
--
-- Latest = greatest ts; ties broken by session, item in session, then 'paid' before 'free'
-- and the names, so the pick is deterministic. All events with a user id count (a level
-- change shows on Upgrade/Downgrade pages too), not only NextSong. A user's row changes
-- only when this load holds a later event (ts, session, item in session) than the one
-- recorded in sparkify_user_latest: re-loading an old day never brings back an old level.
-- MERGE reads a table (r_MERGE.md), hence the work table sparkify_merge_users.
DELETE FROM sparkify_merge_users;

INSERT INTO sparkify_merge_users (
    user_id, first_name, last_name, gender, level, ts, session_id, item_in_session
)
SELECT
    r.user_id,
    r.first_name,
    r.last_name,
    r.gender,
    r.level,
    r.ts,
    r.session_id,
    r.item_in_session
FROM (
    SELECT
        user_id,
        first_name,
        last_name,
        gender,
        level,
        ts,
        session_id,
        item_in_session,
        ROW_NUMBER() OVER (
            PARTITION BY user_id
            ORDER BY ts DESC, session_id DESC, item_in_session DESC, level DESC,
                     first_name ASC, last_name ASC, gender ASC
        ) AS recency
    FROM staging_events
    WHERE user_id IS NOT NULL
      AND level IS NOT NULL
      AND ts IS NOT NULL
) AS r
LEFT JOIN sparkify_user_latest AS l
  ON l.user_id = r.user_id
WHERE r.recency = 1
  AND (
      l.user_id IS NULL
      OR r.ts > l.ts
      OR (r.ts = l.ts AND COALESCE(r.session_id, -1) > COALESCE(l.session_id, -1))
      OR (
          r.ts = l.ts
          AND COALESCE(r.session_id, -1) = COALESCE(l.session_id, -1)
          AND COALESCE(r.item_in_session, -1) > COALESCE(l.item_in_session, -1)
      )
  );

MERGE INTO users
USING sparkify_merge_users AS n ON users.user_id = n.user_id
WHEN MATCHED THEN UPDATE SET
    first_name = n.first_name, last_name = n.last_name, gender = n.gender, level = n.level
WHEN NOT MATCHED THEN INSERT (user_id, first_name, last_name, gender, level)
VALUES (n.user_id, n.first_name, n.last_name, n.gender, n.level);

MERGE INTO sparkify_user_latest
USING sparkify_merge_users AS n ON sparkify_user_latest.user_id = n.user_id
WHEN MATCHED THEN UPDATE SET
    ts = n.ts, session_id = n.session_id, item_in_session = n.item_in_session
WHEN NOT MATCHED THEN INSERT (user_id, ts, session_id, item_in_session)
VALUES (n.user_id, n.ts, n.session_id, n.item_in_session);
