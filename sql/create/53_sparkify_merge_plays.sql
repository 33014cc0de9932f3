-- description: Work table: the plays this load merges into songplays (new, re-loaded, re-matched).
CREATE TABLE IF NOT EXISTS sparkify_merge_plays (
    songplay_id     BIGINT NOT NULL,
    start_time      TIMESTAMP NOT NULL,
    user_id         INTEGER,
    level           VARCHAR(16),
    song_id         VARCHAR(32),
    artist_id       VARCHAR(32),
    session_id      INTEGER,
    location        VARCHAR(512),
    user_agent      VARCHAR(1024),
    item_in_session INTEGER,
    song            VARCHAR(1024),
    artist          VARCHAR(512),
    length          DOUBLE PRECISION
)
DISTSTYLE KEY
DISTKEY (start_time);
