-- description: Drop every warehouse table so the create step starts clean.
--
-- songplays goes first: its foreign keys reference the dimensions, and Redshift refuses
-- to drop a table that another table references.
DROP TABLE IF EXISTS songplays;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS songs;
DROP TABLE IF EXISTS artists;
DROP TABLE IF EXISTS time;
DROP TABLE IF EXISTS staging_events;
DROP TABLE IF EXISTS staging_songs;
