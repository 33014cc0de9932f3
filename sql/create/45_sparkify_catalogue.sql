-- description: Control table: every distinct catalogue row ever staged, as plays are matched on it.
--
-- A play matches on title, artist name and duration as the song file wrote them (the
-- artists dimension keeps one name per artist id, the catalogue may carry several), so the
-- match keeps those fields of every staged song row, not only the song chosen for songs.
-- Rebuilt with the star schema on a full refresh.
CREATE TABLE IF NOT EXISTS sparkify_catalogue (
    song_id     VARCHAR(32) NOT NULL,
    title       VARCHAR(1024),
    artist_name VARCHAR(512),
    duration    DOUBLE PRECISION
)
DISTSTYLE ALL
SORTKEY (title);
