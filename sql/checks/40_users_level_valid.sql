-- severity: error
-- description: users.level is 'free' or 'paid' (rows: unexpected level, count).
SELECT level, COUNT(*) AS row_count
FROM users
WHERE level IS NULL OR level NOT IN ('free', 'paid')
GROUP BY level
ORDER BY row_count DESC, level ASC;
