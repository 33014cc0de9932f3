-- description: Artists dimension: one row per artist id from the song catalogue.
--
-- Tens of thousands of rows at most: DISTSTYLE ALL for local joins from songplays.
CREATE TABLE IF NOT EXISTS artists (
    artist_id VARCHAR(32) NOT NULL,
    name      VARCHAR(512),
    location  VARCHAR(512),
    latitude  DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    PRIMARY KEY (artist_id)
)
DISTSTYLE ALL
SORTKEY (artist_id);
