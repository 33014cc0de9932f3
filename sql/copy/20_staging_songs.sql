-- description: Load the song catalogue into staging_songs.
--
-- The song keys are lowercase and equal to the column names, so JSON 'auto' maps them.
-- Same NULL and error policy as the events load.
COPY staging_songs
FROM '{{song_data}}'
IAM_ROLE '{{role_arn}}'
REGION '{{region}}'
FORMAT AS JSON 'auto'
EMPTYASNULL
BLANKSASNULL;
