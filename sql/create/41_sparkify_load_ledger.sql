-- description: Control table: one row per source object a published load staged (the load ledger).
--
-- Written in the publish transaction from sparkify_load_files, so it only ever names objects
-- whose rows the star schema holds. A run stages the objects of the source whose key is not
-- here, or whose latest row here has another ETag (the object changed). rows_staged is known
-- for a daily log file (the staged events of its day); NULL for a song file (one COPY loads
-- many of them and Redshift counts rows per COPY). Never emptied: it is the load history.
CREATE TABLE IF NOT EXISTS sparkify_load_ledger (
    source_key    VARCHAR(1024) NOT NULL,
    etag          VARCHAR(128) NOT NULL,
    size_bytes    BIGINT NOT NULL,
    kind          VARCHAR(16) NOT NULL,
    rows_staged   BIGINT,
    rows_rejected BIGINT,
    run_id        VARCHAR(64) NOT NULL,
    loaded_at     TIMESTAMP NOT NULL
)
DISTSTYLE ALL
SORTKEY (source_key);
