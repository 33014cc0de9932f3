"""Word lists the generator draws from: names, places, user agents and title words."""

from __future__ import annotations


def _words(text: str) -> list[str]:
    """The words of ``text``."""
    return text.split()


FIRST_NAMES_F = _words(
    "Kaylee Lily Tegan Jacqueline Chloe Ava Layla Jayden Mia Sophia Emily Olivia Isabella "
    "Madison Abigail Harper Aubrey Brooklyn Zoe Hannah Addison Natalie Leah Savannah Allison "
    "Anna Alexa Kinsley Morgan Sienna Rylie Jordyn Katherine Stephanie Aiyana Amiya Kate "
    "Cecilia Celeste Elizabeth Jessica Molly Mikayla Mckenzie Lila Anabelle Samantha Jasmine "
    "Gabriella Irene Nora Ruth Vera Zoë Renée Ana Lucía Chelsea Erin Paige Piper Riley Faith"
)

FIRST_NAMES_M = _words(
    "Walter Ryan Jayden Noah Liam Mason Jacob William Ethan Michael Alexander James Daniel "
    "Elijah Benjamin Logan Aiden Matthew Jackson David Lucas Joseph Anthony Andrew Samuel "
    "Gabriel Joshua John Carter Luke Dylan Christian Isaac Oliver Henry Sebastian Caleb Owen "
    "Wyatt Nathan Hunter Cooper Evan Connor Brayden Jordan Kevin Tucker Jahiem Emerson "
    "Mohammad Colm Theodore Wade Mateo José Andrés Frank Alan Grant Kieran Micah"
)

LAST_NAMES = _words(
    "Frye Summers Koch Levine Graves Williams Smith Johnson Brown Jones Miller Davis Garcia "
    "Rodriguez Wilson Martinez Anderson Taylor Thomas Hernandez Moore Martin Jackson Thompson "
    "White Lopez Lee Gonzalez Harris Clark Lewis Robinson Walker Perez Hall Young Allen Sanchez "
    "Wright King Scott Green Baker Adams Nelson Hill Ramirez Campbell Mitchell Roberts Carter "
    "Phillips Evans Turner Torres Parker Collins Edwards Stewart Flores Morris Nguyen Murphy "
    "Rivera Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Gomez Kelly Howard Ward Cox "
    "Diaz Richardson Wood Watson Brooks Bennett Gray James Reyes Cruz Hughes Price Myers Long "
    "Foster Sanders Ross Morales Powell Sullivan Russell Ortiz Jenkins Gutierrez Perry Butler "
    "Barnes Fisher Henderson Coleman Simmons Patterson Jordan Reynolds Hamilton Graham Kim "
    "Gonzales Alexander Ramos Wallace Griffin West Cole Hayes Chavez Gibson Bryant Ellis Stevens "
    "Murray Ford Marshall Owens McDonald Harrison Ruiz Kennedy Wells Alvarez Woods Mendoza "
    "Castillo Olson Webb Washington Tucker Freeman Burns Henry Vasquez Snyder Simpson Crawford "
    "Jimenez Porter Mason Shaw Gordon Wagner Hunter Romero Hicks Dixon Hunt Palmer Robertson "
    "Black Holmes Stone Meyer Boyd Mills Warren Fox Rose Rice Moreno Schmidt Patel Ferguson "
    "Nichols Herrera Medina Ryan Fernandez Weaver Daniels Stephens Gardner Payne O'Brien Núñez"
)

