-- description: Users dimension: one row per user with the level of their latest event.
--
-- Small (one row per listener): DISTSTYLE ALL puts a copy on every node, so joins from
-- songplays never move data. Keys are informational in Redshift; the checks enforce them.
CREATE TABLE IF NOT EXISTS users (
    user_id    INTEGER NOT NULL,
    first_name VARCHAR(256),
    last_name  VARCHAR(256),
    gender     VARCHAR(16),
    level      VARCHAR(16) NOT NULL,
    PRIMARY KEY (user_id)
)
DISTSTYLE ALL
SORTKEY (user_id);
