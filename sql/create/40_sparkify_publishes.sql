-- description: Control table: one row per published load (run, time, row counts it left).
--
-- Written by 03_load in the same transaction as the load it records, so it always names the
-- load the star schema holds. Data checks compare row counts against its latest row; a
-- failed load's error names that row ("the warehouse still holds the load of run ...").
-- No primary key: interactive sessions publish under the same run id again. checks_digest
-- (quality.checks_digest) tells the next incremental publish whether the data checks changed
-- since: then it checks every row, not only the rows it merged.
CREATE TABLE IF NOT EXISTS sparkify_publishes (
    run_id         VARCHAR(64) NOT NULL,
    published_at   TIMESTAMP NOT NULL,
    full_refresh   BOOLEAN NOT NULL,
    staged_events  BIGINT,
    staged_songs   BIGINT,
    songplays_rows BIGINT,
    users_rows     BIGINT,
    songs_rows     BIGINT,
    artists_rows   BIGINT,
    time_rows      BIGINT,
    checks_digest  VARCHAR(64)  -- fingerprint of sql/checks this load passed
)
DISTSTYLE ALL
SORTKEY (published_at);
