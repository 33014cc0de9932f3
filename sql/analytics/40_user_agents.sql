-- title: Devices, operating systems and browsers
-- description: Plays and listeners per device, OS and browser, parsed from the user agent.
--
-- Order matters in each CASE: iOS agents mention "Mac OS X", Chrome agents mention
-- "Safari", Edge agents mention "Chrome".
WITH agents AS (
    SELECT
        user_id,
        CASE
            WHEN user_agent LIKE '%iPhone%' THEN 'Phone'
            WHEN user_agent LIKE '%iPad%' THEN 'Tablet'
            WHEN user_agent LIKE '%Android%' AND user_agent LIKE '%Mobile%' THEN 'Phone'
            WHEN user_agent LIKE '%Android%' THEN 'Tablet'
            WHEN user_agent IS NULL THEN 'Unknown'
            ELSE 'Desktop'
        END AS device,
        CASE
            WHEN user_agent LIKE '%iPhone%' OR user_agent LIKE '%iPad%' THEN 'iOS'
            WHEN user_agent LIKE '%Android%' THEN 'Android'
            WHEN user_agent LIKE '%Windows%' THEN 'Windows'
            WHEN user_agent LIKE '%Mac OS X%' OR user_agent LIKE '%Macintosh%' THEN 'macOS'
            WHEN user_agent LIKE '%Linux%' THEN 'Linux'
            ELSE 'Other'
        END AS os,
        CASE
            WHEN user_agent LIKE '%Edge/%' OR user_agent LIKE '%Edg/%' THEN 'Edge'
            WHEN user_agent LIKE '%Trident/%' OR user_agent LIKE '%MSIE %' THEN 'Internet Explorer'
            WHEN user_agent LIKE '%Firefox/%' THEN 'Firefox'
            WHEN user_agent LIKE '%Chrome/%' OR user_agent LIKE '%CriOS/%' THEN 'Chrome'
            WHEN user_agent LIKE '%Safari/%' THEN 'Safari'
            ELSE 'Other'
        END AS browser
    FROM songplays
)

SELECT device, os, browser, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS listeners
FROM agents
GROUP BY device, os, browser
ORDER BY plays DESC, device ASC, os ASC, browser ASC;
