-- description: Load the new or changed song files into staging_songs.
--
-- MANIFEST: FROM names the manifest the load wrote of exactly the files this run stages
-- (new or changed since the last published load, or the days of a backfill; r_COPY.md,
-- loading-data-files-using-manifest.md), every entry mandatory.
-- The song keys are lowercase and equal to the column names, so JSON 'auto' maps them.
-- Same NULL and error policy as the events load.
COPY staging_songs
FROM '{{song_manifest}}'
IAM_ROLE '{{role_arn}}'
REGION '{{region}}'
FORMAT AS JSON 'auto'
EMPTYASNULL
BLANKSASNULL
MANIFEST;
