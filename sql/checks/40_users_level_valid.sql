-- severity: error
-- description: users.level is 'free' or 'paid' (rows: unexpected level, count).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true); on an incremental
-- publish, the users it merged (sparkify_merge_users, the MERGE's source).
SELECT level, COUNT(*) AS row_count
FROM users
WHERE (level IS NULL OR level NOT IN ('free', 'paid'))
  AND (
      CAST('{{whole_tables}}' AS BOOLEAN)
      OR user_id IN (SELECT m.user_id FROM sparkify_merge_users AS m)
  )
GROUP BY level
ORDER BY row_count DESC, level ASC;
