-- description: Empty the staging tables: COPY appends, and each load restages everything.
--
-- TRUNCATE rather than DELETE: no deleted rows left behind to VACUUM. On Redshift TRUNCATE
-- commits the open transaction; that is harmless here, staging is scratch space and this
-- runs before the COPY statements.
TRUNCATE staging_events;
TRUNCATE staging_songs;
