-- description: Work table: the users whose latest event in this load is newer than the stored one.
--
-- MERGE reads its source from a table (r_MERGE.md: the source can't be a view or a
-- subquery), so each MERGE of the publish has a work table like this one, filled and read
-- inside the publish transaction.
CREATE TABLE IF NOT EXISTS sparkify_merge_users (
    user_id         INTEGER NOT NULL,
    first_name      VARCHAR(256),
    last_name       VARCHAR(256),
    gender          VARCHAR(16),
    level           VARCHAR(16) NOT NULL,
    ts              TIMESTAMP NOT NULL,
    session_id      INTEGER,
    item_in_session INTEGER
)
DISTSTYLE ALL;
