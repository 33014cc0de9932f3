-- severity: error
-- description: Every staged event has a ts and a page (a non-object JSON line stages as all NULLs).
--
-- COPY with JSONPaths reads a line that holds a JSON array (or a whole file written as one
-- array) as a row of NULLs without rejecting it, so such plays would vanish silently.
-- Rows: the offending staged events.
SELECT artist, auth, page, session_id, item_in_session, ts, user_id
FROM staging_events
WHERE ts IS NULL OR page IS NULL
ORDER BY session_id, item_in_session;
