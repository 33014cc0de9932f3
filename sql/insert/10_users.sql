-- description: Users: one row per user id, with the name, gender and level of their latest event.
--
-- Latest = greatest ts; ties broken by session, item in session, then 'paid' before 'free'
-- and the names, so the pick is deterministic. All events with a user id count (a level
-- change shows on Upgrade/Downgrade pages too), not only NextSong.
DELETE FROM users;

INSERT INTO users (user_id, first_name, last_name, gender, level)
SELECT user_id, first_name, last_name, gender, level
FROM (
    SELECT
        user_id,
        first_name,
        last_name,
        gender,
        level,
        ROW_NUMBER() OVER (
            PARTITION BY user_id
            ORDER BY ts DESC, session_id DESC, item_in_session DESC, level DESC,
                     first_name ASC, last_name ASC, gender ASC
        ) AS recency
    FROM staging_events
    WHERE user_id IS NOT NULL
      AND level IS NOT NULL
) AS ranked
WHERE recency = 1;
