-- description: Control table: each play's event key and the song fields it was matched on.
--
-- songplays is keyed by the event (user, session, item in session, ts), but the original
-- schema keeps neither item_in_session nor the song title, artist name and length of the
-- event. This table keeps them beside songplay_id, so a re-loaded file finds its plays (and
-- their ids) again, and a play with no catalogue match is matched again when the catalogue
-- rows it needs arrive later. Rebuilt with the star schema on a full refresh.
CREATE TABLE IF NOT EXISTS sparkify_play_keys (
    songplay_id     BIGINT NOT NULL,
    start_time      TIMESTAMP NOT NULL,
    user_id         INTEGER,
    session_id      INTEGER,
    item_in_session INTEGER,
    song            VARCHAR(1024),
    artist          VARCHAR(512),
    length          DOUBLE PRECISION,
    PRIMARY KEY (songplay_id)
)
DISTSTYLE KEY
DISTKEY (start_time)
COMPOUND SORTKEY (start_time);
