-- description: Artists: MERGE one deterministic row per artist id of this load's catalogue (upsert by id).
--
-- An artist seen with several names or places keeps the row that has a location, then
-- coordinates, then the lowest name (then location, latitude, longitude). A blank
-- location is stored as NULL. An artist already loaded takes the row of the newer load.
DELETE FROM sparkify_merge_artists;

INSERT INTO sparkify_merge_artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, name, location, latitude, longitude
FROM (
    SELECT
        artist_id,
        artist_name AS name,
        NULLIF(TRIM(artist_location), '') AS location,
        artist_latitude AS latitude,
        artist_longitude AS longitude,
        ROW_NUMBER() OVER (
            PARTITION BY artist_id
            ORDER BY
                CASE WHEN NULLIF(TRIM(artist_location), '') IS NULL THEN 1 ELSE 0 END,
                CASE WHEN artist_latitude IS NULL OR artist_longitude IS NULL THEN 1 ELSE 0 END,
                artist_name, artist_location, artist_latitude, artist_longitude
        ) AS preference
    FROM staging_songs
    WHERE artist_id IS NOT NULL
) AS ranked
WHERE preference = 1;

MERGE INTO artists
USING sparkify_merge_artists AS n ON artists.artist_id = n.artist_id
WHEN MATCHED THEN UPDATE SET
    name = n.name, location = n.location, latitude = n.latitude, longitude = n.longitude
WHEN NOT MATCHED THEN INSERT (artist_id, name, location, latitude, longitude)
VALUES (n.artist_id, n.name, n.location, n.latitude, n.longitude);
