-- severity: error
-- description: users.user_id is a primary key: never NULL, never repeated (rows: offending key, count).
SELECT user_id, COUNT(*) AS row_count
FROM users
GROUP BY user_id
HAVING COUNT(*) > 1 OR user_id IS NULL
ORDER BY row_count DESC, user_id ASC;
