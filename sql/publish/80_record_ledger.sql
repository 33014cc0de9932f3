-- description: Record each source object this load staged in the load ledger, in the publishing transaction.
--
-- Rendered with the run's id and the publish time (UTC). The next run stages an object
-- again only when its key is missing here or its ETag changed.
INSERT INTO sparkify_load_ledger (
    source_key, etag, size_bytes, kind, rows_staged, rows_rejected, run_id, loaded_at
)
SELECT
    source_key,
    etag,
    size_bytes,
    kind,
    rows_staged,
    rows_rejected,
    '{{run_id}}' AS run_id,
    CAST('{{published_at}}' AS TIMESTAMP) AS loaded_at
FROM sparkify_load_files;
