-- description: Songs dimension: one row per song id from the song catalogue.
--
-- The catalogue is small next to the event stream: DISTSTYLE ALL for local joins.
CREATE TABLE IF NOT EXISTS songs (
    song_id   VARCHAR(32) NOT NULL,
    title     VARCHAR(1024),
    artist_id VARCHAR(32),
    year      INTEGER,
    duration  DOUBLE PRECISION,
    PRIMARY KEY (song_id),
    FOREIGN KEY (artist_id) REFERENCES artists (artist_id)
)
DISTSTYLE ALL
SORTKEY (song_id);
