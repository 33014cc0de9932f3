-- description: Full refresh only: drop the star tables inside the publish transaction.
--
-- `sparkify run --full-refresh` runs this in the transaction that publishes the load, then
-- sql/create (CREATE TABLE IF NOT EXISTS) re-creates the tables before the transforms, so
-- analysts keep the old tables until the commit. songplays goes first: its foreign keys
-- reference the dimensions, and Redshift refuses to drop a table another table references.
-- DROP TABLE takes an exclusive lock on Redshift: readers wait until the commit.
DROP TABLE IF EXISTS songplays;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS songs;
DROP TABLE IF EXISTS artists;
DROP TABLE IF EXISTS time;