# US metropolitan areas in the census style the real events use, most populous first.
METROS = (
    "New York-Newark-Jersey City, NY-NJ-PA",
    "Los Angeles-Long Beach-Anaheim, CA",
    "Chicago-Naperville-Elgin, IL-IN-WI",
    "Dallas-Fort Worth-Arlington, TX",
    "Houston-The Woodlands-Sugar Land, TX",
    "Washington-Arlington-Alexandria, DC-VA-MD-WV",
    "Miami-Fort Lauderdale-West Palm Beach, FL",
    "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD",
    "Atlanta-Sandy Springs-Roswell, GA",
    "Boston-Cambridge-Newton, MA-NH",
    "Phoenix-Mesa-Scottsdale, AZ",
    "San Francisco-Oakland-Hayward, CA",
    "Riverside-San Bernardino-Ontario, CA",
    "Detroit-Warren-Dearborn, MI",
    "Seattle-Tacoma-Bellevue, WA",
    "Minneapolis-St. Paul-Bloomington, MN-WI",
    "San Diego-Carlsbad, CA",
    "Tampa-St. Petersburg-Clearwater, FL",
    "Denver-Aurora-Lakewood, CO",
    "St. Louis, MO-IL",
    "Baltimore-Columbia-Towson, MD",
    "Charlotte-Concord-Gastonia, NC-SC",
    "Orlando-Kissimmee-Sanford, FL",
    "San Antonio-New Braunfels, TX",
    "Portland-Vancouver-Hillsboro, OR-WA",
    "Pittsburgh, PA",
    "Sacramento--Roseville--Arden-Arcade, CA",
    "Las Vegas-Henderson-Paradise, NV",
    "Cincinnati, OH-KY-IN",
    "Kansas City, MO-KS",
    "Columbus, OH",
    "Indianapolis-Carmel-Anderson, IN",
    "Cleveland-Elyria, OH",
    "San Jose-Sunnyvale-Santa Clara, CA",
    "Nashville-Davidson--Murfreesboro--Franklin, TN",
    "Virginia Beach-Norfolk-Newport News, VA-NC",
    "Providence-Warwick, RI-MA",
    "Milwaukee-Waukesha-West Allis, WI",
    "Jacksonville, FL",
    "Memphis, TN-MS-AR",
    "Oklahoma City, OK",
    "Louisville/Jefferson County, KY-IN",
    "Hartford-West Hartford-East Hartford, CT",
    "Richmond, VA",
    "New Orleans-Metairie, LA",
    "Raleigh, NC",
    "Salt Lake City, UT",
    "Birmingham-Hoover, AL",
    "Buffalo-Cheektowaga-Niagara Falls, NY",
    "Austin-Round Rock, TX",
    "Tucson, AZ",
    "Atlantic City-Hammonton, NJ",
    "Lubbock, TX",
    "Harrisburg-Carlisle, PA",
    "Salinas, CA",
    "Cedar Rapids, IA",
    "Columbia, SC",
    "New Haven-Milford, CT",
    "Santa Rosa, CA",
    "Winston-Salem, NC",
    "Klamath Falls, OR",
    "Yuba City, CA",
    "Saginaw, MI",
    "La Crosse-Onalaska, WI-MN",
    "Waterloo-Cedar Falls, IA",
    "Portland-South Portland, ME",
    "Marinette, WI-MI",
    "Eugene, OR",
    "Anchorage, AK",
    "Urban Honolulu, HI",
    "Boise City, ID",
    "Albany-Schenectady-Troy, NY",
    "Spokane-Spokane Valley, WA",
    "Duluth, MN-WI",
)

# Browsers of the simulator's era. The real files wrap agents that contain a comma in quotes.
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.143 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.78.2 (KHTML, like Gecko) "
    "Version/7.0.6 Safari/537.78.2",
    "Mozilla/5.0 (Windows NT 5.1; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Ubuntu Chromium/36.0.1985.125 Chrome/36.0.1985.125 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/37.0.2062.94 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.125 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.143 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 "
    "(KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53",
    "Mozilla/5.0 (iPad; CPU OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) "
    "Version/7.0 Mobile/11D257 Safari/9537.53",
    "Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5 Build/KOT49H) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/36.0.1985.131 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 4.4.2; SAMSUNG SM-G900P Build/KOT49H) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/1.6 Chrome/28.0.1500.94 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; WOW64; Trident/6.0)",
    "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (Windows NT 5.1) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/36.0.1985.143 Safari/537.36",
)
USER_AGENT_WEIGHTS = (11, 8, 8, 6, 6, 5, 5, 5, 4, 4, 2, 3, 2, 2, 1, 1, 1, 3)

