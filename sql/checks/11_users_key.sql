-- severity: error
-- description: users.user_id is a primary key: never NULL, never repeated (rows: offending key, count).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the users it merged (sparkify_merge_users, the MERGE's source: the only users it
-- can insert or change): each such key is counted over the whole table, so a new row that
-- repeats the key of an old one is found.
SELECT user_id, COUNT(*) AS row_count
FROM users
WHERE CAST('{{whole_tables}}' AS BOOLEAN)
   OR user_id IS NULL
   OR user_id IN (SELECT m.user_id FROM sparkify_merge_users AS m)
GROUP BY user_id
HAVING COUNT(*) > 1 OR user_id IS NULL
ORDER BY row_count DESC, user_id ASC;
