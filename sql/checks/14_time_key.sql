-- severity: error
-- description: time.start_time is a primary key: never NULL, never repeated (rows: offending key, count).
--
-- Scope: every row on a full refresh or a first load (whole_tables is true). On an incremental
-- publish, the staged NextSong times (the source of the time insert: the only rows it can
-- add): each such key is counted over the whole table, so a new row that repeats the key of an
-- old one is found.
SELECT start_time, COUNT(*) AS row_count
FROM time
WHERE CAST('{{whole_tables}}' AS BOOLEAN)
   OR start_time IS NULL
   OR start_time IN (
       SELECT e.ts FROM staging_events AS e
       WHERE e.page = 'NextSong'
   )
GROUP BY start_time
HAVING COUNT(*) > 1 OR start_time IS NULL
ORDER BY row_count DESC, start_time ASC;
