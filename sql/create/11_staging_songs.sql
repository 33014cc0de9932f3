-- description: Raw song catalogue, loaded by COPY with JSON 'auto' (columns named as the keys).
--
-- FORMAT AS JSON 'auto' matches lowercase key names to column names, so these are the song
-- JSON keys exactly. Titles and artist fields of the Million Song Dataset can be long.
CREATE TABLE IF NOT EXISTS staging_songs (
    num_songs        INTEGER,
    artist_id        VARCHAR(32),
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    artist_location  VARCHAR(512),
    artist_name      VARCHAR(512),
    song_id          VARCHAR(32),
    title            VARCHAR(1024),
    duration         DOUBLE PRECISION,
    year             INTEGER
)
DISTSTYLE EVEN;
