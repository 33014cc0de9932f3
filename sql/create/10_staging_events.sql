-- description: Raw listening events, loaded by COPY with the JSONPaths file.
--
-- Columns are in the order of log_json_path.json: COPY with JSONPaths maps by position.
-- ts is TIMESTAMP (COPY ... TIMEFORMAT 'epochmillisecs' keeps the milliseconds); user_id is
-- INTEGER (the "" of logged-out events loads as NULL, as for every empty non-text field);
-- registration is DOUBLE PRECISION: the files carry it as a JSON float (1540919166796.0)
-- and a double holds epoch milliseconds exactly, whatever COPY makes of such a number in an
-- integer column (the guide does not say; docs/redshift-fidelity.md). Text widths are bytes:
-- user agents and locations get room to grow. DISTSTYLE EVEN: staging is scanned once by the
-- transforms, EVEN loads fastest.
CREATE TABLE IF NOT EXISTS staging_events (
    artist          VARCHAR(512),
    auth            VARCHAR(32),
    first_name      VARCHAR(256),
    gender          VARCHAR(16),
    item_in_session INTEGER,
    last_name       VARCHAR(256),
    length          DOUBLE PRECISION,
    level           VARCHAR(16),
    location        VARCHAR(512),
    method          VARCHAR(16),
    page            VARCHAR(64),
    registration    DOUBLE PRECISION,
    session_id      INTEGER,
    song            VARCHAR(1024),
    status          INTEGER,
    ts              TIMESTAMP,
    user_agent      VARCHAR(1024),
    user_id         INTEGER
)
DISTSTYLE EVEN;
