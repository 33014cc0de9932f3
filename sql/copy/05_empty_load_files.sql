-- description: Empty the run's file list: it is COPYed again from this run's list of staged files.
--
-- TRUNCATE, as for the staging tables: on Redshift it commits, which is harmless here (the
-- list is scratch space, filled before the publish transaction opens).
TRUNCATE sparkify_load_files;
