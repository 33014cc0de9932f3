-- severity: error
-- description: Every non-NULL songplays.user_id exists in users.user_id (rows: missing value, rows using it).
SELECT c.user_id, COUNT(*) AS row_count
FROM songplays AS c
LEFT JOIN users AS p
  ON p.user_id = c.user_id
WHERE c.user_id IS NOT NULL
  AND p.user_id IS NULL
GROUP BY c.user_id
ORDER BY row_count DESC, c.user_id ASC;
