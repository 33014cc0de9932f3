-- description: Load the new or changed event logs into staging_events.
--
-- MANIFEST: FROM names the manifest the load wrote of exactly the files this run stages
-- (new or changed since the last published load, or the days of a backfill; r_COPY.md,
-- loading-data-files-using-manifest.md), every entry mandatory.
-- The log keys are camelCase, so the JSONPaths file maps them to columns by position.
-- TIMEFORMAT 'epochmillisecs' reads ts (epoch milliseconds) into a TIMESTAMP.
-- EMPTYASNULL / BLANKSASNULL: an empty or blank text field means "unknown", so NULL
-- (empty non-text fields, like the "" userId of logged-out events, load as NULL anyway).
-- No TRUNCATECOLUMNS and the default MAXERROR 0: a value that does not fit fails the load
-- loudly and is recorded (STL_LOAD_ERRORS / load_errors.csv) instead of being cut silently.
COPY staging_events
FROM '{{log_manifest}}'
IAM_ROLE '{{role_arn}}'
REGION '{{region}}'
FORMAT AS JSON '{{log_jsonpath}}'
TIMEFORMAT 'epochmillisecs'
EMPTYASNULL
BLANKSASNULL
MANIFEST;
