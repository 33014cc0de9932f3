-- description: Control table: the event each user's row in users was taken from.
--
-- users takes a newer level (and name) only from an event later than this one (ts, then
-- session, then item in session), so loading an old day again never sets an old level.
-- Rebuilt with the star schema on a full refresh.
CREATE TABLE IF NOT EXISTS sparkify_user_latest (
    user_id         INTEGER NOT NULL,
    ts              TIMESTAMP NOT NULL,
    session_id      INTEGER,
    item_in_session INTEGER,
    PRIMARY KEY (user_id)
)
DISTSTYLE ALL
SORTKEY (user_id);
