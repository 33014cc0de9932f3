-- title: Catalogue match rate
-- description: Share of plays matched to a catalogue song (title, artist and duration).
SELECT
    COUNT(*) AS plays,
    COUNT(song_id) AS matched_plays,
    ROUND(100.0 * COUNT(song_id) / NULLIF(COUNT(*), 0), 2) AS match_rate_pct
FROM songplays;
