-- description: Empty the merge's work tables once the checks have read them, in the publishing transaction.
--
-- They hold what this publish merged (the MERGE sources, which the data checks of an
-- incremental publish read as its scope). Emptied, they keep no copy of the data between
-- runs (a full refresh merges every play through them), and the next publish's planner sees
-- only that publish's rows in them: DuckDB counts a table's deleted rows until they are
-- committed, so a work table still holding a whole history would make it join in the wrong
-- order.
DELETE FROM sparkify_merge_users;

DELETE FROM sparkify_merge_artists;

DELETE FROM sparkify_merge_songs;

DELETE FROM sparkify_merge_plays;
