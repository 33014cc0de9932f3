-- description: Work table: one row per song id of this load's catalogue, the MERGE source of songs.
CREATE TABLE IF NOT EXISTS sparkify_merge_songs (
    song_id   VARCHAR(32) NOT NULL,
    title     VARCHAR(1024),
    artist_id VARCHAR(32),
    year      INTEGER,
    duration  DOUBLE PRECISION
)
DISTSTYLE ALL;