# Artist home towns in the catalogue's free-text style, with coordinates.
ARTIST_PLACES = (
    ("London, England", 51.50632, -0.12714),
    ("New York, NY", 40.71455, -74.00712),
    ("Los Angeles, CA", 34.05349, -118.24532),
    ("California - LA", 34.05349, -118.24532),
    ("California - SF", 37.77916, -122.42005),
    ("Chicago, IL", 41.88415, -87.63241),
    ("Nashville, TN.", 36.16778, -86.77836),
    ("Memphis, TN", 35.14968, -90.04892),
    ("Houston, TX", 29.76045, -95.36978),
    ("Atlanta, GA", 33.74831, -84.39111),
    ("Seattle, Washington USA", 47.60356, -122.32944),
    ("Toronto, Ontario, Canada", 43.64856, -79.38533),
    ("Montreal, Quebec, Canada", 45.51228, -73.55439),
    ("Paris, France", 48.85717, 2.34140),
    ("Berlin, Germany", 52.51607, 13.37698),
    ("Stockholm, Sweden", 59.33217, 18.06243),
    ("Reykjavík, Iceland", 64.13560, -21.89541),
    ("Dublin, Ireland", 53.34376, -6.24953),
    ("Manchester, England", 53.47960, -2.24881),
    ("Glasgow, Scotland", 55.85711, -4.24302),
    ("Kingston, Jamaica", 17.99702, -76.79358),
    ("Rio de Janeiro, Brazil", -22.97673, -43.19508),
    ("Mexico City, Mexico", 19.43194, -99.13323),
    ("Sydney, Australia", -33.86963, 151.20695),
    ("Tokyo, Japan", 35.68501, 139.75139),
    ("Queens, NY", 40.71209, -73.80421),
    ("Brooklyn, NY", 40.65507, -73.94888),
    ("Detroit, MI", 42.33168, -83.04792),
    ("Minneapolis, MN", 44.97903, -93.26493),
    ("Austin, TX", 30.26759, -97.74299),
    ("New Orleans, LA", 29.95369, -90.07771),
    ("Philadelphia, PA", 39.95227, -75.16237),
    ("Denmark", 56.27609, 9.51695),
    ("Pennsylvania", 40.99471, -77.60454),
    ("North Carolina", 35.21962, -80.01955),
    ("Ohio", 40.41629, -82.70817),
    ("Utah", 39.49974, -111.54732),
    ("Panama", 8.41780, -80.11278),
    ("Zagreb Croatia", 45.80726, 15.96760),
    ("Noci (BA)", 40.79211, 17.12615),
)

WORDS_ADJ = _words(
    "Black Blue Broken Burning Cold Crazy Dark Electric Empty Endless Falling Golden Happy "
    "Hollow Holy Last Little Lonely Lost Loud Midnight Naked Neon Quiet Red Restless Secret "
    "Silent Silver Slow Strange Sweet Velvet Wild Wicked Young Paper Crystal Savage Gentle "
    "Frozen Sunny Rusty Purple Lucky Dirty Modern Radio Sonic Tiny Heavy Cosmic Atomic Royal"
)

WORDS_NOUN = _words(
    "Heart Night Fire Rain River Road Dream Light Love Moon Star Sun Sky City Girl Boy World "
    "Song Soul Storm Summer Winter Ocean Train Wind Shadow Window Mirror Angel Devil Ghost "
    "Highway Garden Kingdom Island Thunder Diamond Echo Horizon Memory Paradise Revolution "
    "Season Silence Stranger Tiger Wolf Rose Tears Blues Machine Party Dance Money Heaven "
    "Kiss Fever Babylon Brother Sister Mama Daddy Baby Radio Sugar Whiskey Canyon Harbor Café"
)

WORDS_VERB = _words(
    "Hold Take Kiss Save Tell Call Show Love Leave Move Touch Wake Help Free Need Follow Find "
    "Give Bring Teach Shake Break Lift Keep Meet Miss Trust Carry Remember Forget"
)

SYLLABLES = _words(
    "ka ro mi ta zu lo ne sa vi do ra ki mo lu be ga xo fi na te yo ri po se ma di ko la zo "
    "vu che tra bel dor mun sol ver qui"
)

TITLE_SUFFIXES = (
    " (Remix)",
    " (Live)",
    " (Album Version)",
    " (Radio Edit)",
    " (Acoustic)",
    " (Extended Mix)",
    " (Demo)",
    " [Explicit]",
)
