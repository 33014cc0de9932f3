-- severity: warn
-- description: Artist ids the catalogue lists with different locations or coordinates.
--
-- Different names are 51_artists_with_several_names; the artists transform keeps one row.
SELECT
    artist_id,
    COUNT(DISTINCT artist_location) AS locations,
    COUNT(DISTINCT artist_latitude) AS latitudes,
    COUNT(DISTINCT artist_longitude) AS longitudes
FROM staging_songs
WHERE artist_id IS NOT NULL
GROUP BY artist_id
HAVING
    COUNT(DISTINCT artist_location) > 1
    OR COUNT(DISTINCT artist_latitude) > 1
    OR COUNT(DISTINCT artist_longitude) > 1
ORDER BY artist_id;
