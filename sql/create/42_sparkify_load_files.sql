-- description: Work table: the source objects this run staged, COPYed from the run's file list.
--
-- The load writes the list (one JSON object per staged file: key, ETag, size, kind, the day a
-- log file holds, rows staged and rejected) beside the run's manifests and COPYs it here, so
-- no S3 key is ever pasted into SQL. Emptied before each COPY; read by the ledger insert.
CREATE TABLE IF NOT EXISTS sparkify_load_files (
    source_key    VARCHAR(1024),
    etag          VARCHAR(128),
    size_bytes    BIGINT,
    kind          VARCHAR(16),
    file_day      VARCHAR(10),
    rows_staged   BIGINT,
    rows_rejected BIGINT
)
DISTSTYLE ALL;
