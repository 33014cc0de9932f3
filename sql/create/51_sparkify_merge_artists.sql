-- description: Work table: one row per artist id of this load's catalogue, the MERGE source of artists.
CREATE TABLE IF NOT EXISTS sparkify_merge_artists (
    artist_id VARCHAR(32) NOT NULL,
    name      VARCHAR(512),
    location  VARCHAR(512),
    latitude  DOUBLE PRECISION,
    longitude DOUBLE PRECISION
)
DISTSTYLE ALL;
