-- severity: warn
-- description: Song ids the catalogue lists with different title, artist, year or duration.
--
-- The songs transform keeps one of them; this says which ids were resolved that way.
SELECT
    song_id,
    COUNT(*) AS listings,
    COUNT(DISTINCT title) AS titles,
    COUNT(DISTINCT artist_id) AS artist_ids,
    COUNT(DISTINCT year) AS years,
    COUNT(DISTINCT duration) AS durations
FROM staging_songs
WHERE song_id IS NOT NULL
GROUP BY song_id
HAVING
    COUNT(DISTINCT title) > 1
    OR COUNT(DISTINCT artist_id) > 1
    OR COUNT(DISTINCT year) > 1
    OR COUNT(DISTINCT duration) > 1
ORDER BY song_id;
