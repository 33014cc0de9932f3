-- description: Time dimension: one row per distinct play timestamp (milliseconds kept).
--
-- It has about as many rows as songplays, so copying it to every node (ALL) would not
-- scale: it is distributed on start_time like songplays, which makes their join local,
-- and sorted on start_time for range filters.
CREATE TABLE IF NOT EXISTS time (
    start_time TIMESTAMP NOT NULL,
    hour       SMALLINT NOT NULL,
    day        SMALLINT NOT NULL,
    week       SMALLINT NOT NULL,
    month      SMALLINT NOT NULL,
    year       SMALLINT NOT NULL,
    weekday    SMALLINT NOT NULL,
    PRIMARY KEY (start_time)
)
DISTSTYLE KEY
DISTKEY (start_time)
SORTKEY (start_time);
