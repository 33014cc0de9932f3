-- description: Load this run's list of staged source objects into sparkify_load_files.
--
-- The load writes the list as JSON lines beside the run's manifests; its keys are the
-- column names, so JSON 'auto' maps them. Keys come in as data, never pasted into SQL.
COPY sparkify_load_files
FROM '{{load_files}}'
IAM_ROLE '{{role_arn}}'
REGION '{{region}}'
FORMAT AS JSON 'auto';
