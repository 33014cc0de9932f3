-- description: Full refresh only: drop the staging tables so sql/create re-creates them.
--
-- Run by 02_create_tables when the run is a full refresh, in its own transaction: staging is
-- scratch space analysts do not query, and 03_load restages everything anyway.
DROP TABLE IF EXISTS staging_events;
DROP TABLE IF EXISTS staging_songs;
