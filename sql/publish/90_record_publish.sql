-- description: Record this load in sparkify_publishes, in the transaction that publishes it.
--
-- Rendered with the run's id, the publish time (UTC), whether it was a full refresh and the
-- fingerprint of the data checks it passed; the counts are read inside the transaction, so
-- they are the rows the commit makes visible.
INSERT INTO sparkify_publishes (
    run_id, published_at, full_refresh, staged_events, staged_songs,
    songplays_rows, users_rows, songs_rows, artists_rows, time_rows, checks_digest
)
SELECT
    '{{run_id}}' AS run_id,
    CAST('{{published_at}}' AS TIMESTAMP) AS published_at,
    CAST('{{full_refresh}}' AS BOOLEAN) AS full_refresh,
    (SELECT COUNT(*) FROM staging_events) AS staged_events,
    (SELECT COUNT(*) FROM staging_songs) AS staged_songs,
    (SELECT COUNT(*) FROM songplays) AS songplays_rows,
    (SELECT COUNT(*) FROM users) AS users_rows,
    (SELECT COUNT(*) FROM songs) AS songs_rows,
    (SELECT COUNT(*) FROM artists) AS artists_rows,
    (SELECT COUNT(*) FROM time) AS time_rows,
    '{{checks_digest}}' AS checks_digest;
